//! cargo +nightly fuzz run chat_lines (the body: targets/chat_lines.rs).

#![no_main]

#[path = "../targets/mod.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::chat_lines::run(data));
