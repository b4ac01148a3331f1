//! cargo +nightly fuzz run stream_reader_records (the body: targets/stream_reader_records.rs).

#![no_main]

#[path = "../targets/mod.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::stream_reader_records::run(data));
