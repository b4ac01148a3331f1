//! The timeline (`Builder::timeline`, `REEL_TIMELINE`): one loop's run
//! with an I/O wake, a timer, a task waking another and a wake from
//! another thread writes a file that is valid trace-event JSON, with each
//! tick's phases as slices, each poll as a slice named by the task, and a
//! flow arrow from each cause to the poll it caused.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("reel-timeline-{}-{name}.json", std::process::id()))
}

/// One echo round trip over loopback, a sleep, one task waking another,
/// and a `spawn_blocking` whose end wakes the loop from its thread.
async fn a_little_of_everything() {
    let listener = reel::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = reel::spawn_named("server", async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut buf = [0u8; 16];
        let n = stream.read(&mut buf).await.expect("read");
        stream.write_all(&buf[..n]).await.expect("write");
    });
    let client = reel::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        stream.write_all(b"ping").expect("send");
        let mut back = [0u8; 4];
        stream.read_exact(&mut back).expect("the echo");
        back
    });
    assert_eq!(&client.await.expect("the client thread"), b"ping");
    server.await.expect("the server task");
    reel::time::sleep(Duration::from_millis(5)).await;
    let event = std::rc::Rc::new(reel::sync::Event::new());
    let waiter = reel::spawn_named("waiter", {
        let event = event.clone();
        async move { event.wait().await }
    });
    reel::yield_now().await;
    event.set();
    waiter.await.expect("the waiter");
}

fn events(path: &PathBuf) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("the timeline file");
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    json["traceEvents"].as_array().expect("a traceEvents array").clone()
}

fn named<'a>(events: &'a [Value], ph: &str) -> impl Iterator<Item = &'a Value> {
    let ph = ph.to_owned();
    events.iter().filter(move |e| e["ph"] == ph.as_str())
}

#[test]
fn a_run_writes_valid_trace_events_with_phases_polls_and_flows() {
    let path = temp_file("run");
    reel::Builder::new().timeline(&path).run(a_little_of_everything());
    let events = events(&path);
    for event in &events {
        for field in ["ph", "pid", "tid", "ts", "name"] {
            assert!(!event[field].is_null(), "{field} missing in {event}");
        }
    }
    let slices: Vec<&str> = named(&events, "X").filter_map(|e| e["name"].as_str()).collect();
    for phase in ["epoll_wait", "dispatch", "fire_expired", "run_ready", "tick 1"] {
        assert!(slices.contains(&phase), "no {phase} slice: {slices:?}");
    }
    for poll in ["task 1 main", "task 2 server", "waiter"] {
        assert!(slices.iter().any(|s| s.contains(poll)), "no poll of {poll}: {slices:?}");
    }
    let starts: Vec<&Value> = named(&events, "s").collect();
    let ends: Vec<&Value> = named(&events, "f").collect();
    for kind in [
        "woken by I/O",
        "woken by a timer",
        "woken by a task",
        "woken from another thread",
        "spawned",
    ] {
        let flow = starts
            .iter()
            .find(|s| s["name"] == kind)
            .unwrap_or_else(|| panic!("no {kind} flow: {starts:#?}"));
        let end = ends.iter().find(|f| f["id"] == flow["id"]);
        let end = end.unwrap_or_else(|| panic!("the {kind} flow never ends at a poll"));
        assert_eq!(end["bp"], "e", "a flow binds to the poll that encloses its end");
        assert!(end["ts"].as_f64() >= flow["ts"].as_f64(), "a flow runs forward in time");
    }
    let io = starts.iter().find(|s| s["name"] == "woken by I/O").expect("an I/O flow");
    let by = io["args"]["by"].as_str().expect("what woke it");
    assert!(by.starts_with("I/O ") && by.contains("readable"), "{by}");
    let counters = named(&events, "C").find(|c| c["name"] == "tasks").expect("a tasks counter");
    assert!(counters["args"]["alive"].is_number() && counters["args"]["ready"].is_number());
    let _ = std::fs::remove_file(&path);
}

#[test]
fn past_its_limit_the_timeline_stops_and_says_so() {
    let path = temp_file("limit");
    reel::Builder::new().timeline(&path).timeline_limit(1).run(async {
        for _ in 0..3000 {
            reel::yield_now().await;
        }
    });
    let events = events(&path);
    let last = events.last().expect("events");
    let name = last["name"].as_str().expect("a name");
    assert!(name.starts_with("timeline stopped: it reached its limit"), "{last}");
    let size = std::fs::metadata(&path).expect("the file").len();
    assert!(size < 4 << 20, "it stopped near its cap: {size} bytes");
    let _ = std::fs::remove_file(&path);
}
