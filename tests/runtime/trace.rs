//! `RUST_LOG=reel=trace`: one short line per phase of each tick; the run
//! phase names the tasks it ran (id and name), a wake from one task to
//! another (or a spawn) names both, and the dispatch line counts the wakes
//! that came from other threads. Its own binary, since it installs
//! a logger at trace level.

use std::sync::Mutex;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.target() == "reel"
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            LINES.lock().unwrap().push(record.args().to_string());
        }
    }
    fn flush(&self) {}
}

#[test]
fn the_run_phase_names_its_tasks_and_dispatch_counts_wakes_from_other_threads() {
    log::set_logger(&Capture).expect("the only logger here");
    log::set_max_level(log::LevelFilter::Trace);
    reel::run(async {
        let worker = reel::spawn_named("worker", async { 7 });
        assert_eq!(worker.await.expect("joined"), 7);
        // Woken from the blocking pool's thread: a remote wake.
        let done = reel::spawn_blocking(|| 1).await.expect("blocking");
        assert_eq!(done, 1);
    });
    let lines = LINES.lock().unwrap();
    let ran = lines.iter().find(|l| l.contains("ran ") && l.contains("(worker)"));
    assert!(ran.is_some(), "a run line names worker: {lines:#?}");
    // A wake from one task to another names both, and so does a spawn.
    let said = |text: &str| lines.iter().any(|l| l.ends_with(text));
    assert!(said("task 1 (main) spawned task 2 (worker)"), "{lines:#?}");
    assert!(said("task 2 (worker) woke task 1 (main)"), "the join's wake: {lines:#?}");
    // The registration of the loop's cross-thread waker is named in words.
    assert!(lines.iter().any(|l| l.contains("[the cross-thread waker r]")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains(" (main)")), "main is named too");
    assert!(
        lines.iter().any(|l| l.contains(", 1 from other threads")),
        "the blocking pool's wake is counted: {lines:#?}"
    );
}
