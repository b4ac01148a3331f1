//! The application: routes (handlers) first, then static files.
//!
//! Adding a route is one call in [`App::new`] (or on any `App`), naming the
//! method it answers (`get` answers HEAD too):
//!
//! ```text
//! app.get("/hello", |req| async move {
//!     Response::text(200, format!("hello, {}\n", req.peer))
//! });
//! ```
//!
//! Any other method on that path is `405` with `Allow`, answered by the
//! app before a handler runs or a body is read ([`App::refusal`]).
//!
//! A handler gets the whole [`Request`] (body read) and returns a
//! [`Response`], or a `Result<Response, E>` whose `Err` becomes `500`. A
//! handler that panics also gives `500`; the connection and the server go on.

use std::cell::Cell;
use std::fmt::Display;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;

use reel::sync::Event;

use crate::buffers::Buffers;
use crate::clock;
use crate::config::Config;
use crate::files::Files;
use crate::parse::Request;
use crate::response::Response;

/// A route's handler, boxed so that every route fits one table.
type Handler = Rc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Result<Response, String>>>>>;

/// What a handler may return: a response, or a result whose error is
/// logged and answered with `500`.
pub trait Reply {
    fn into_result(self) -> Result<Response, String>;
}

impl Reply for Response {
    fn into_result(self) -> Result<Response, String> {
        Ok(self)
    }
}

impl<E: Display> Reply for Result<Response, E> {
    fn into_result(self) -> Result<Response, String> {
        self.map_err(|e| e.to_string())
    }
}

/// One worker's application: its routes, its static files, its counters,
/// and the stop flag its connections watch. One per loop, shared by that
/// loop's connections through an `Rc` (single thread: `Cell`, no atomics).
pub struct App {
    /// Exact paths to their handlers; a few entries, so a list beats a map.
    routes: Vec<Route>,
    pub files: Rc<Files>,
    pub config: Config,
    pub stats: Rc<Stats>,
    /// The connections' read and write buffers, lent while they are busy.
    pub buffers: Rc<Buffers>,
    /// Set on SIGINT, SIGTERM or SIGHUP: idle connections close, busy ones finish the
    /// request they are on and close.
    pub stop: Event,
}

/// One route: a path, the methods it answers, its handler.
struct Route {
    path: String,
    /// The `Allow` value: `GET, HEAD` or `POST`.
    allow: &'static str,
    handler: Handler,
}

/// Counters for `/status`, per worker.
#[derive(Default)]
pub struct Stats {
    pub worker: usize,
    /// Requests parsed so far, this one included.
    pub requests: Cell<u64>,
    /// Connections open now.
    pub connections: Cell<usize>,
    /// The most open at once since memory was last given back.
    peak: Cell<usize>,
}

/// A peak of open connections worth giving memory back after.
const CROWD: usize = 64;

impl Stats {
    /// A connection opened.
    pub fn arrived(&self) {
        let open = self.connections.get() + 1;
        self.connections.set(open);
        self.peak.set(self.peak.get().max(open));
    }

    /// A connection closed. When a crowd has mostly left (a quarter of its
    /// peak remains), the memory it held goes back to the system: glibc
    /// keeps freed memory otherwise, and the worker would stay at its peak
    /// (`reel::release_free_memory`). Once per crowd: the peak starts over.
    pub fn left(&self) {
        let open = self.connections.get() - 1;
        self.connections.set(open);
        if self.peak.get() >= CROWD && open <= self.peak.get() / 4 {
            self.peak.set(open);
            let started = std::time::Instant::now();
            let released = reel::release_free_memory();
            log::debug!("a crowd left: memory released {released} in {:?}", started.elapsed());
        }
    }
}

impl App {
    /// The application with the shipped routes.
    pub fn new(config: Config, files: Files, worker: usize) -> App {
        let stats = Rc::new(Stats { worker, ..Stats::default() });
        let files = Rc::new(files);
        let mut app = App {
            routes: Vec::new(),
            files: files.clone(),
            config,
            stats: stats.clone(),
            buffers: Rc::default(),
            stop: Event::new(),
        };
        app.get("/", move |req| {
            let files = files.clone();
            async move { files.index(&req).unwrap_or_else(|| Response::html(200, HELLO)) }
        });
        app.get("/status", move |_req| {
            let stats = stats.clone();
            async move {
                let json = format!(
                    "{{\"status\":\"ok\",\"worker\":{},\"requests\":{},\"connections\":{}}}",
                    stats.worker,
                    stats.requests.get(),
                    stats.connections.get()
                );
                Response::json(200, json)
            }
        });
        app.get("/time", |_req| async move { Response::text(200, clock::local_now() + "\n") });
        app.post("/echo", |req| async move { echo(req) });
        app.get("/panic", |_req| async move {
            panic!("/panic: a handler that panics, on purpose");
            #[allow(unreachable_code)]
            Response::new(200)
        });
        app
    }

