//! The bodies of the fuzz targets, one module each, and the example code
//! they exercise (included by path, so `cargo run --example ...` is
//! unchanged). Shared by `fuzz/fuzz_targets/` (libFuzzer, nightly) and
//! `tests/examples/fuzz_corpus.rs`, which replays the committed corpora on stable.
//!
//! Each `run` panics when a property fails: that is what libFuzzer reports
//! as a crash, and what fails the replay test.

// Each binary uses some of what is included here.
#![allow(dead_code)]

pub mod chat;
pub mod echo;
pub mod http;

pub mod chat_lines;
pub mod echo_lines;
pub mod http_chunked;
pub mod http_head;
pub mod http_range;
pub mod http_target;
pub mod stream_reader_records;

/// A target's body: panics when a property fails.
pub type Body = fn(&[u8]);

/// Every target by name: its corpus is `fuzz/corpus/NAME/`.
pub const TARGETS: &[(&str, Body)] = &[
    ("chat_lines", chat_lines::run),
    ("echo_lines", echo_lines::run),
    ("http_chunked", http_chunked::run),
    ("http_head", http_head::run),
    ("http_range", http_range::run),
    ("http_target", http_target::run),
    ("stream_reader_records", stream_reader_records::run),
];
