//! cargo +nightly fuzz run http_head (the body: targets/http_head.rs).

#![no_main]

#[path = "../targets/mod.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::http_head::run(data));
