//! A logger for the tests that read what reel logs: each test reads only
//! the records of its own thread (the harness runs tests in parallel).

use std::sync::{Mutex, Once};
use std::thread::{self, ThreadId};

struct Capture;

static RECORDS: Mutex<Vec<(ThreadId, log::Level, String)>> = Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = record.args().to_string();
            RECORDS.lock().unwrap().push((thread::current().id(), record.level(), line));
        }
    }
    fn flush(&self) {}
}

pub fn capture_logs() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&Capture).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Warn);
    });
}

pub fn my_logs(level: log::Level) -> Vec<String> {
    let me = thread::current().id();
    let records = RECORDS.lock().unwrap();
    records.iter().filter(|(t, l, _)| *t == me && *l == level).map(|r| r.2.clone()).collect()
}
