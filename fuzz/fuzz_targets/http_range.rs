//! cargo +nightly fuzz run http_range (the body: targets/http_range.rs).

#![no_main]

#[path = "../targets/mod.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::http_range::run(data));
