//! Each example's `--help` opens with what that example is and how to try
//! it, not with the crate's description (which clap's bare `about` used to
//! print for every one of them).

#[path = "../common/mod.rs"]
mod common;

use common::example::run_to_exit;

/// The crate's description, from Cargo.toml: it must not open any help.
const CRATE_DESCRIPTION: &str = env!("CARGO_PKG_DESCRIPTION");

/// Each example and a phrase its help must open with.
const EXAMPLES: [(&str, &str); 9] = [
    ("echo", "echo server"),
    ("echo_load", "load generator for an echo server"),
    ("chat", "chat server"),
    ("chat_client", "terminal client"),
    ("chat_load", "load generator for the chat server"),
    ("chat_crowd", "crowd of chat clients"),
    ("http", "HTTP/1.1 server"),
    ("http_hostile", "hostile load"),
    ("stdin_echo", "standard input"),
];

#[test]
fn every_example_help_says_what_it_is_and_how_to_try_it() {
    for (name, purpose) in EXAMPLES {
        let (status, stdout, _) = run_to_exit(name, &["--help"]);
        assert!(status.success(), "{name} --help: {status}");
        let first = stdout.lines().next().unwrap_or_default();
        assert!(!stdout.contains(CRATE_DESCRIPTION), "{name} --help shows the crate's description");
        assert!(first.contains(purpose), "{name} --help opens with {first:?}");
        assert!(stdout.contains("Try it:"), "{name} --help says how to try it:\n{stdout}");
        // The course's texts are "the course" to a user; "seeds" is our word.
        assert!(!stdout.contains("seeds"), "{name} --help speaks of seeds:\n{stdout}");
    }
}
