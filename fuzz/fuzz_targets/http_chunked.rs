//! cargo +nightly fuzz run http_chunked (the body: targets/http_chunked.rs).

#![no_main]

#[path = "../targets/mod.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::http_chunked::run(data));
