//! The chat example (examples/chat/PROTOCOL.md) on the built binary with std
//! clients: joining, name rules, talking, and leaving by /quit, EOF or reset.

#[path = "../common/mod.rs"]
mod common;

use std::net::Ipv4Addr;

use common::chat::{
    Chatter, INVALID_NAME, NAME_TAKEN, PROMPT, TOO_MANY, hello, joined_chat, left_chat, start,
    strip_time_in,
};
use common::example::Server;

const LOCALHOST: Ipv4Addr = Ipv4Addr::LOCALHOST;

#[test]
fn a_client_is_welcomed_greeted_and_announced_to_the_others() {
    let server = start(&[]);
    let mut alice = Chatter::connect(&server);
    alice.send("alice");
    alice.expect(&hello("alice"));
    // The lobby has no history yet: no block, the next line is the answer.
    alice.expect_who("lobby", "alice");

    let mut bob = Chatter::join(&server, "bob");
    alice.expect(&joined_chat("bob"));
    // The newcomer is not told of its own arrival.
    bob.expect_who("lobby", "alice, bob");
    alice.expect_who("lobby", "alice, bob");
}

/// The `[HH:MM]` stamp is the server's local time, as the course's
/// `datetime.now()`: with `TZ=Asia/Tokyo` it is Tokyo's (UTC+9), not UTC's.
#[test]
fn lines_are_stamped_with_the_servers_local_time() {
    let env = [("TZ", "Asia/Tokyo")];
    let server = Server::start_example_with_env("chat", &[], "listening on ", LOCALHOST, &env);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    alice.send("what time is it?");
    let line = bob.line();
    assert_eq!(strip_time_in(&line, Some("Asia/Tokyo")), "alice: what time is it?\n");
}

#[test]
fn a_plain_line_reaches_everyone_else_stamped_with_local_time() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    let mut carol = Chatter::join_seen_by(&server, "carol", &mut [&mut alice, &mut bob]);

    alice.send("hello, all: 1 + 1 = 2");
    bob.expect_message("alice", "hello, all: 1 + 1 = 2");
    carol.expect_message("alice", "hello, all: 1 + 1 = 2");
    // The sender gets nothing back.
    alice.expect_who("lobby", "alice, bob, carol");

    // \r\n ends a line as \n does; every output line ends with \n only.
    bob.send_raw(b"from windows\r\n");
    alice.expect_message("bob", "from windows");
    carol.expect_message("bob", "from windows");

    // Empty and whitespace-only lines are ignored: the next line the others
    // see from carol is the real one sent after them.
    carol.send_raw(b"\n   \n\r\n\t\nreal\n");
    alice.expect_message("carol", "real");
    bob.expect_message("carol", "real");
    carol.expect_who("lobby", "alice, bob, carol");
}

#[test]
fn a_name_is_trimmed_and_must_be_1_to_20_letters_digits_or_underscores() {
    let server = start(&[]);
    // At most two failures per connection: the third closes it.
    let mut joined = Vec::new();
    for (bad, good) in [
        (["", "has space"], "  ok_name_1  "),
        (["abcdefghij0123456789x", "dash-name"], "abcdefghij0123456789"),
        (["bob\u{202e}evil", "bang!"], "\t_\t"),
    ] {
        let mut client = Chatter::connect(&server);
        for name in bad {
            client.send(name);
            client.expect(INVALID_NAME);
            client.expect_bytes(PROMPT);
        }
        client.send(good);
        client.expect(&hello(good.trim()));
        joined.push(client); // still online for the /who below
    }
    // Lowercase only here, so byte order and case-blind order agree.
    let mut last = Chatter::join(&server, "last");
    last.expect_who("lobby", "_, abcdefghij0123456789, last, ok_name_1");
    let _mixed = Chatter::join(&server, "MiXeD_Case_42");
    last.expect(&joined_chat("MiXeD_Case_42"));
}

