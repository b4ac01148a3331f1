//! The axum application: a `Router` that knows nothing of the runtime under
//! it. `main.rs` serves it through hyper on reel; bench's `tokio_axum`
//! serves this same file on tokio, so the two are measured on the same app.
//!
//! Routes:
//! - `GET /`: a hello page;
//! - `GET /json`: a JSON document built per request;
//! - `GET /users/{id}`: path extraction (`{"id": 7}`; not a number: 400);
//! - `GET /search?q=...&limit=...`: query extraction, echoed as JSON;
//! - `GET /hits`: shared state, the requests this process has served;
//! - `POST /echo`: the request body streamed back as it arrives (100 MiB
//!   in, 100 MiB out, with at most hyper's buffers held between);
//! - `GET /count?n=N`: N numbered lines, made as the client reads them.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// What every handler can see: the hit counter. axum wants state that is
/// `Clone + Send + Sync`, hence an `Arc` and an atomic, though reel runs
/// every request on one thread.
#[derive(Clone, Default)]
pub struct AppState {
    hits: Arc<AtomicU64>,
}

/// The most lines `/count` makes.
const MAX_COUNT: u64 = 10_000_000;

/// The application.
pub fn router() -> Router {
    let state = AppState::default();
    Router::new()
        .route("/", get(hello))
        .route("/json", get(document))
        .route("/users/{id}", get(user))
        .route("/search", get(search))
        .route("/hits", get(hits))
        .route("/echo", post(echo))
        .route("/count", get(count))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count_hit))
        .with_state(state)
}

/// Counts every request in the shared state (a middleware, as a real app
/// counts or logs).
async fn count_hit(
    State(state): State<AppState>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    state.hits.fetch_add(1, Ordering::Relaxed);
    next.run(request).await
}

async fn hello() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain")], "Hello from axum on reel\n")
}

async fn document() -> Json<Value> {
    Json(json!({ "runtime": "reel", "framework": "axum", "protocols": ["HTTP/1.1", "h2c", "h2"] }))
}

async fn user(Path(id): Path<u64>) -> Json<Value> {
    Json(json!({ "id": id, "name": format!("user {id}") }))
}

async fn search(Query(params): Query<HashMap<String, String>>) -> Json<Value> {
    let q = params.get("q").cloned().unwrap_or_default();
    let limit = params.get("limit").and_then(|l| l.parse::<u32>().ok()).unwrap_or(10);
    Json(json!({ "q": q, "limit": limit }))
}

async fn hits(State(state): State<AppState>) -> String {
    format!("{}\n", state.hits.load(Ordering::Relaxed))
}

/// The body goes back as it comes: hyper reads the next chunk only when the
/// previous one has been written, so a client that sends faster than it
/// reads is held back by TCP, not by a growing buffer here.
async fn echo(request: Request) -> Response {
    let content_type = request.headers().get(header::CONTENT_TYPE).cloned();
    let mut response = Response::new(request.into_body());
    if let Some(content_type) = content_type {
        response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    }
    response
}

async fn count(Query(params): Query<HashMap<String, String>>) -> Response {
    match params.get("n").map(|n| n.parse::<u64>()) {
        Some(Ok(n)) if n <= MAX_COUNT => Response::new(Body::new(Lines { next: 1, last: n })),
        _ => (StatusCode::BAD_REQUEST, format!("n: a number up to {MAX_COUNT}\n")).into_response(),
    }
}

/// A body made as it is read: up to 1,000 lines a frame.
struct Lines {
    next: u64,
    last: u64,
}

impl HttpBody for Lines {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        if self.next > self.last {
            return Poll::Ready(None);
        }
        let end = self.last.min(self.next + 999);
        let mut chunk = String::new();
        for line in self.next..=end {
            chunk.push_str(&line.to_string());
            chunk.push('\n');
        }
        self.next = end + 1;
        Poll::Ready(Some(Ok(hyper::body::Frame::data(Bytes::from(chunk)))))
    }
}
