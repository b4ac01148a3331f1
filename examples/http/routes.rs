//! The application: routes (handlers) first, then static files.
//!
//! Adding a route is one call in [`App::new`] (or on any `App`):
//!
//! ```text
//! app.route("/hello", |req| async move {
//!     Response::text(200, format!("hello, {}\n", req.peer))
//! });
//! ```
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
    /// Exact paths to handlers; a few entries, so a list beats a map.
    routes: Vec<(String, Handler)>,
    pub files: Rc<Files>,
    pub config: Config,
    pub stats: Rc<Stats>,
    /// The connections' read and write buffers, lent while they are busy.
    pub buffers: Rc<Buffers>,
    /// Set on SIGINT/SIGTERM: idle connections close, busy ones finish the
    /// request they are on and close.
    pub stop: Event,
}

/// Counters for `/status`, per worker.
#[derive(Default)]
pub struct Stats {
    pub worker: usize,
    /// Requests parsed so far, this one included.
    pub requests: Cell<u64>,
    /// Connections open now.
    pub connections: Cell<usize>,
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
        app.route("/", move |req| {
            let files = files.clone();
            async move {
                let hello = || Response::html(200, HELLO);
                get_only(&req).unwrap_or_else(|| files.index(&req).unwrap_or_else(hello))
            }
        });
        app.route("/status", move |req| {
            let stats = stats.clone();
            async move {
                let json = format!(
                    "{{\"status\":\"ok\",\"worker\":{},\"requests\":{},\"connections\":{}}}",
                    stats.worker,
                    stats.requests.get(),
                    stats.connections.get()
                );
                get_only(&req).unwrap_or_else(|| Response::json(200, json))
            }
        });
        app.route("/time", |req| async move {
            get_only(&req).unwrap_or_else(|| Response::text(200, clock::iso8601_now() + "\n"))
        });
        app.route("/echo", |req| async move { echo(req) });
        app.route("/panic", |_req| async move {
            panic!("/panic: a handler that panics, on purpose");
            #[allow(unreachable_code)]
            Response::new(200)
        });
        app
    }

    /// Serves `path` with `handler`, ahead of any static file there.
    pub fn route<F, Fut, R>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Fn(Request) -> Fut + 'static,
        Fut: Future<Output = R> + 'static,
        R: Reply,
    {
        let handler: Handler = Rc::new(move |req| {
            let future = handler(req);
            Box::pin(async move { future.await.into_result() })
        });
        self.routes.retain(|(p, _)| p != path);
        self.routes.push((path.to_owned(), handler));
        self
    }

    /// The response to `request`: its route's, else a static file's. A
    /// handler's panic or error is logged and becomes `500`.
    pub async fn respond(&self, request: Request) -> Response {
        let Some((_, handler)) = self.routes.iter().find(|(p, _)| *p == request.path) else {
            return self.files.serve(&request);
        };
        let mut future = handler(request);
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

/// `None` for GET and HEAD, which the shipped pages answer; else `405`.
fn get_only(request: &Request) -> Option<Response> {
    let allowed = request.method == "GET" || request.method == "HEAD";
    (!allowed).then(|| Response::error(405).header("Allow", "GET, HEAD"))
}

/// `POST /echo`: the body back, with the request's content type.
fn echo(request: Request) -> Response {
    if request.method != "POST" {
        return Response::error(405).header("Allow", "POST");
    }
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

    fn request(path: &str) -> Request {
        Request {
            method: "GET".into(),
            path: path.into(),
            query: None,
            version: 1,
            headers: Vec::new(),
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
                tls: None,
            };
            let mut app = App::new(config, Files::new(&root, 16).unwrap(), 0);
            app.route("/fails", |_req| async { Err::<Response, _>("the database is down") });
            app.route("/works", |_req| async { Ok::<_, String>(Response::text(201, "made\n")) });
            assert_eq!(app.respond(request("/fails")).await.status, 500);
            assert_eq!(app.respond(request("/works")).await.status, 201);
            assert_eq!(app.respond(request("/panic")).await.status, 500);
        });
    }
}
