//! SIGTERM and SIGINT on the chat example (examples/chat/PROTOCOL.md): every
//! client gets the goodbye then EOF, and the server exits 0 within --grace.

#[path = "../common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::chat::{Chatter, start};

const GOODBYE: &str = "Server shutting down. Goodbye!\n";

#[test]
fn sigterm_says_goodbye_to_every_client_and_exits_zero_within_grace() {
    let mut server = start(&["--grace", "2"]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    let mut carol = Chatter::join_seen_by(&server, "carol", &mut [&mut alice, &mut bob]);
    assert_eq!(carol.ask("/join games"), "You are now in games.\n");
    for lobby in [&mut alice, &mut bob] {
        lobby.expect("*** carol left the room ***\n");
        lobby.expect_who("lobby", "alice, bob");
    }
    // Connected, still at the name prompt.
    let prompted = Chatter::connect(&server);

    let started = Instant::now();
    server.signal(libc::SIGTERM);
    for (who, client) in [("alice", alice), ("bob", bob), ("carol", carol), ("prompted", prompted)]
    {
        assert_eq!(client.rest(), GOODBYE, "{who}: the goodbye, then EOF");
    }
    let status = server.wait_exit();
    let took = started.elapsed();
    eprintln!("exited {took:?} after SIGTERM: {status}");
    assert!(status.success(), "exit 0, got {status}");
    assert!(took < Duration::from_millis(2500), "within --grace 2 (and a little): {took:?}");
}

/// SIGHUP (the terminal closed) is a graceful stop too: it was exit 129,
/// every client cut without a word.
#[test]
fn sighup_says_goodbye_to_every_client_and_exits_zero() {
    let mut server = start(&["--grace", "2"]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    alice.send("last words");
    bob.expect_message("alice", "last words");
    server.signal(libc::SIGHUP);
    assert_eq!(alice.rest(), GOODBYE);
    assert_eq!(bob.rest(), GOODBYE);
    let status = server.wait_exit();
    assert!(status.success(), "exit 0, got {status}");
}

#[test]
fn sigint_says_goodbye_and_exits_zero() {
    let mut server = start(&["--grace", "2"]);
    let mut alice = Chatter::join(&server, "alice");
    let bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    server.signal(libc::SIGINT);
    assert_eq!(alice.rest(), GOODBYE);
    assert_eq!(bob.rest(), GOODBYE);
    let status = server.wait_exit();
    assert!(status.success(), "exit 0, got {status}");
}
