//! cargo +nightly fuzz run echo_lines (the body: targets/echo_lines.rs).

#![no_main]

#[path = "../targets/mod.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::echo_lines::run(data));