/// Names in any script, as the course's `name.isalnum()`: Cyrillic and
/// Chinese letters are names, 20 *characters* at most (not bytes); a
/// right-to-left override is not a letter; `АЛИСА` is the same name as
/// `Алиса`, and so taken, and `/msg АЛИСА` reaches her.
#[test]
fn names_are_letters_and_digits_of_any_script_and_case_blind() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "Алиса");
    let twenty = "Щ".repeat(20);
    let mut long = Chatter::join_seen_by(&server, &twenty, &mut [&mut alice]);
    let mut ming = Chatter::join_seen_by(&server, "小明", &mut [&mut alice, &mut long]);

    let mut client = Chatter::connect(&server);
    client.send(&"Щ".repeat(21));
    client.expect(INVALID_NAME);
    client.expect_bytes(PROMPT);
    client.send("АЛИСА");
    client.expect(NAME_TAKEN);
    client.expect_bytes(PROMPT);
    client.send("\u{202e}tfel");
    assert_third_failure(&client.rest(), INVALID_NAME);

    ming.send("/msg АЛИСА привет");
    ming.expect("[PM to Алиса]: привет\n");
    alice.expect("[PM from 小明]: привет\n");
    alice.send("Всем привет");
    ming.expect_message("Алиса", "Всем привет");
    long.expect_message("Алиса", "Всем привет");
}

/// The third failed try: its reason line (or nothing), then the goodbye,
/// then EOF; no third prompt.
fn assert_third_failure(rest: &str, reason: &str) {
    assert!(
        rest == format!("{reason}{TOO_MANY}") || rest == TOO_MANY,
        "after the third failure: {rest:?}"
    );
}

#[test]
fn a_taken_name_is_refused_and_three_failed_tries_close_the_connection() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");

    let mut client = Chatter::connect(&server);
    client.send("alice");
    client.expect(NAME_TAKEN);
    client.expect_bytes(PROMPT);
    client.send("not valid");
    client.expect(INVALID_NAME);
    client.expect_bytes(PROMPT);
    client.send("alice");
    assert_third_failure(&client.rest(), NAME_TAKEN);

    let mut client = Chatter::connect(&server);
    for _ in 0..2 {
        client.send("!");
        client.expect(INVALID_NAME);
        client.expect_bytes(PROMPT);
    }
    client.send("!");
    assert_third_failure(&client.rest(), INVALID_NAME);

    // Neither failed client was ever announced, and the server goes on.
    alice.expect_who("lobby", "alice");
    let _bob = Chatter::join(&server, "bob");
    alice.expect(&joined_chat("bob"));
}

/// bob leaves by `leave`: alice and carol each get the left notice once
/// (a later broadcast brings no second one), and the name is free again.
fn leave_is_announced_once_and_frees_the_name(leave: impl FnOnce(Chatter)) {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");
    let mut carol = Chatter::join_seen_by(&server, "carol", &mut [&mut alice]);
    let bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice, &mut carol]);

    leave(bob);
    alice.expect(&left_chat("bob"));
    carol.expect(&left_chat("bob"));
    // A broadcast after the leave: had bob still been in the room, a write
    // to his dead socket could announce him a second time.
    carol.send("still here");
    alice.expect_message("carol", "still here");
    alice.expect_who("lobby", "alice, carol");
    carol.expect_who("lobby", "alice, carol");
    assert_eq!(alice.ask("/list"), "Online users: alice, carol\n");

    let mut bob = Chatter::connect(&server);
    bob.send("bob");
    bob.expect(&hello("bob"));
    // The lobby has carol's line in its history now.
    assert_eq!(bob.history(), ["carol: still here\n"]);
    alice.expect(&joined_chat("bob"));
    carol.expect(&joined_chat("bob"));
}

#[test]
fn leaving_by_quit_says_goodbye_is_announced_once_and_frees_the_name() {
    leave_is_announced_once_and_frees_the_name(|mut bob| {
        bob.send("/quit");
        assert_eq!(bob.rest(), "Goodbye!\n", "then the server closes");
    });
}

#[test]
fn leaving_by_eof_is_announced_once_and_frees_the_name() {
    leave_is_announced_once_and_frees_the_name(drop);
}

#[test]
fn leaving_by_reset_is_announced_once_and_frees_the_name() {
    leave_is_announced_once_and_frees_the_name(Chatter::reset);
}
