//! cargo +nightly fuzz run http_target (the body: targets/http_target.rs).

#![no_main]

#[path = "../targets/mod.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::http_target::run(data));