    /// Answers GET (and HEAD) on `path` with `handler`, ahead of any static
    /// file there.
    pub fn get<F, Fut, R>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Fn(Request) -> Fut + 'static,
        Fut: Future<Output = R> + 'static,
        R: Reply,
    {
        self.route(path, "GET, HEAD", handler)
    }

    /// Answers POST on `path` with `handler`.
    pub fn post<F, Fut, R>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Fn(Request) -> Fut + 'static,
        Fut: Future<Output = R> + 'static,
        R: Reply,
    {
        self.route(path, "POST", handler)
    }

    fn route<F, Fut, R>(&mut self, path: &str, allow: &'static str, handler: F) -> &mut Self
    where
        F: Fn(Request) -> Fut + 'static,
        Fut: Future<Output = R> + 'static,
        R: Reply,
    {
        let handler: Handler = Rc::new(move |req| {
            let future = handler(req);
            Box::pin(async move { future.await.into_result() })
        });
        self.routes.retain(|route| route.path != path);
        self.routes.push(Route { path: path.to_owned(), allow, handler });
        self
    }

    /// `405` with `Allow` when `request`'s target never answers its method
    /// (a route's methods, or GET and HEAD for a static file); else `None`.
    /// Known from the head alone, so it comes before any body is read.
    pub fn refusal(&self, request: &Request) -> Option<Response> {
        let route = self.routes.iter().find(|route| route.path == request.path);
        let allow = route.map_or("GET, HEAD", |route| route.allow);
        let allowed = allow.split(',').any(|method| method.trim_start() == request.method);
        (!allowed).then(|| Response::error(405).header("Allow", allow))
    }

    /// The response to `request`: its route's, else a static file's. A
    /// handler's panic or error is logged and becomes `500`.
    pub async fn respond(&self, request: Request) -> Response {
        if let Some(refusal) = self.refusal(&request) {
            return refusal;
        }
        let Some(route) = self.routes.iter().find(|route| route.path == request.path) else {
            return self.files.serve(&request);
        };
        let mut future = (route.handler)(request);
        // catch_unwind around each poll: a panic unwinds out of this poll
        // alone, and the future is then dropped without being polled again.
        let outcome =
            poll_fn(|cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                Ok(poll) => poll.map(Ok),
                Err(panic) => std::task::Poll::Ready(Err(panic)),
            })
            .await;
        match outcome {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => {
                log::error!("handler failed: {error}");
                Response::error(500)
            }
            Err(panic) => {
                // One line, with where: reel's panic hook printed nothing
                // and captured no backtrace, and kept the location for us.
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                let at = reel::take_panic_location().unwrap_or_else(|| "?".into());
                log::error!("handler panicked at {at}: {message}");
                Response::error(500)
            }
        }
    }
}

/// `POST /echo`: the body back, with the request's content type.
fn echo(request: Request) -> Response {
    let content_type =
        request.header("Content-Type").unwrap_or("application/octet-stream").to_owned();
    Response::new(200).header("Content-Type", content_type).body(request.body)
}

/// The page `/` shows when the root has no `index.html`.
const HELLO: &str = "<!DOCTYPE html>\n<html><head><title>reel</title></head>\n\
<body><h1>Hello from reel</h1><p>An HTTP/1.1 server on a hand-rolled async runtime.</p></body></html>\n";

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn request(method: &str, path: &str) -> Request {
        Request {
            method: method.to_owned().into(),
            path: path.into(),
            query: None,
            version: 1,
            headers: Default::default(),
            body: Vec::new(),
            peer: "127.0.0.1:1".parse().unwrap(),
        }
    }

    #[test]
    fn a_handler_that_returns_err_is_a_500_and_one_that_succeeds_is_not() {
        let root = std::env::temp_dir();
        reel::run(async move {
            let config = Config {
                max_body: 1024,
                keepalive_timeout: Duration::from_secs(1),
                header_timeout: Duration::from_secs(1),
                body_timeout: Duration::from_secs(1),
                send_timeout: Duration::from_secs(1),
                max_age: None,
                tls: None,
            };
            let mut app = App::new(config, Files::new(&root, 16, None).unwrap(), 0);
            app.get("/fails", |_req| async { Err::<Response, _>("the database is down") });
            app.get("/works", |_req| async { Ok::<_, String>(Response::text(201, "made\n")) });
            assert_eq!(app.respond(request("GET", "/fails")).await.status, 500);
            assert_eq!(app.respond(request("GET", "/works")).await.status, 201);
            assert_eq!(app.respond(request("GET", "/panic")).await.status, 500);
            let refused = app.respond(request("POST", "/works")).await;
            assert_eq!(refused.status, 405);
            assert!(app.refusal(&request("POST", "/echo")).is_none());
            assert!(app.refusal(&request("HEAD", "/works")).is_none());
            assert!(app.refusal(&request("PUT", "/a/file.html")).is_some());
        });
    }
}
