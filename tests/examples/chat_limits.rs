//! The chat example's limits and bad input (examples/chat/PROTOCOL.md): the
//! rate limit, --max-message, a line far over the reader's limit, invalid
//! UTF-8, and a client reset in the middle of a broadcast.

#[path = "../common/mod.rs"]
mod common;

use std::thread;
use std::time::Duration;

use common::chat::{Chatter, SLOW_DOWN, left_chat, start, strip_time};
use common::example::Server;

#[test]
fn past_the_rate_messages_and_pms_are_dropped_with_slow_down() {
    let server = start(&["--rate", "2"]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);

    // A full bucket holds 2 tokens: the first two pass, three are dropped.
    alice.send_raw(b"m1\nm2\nm3\nm4\nm5\n");
    for _ in 0..3 {
        alice.expect(SLOW_DOWN);
    }
    bob.expect_message("alice", "m1");
    bob.expect_message("alice", "m2");
    bob.expect_who("lobby", "alice, bob"); // m3..m5 never came
    alice.expect_who("lobby", "alice, bob"); // other commands are not limited

    // The bucket refills at 2 per second (time must pass: nothing to await).
    thread::sleep(Duration::from_millis(1100));
    alice.send_raw(b"/msg bob p1\n/msg bob p2\n/msg bob p3\nm6\n");
    alice.expect("[PM to bob]: p1\n");
    alice.expect("[PM to bob]: p2\n");
    alice.expect(SLOW_DOWN);
    alice.expect(SLOW_DOWN);
    bob.expect("[PM from alice]: p1\n");
    bob.expect("[PM from alice]: p2\n");
    bob.expect_who("lobby", "alice, bob");
}

#[test]
fn a_message_over_max_message_bytes_is_refused_and_not_sent() {
    let server = start(&["--max-message", "20"]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    let too_long = "Message too long (max 20 bytes).\n";

    let twenty = "x".repeat(20);
    alice.send(&twenty);
    bob.expect_message("alice", &twenty);
    assert_eq!(alice.ask(&"y".repeat(21)), too_long);
    // Bytes, not characters: 11 two-byte characters are 22 bytes.
    assert_eq!(alice.ask(&"é".repeat(11)), too_long);
    assert_eq!(alice.ask(&format!("/msg bob {}", "z".repeat(21))), too_long);
    alice.send(&"é".repeat(10));
    bob.expect_message("alice", &"é".repeat(10));
    assert_eq!(alice.ask(&format!("/msg bob {twenty}")), format!("[PM to bob]: {twenty}\n"));
    // The refused ones never reached bob: the PM is his next line.
    bob.expect(&format!("[PM from alice]: {twenty}\n"));
    bob.expect_who("lobby", "alice, bob");
}

#[test]
fn a_line_far_over_the_reader_limit_gets_one_answer_and_the_next_line_goes_through() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);

    let mut bytes = vec![b'x'; 100_000];
    bytes.extend_from_slice(b"\nafter the flood\n");
    alice.send_raw(&bytes);
    alice.expect("Message too long (max 500 bytes).\n");
    alice.expect_who("lobby", "alice, bob"); // one answer, not one per chunk
    bob.expect_message("alice", "after the flood");
    bob.expect_who("lobby", "alice, bob");
}

#[test]
fn invalid_utf8_is_refused_and_the_client_stays_connected() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    let refused = "Invalid UTF-8: message not sent.\n";

    alice.send_raw(b"caf\xe9 au lait\n");
    alice.expect(refused);
    alice.send_raw(b"/msg bob \xff\xfe\n");
    alice.expect(refused);
    alice.send("still here");
    bob.expect_message("alice", "still here");
    alice.expect_who("lobby", "alice, bob");
    bob.expect_who("lobby", "alice, bob");
}

#[test]
fn control_characters_are_refused_so_no_one_can_pass_as_someone_else() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    let refused = "Control characters: message not sent.\n";
    // On bob's terminal the \r would put "[12:00] carol: ..." over
    // "[..] alice: ", and alice would pass as carol.
    alice.send_raw(b"\r[12:00] carol: send me your password\n");
    alice.expect(refused);
    alice.send_raw(b"/msg bob \x1b[2Jcleared\n");
    alice.expect(refused);
    alice.send("a\ttab is fine");
    bob.expect_message("alice", "a\ttab is fine");
    bob.expect_who("lobby", "alice, bob");
}

/// Invisible characters are refused as control characters are: a
/// right-to-left override would show "evil" as "live" on bob's terminal,
/// zero-width and line-separator characters hide or split text.
#[test]
fn invisible_characters_are_refused_so_no_text_is_reordered_or_hidden() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    let refused = "Invisible characters: message not sent.\n";
    for line in [
        "pay to \u{202e}live\u{202c} now",
        "/msg bob zero\u{200b}width",
        "one\u{2028}two",
        "isolate \u{2067}x",
    ] {
        alice.send(line);
        alice.expect(refused);
    }
    alice.send("Привет, 小明 — visible text is fine");
    bob.expect_message("alice", "Привет, 小明 — visible text is fine");
    bob.expect_who("lobby", "alice, bob");
}

#[test]
fn a_reset_during_a_broadcast_leaves_the_others_receiving_with_one_notice() {
    let server = start(&["--rate", "1000000"]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    let carol = Chatter::join_seen_by(&server, "carol", &mut [&mut alice, &mut bob]);
    let mut carol = Some(carol);

    // alice sends batches of lines; bob reads each batch before the next is
    // sent, so no queue holds more than one batch (a burst longer than a
    // client's queue would overflow even a client that reads).
    const BATCHES: usize = 20;
    const BATCH: usize = 100;
    let (mut next, mut notices) = (0, 0);
    for batch in 0..BATCHES {
        let lines: String =
            (batch * BATCH..(batch + 1) * BATCH).map(|n| format!("message {n}\n")).collect();
        alice.send_raw(lines.as_bytes());
        if batch == BATCHES / 4 {
            // carol, who has read none of it, resets while this batch is on
            // its way to her; later batches go to a room she was in.
            carol.take().expect("carol still here").reset();
        }
        while next < (batch + 1) * BATCH {
            let Some(line) = bob.line_or_eof() else {
                panic!("bob, who reads every batch, was disconnected after {next} lines");
            };
            if line == left_chat("carol") {
                notices += 1;
                continue;
            }
            assert_eq!(strip_time(&line), format!("alice: message {next}\n"), "in order");
            next += 1;
        }
    }
    if notices == 0 {
        bob.expect(&left_chat("carol"));
        notices += 1;
    }
    assert_eq!(notices, 1, "exactly one left notice for carol");
    bob.expect_who("lobby", "alice, bob"); // and no second one after
    alice.expect(&left_chat("carol"));
    alice.expect_who("lobby", "alice, bob");
}

const BUSY: &str = "Server is busy. Try again later.\n";

/// A client that never gives a name is told so and closed at the login
/// timeout (there was none: a silent crowd held every descriptor), and
/// the next client is welcomed; one that joined in time stays.
#[test]
fn a_client_silent_at_the_prompt_is_timed_out_and_the_next_is_welcomed() {
    let server = start(&["--login-timeout", "0.3"]);
    let mut joined = Chatter::join(&server, "early");
    let silent = Chatter::connect(&server);
    let half = Chatter::connect(&server);
    assert_eq!(silent.rest(), "Timed out. Goodbye!\n");
    assert_eq!(half.rest(), "Timed out. Goodbye!\n");
    let _next = Chatter::join(&server, "next");
    joined.expect(&common::chat::joined_chat("next"));
    server.expect_log(&["left before choosing a name"]);
}

/// Past `--max-conns` a client is told the server is busy, never closed in
/// silence; a slot that frees is taken by the next client.
#[test]
fn past_max_conns_the_busy_line_arrives_and_a_freed_slot_is_reused() {
    let server = start(&["--max-conns", "2"]);
    let mut alice = Chatter::join(&server, "alice");
    let silent = Chatter::connect(&server);
    let mut refused = server.connect();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut refused, &mut text).expect("the refusal, then EOF");
    assert_eq!(text, BUSY);
    drop(silent);
    // The silent client's slot comes back once the server sees it gone.
    let deadline = std::time::Instant::now() + common::example::DEADLINE;
    loop {
        let mut probe = server.connect();
        let mut first = [0; 1];
        std::io::Read::read_exact(&mut probe, &mut first).expect("a first byte");
        if first[0] == b'W' {
            break; // "Welcome! ...": the slot is back
        }
        assert!(std::time::Instant::now() < deadline, "the slot never came back");
        thread::sleep(Duration::from_millis(20));
    }
    alice.expect_who("lobby", "alice");
}

/// `--max-per-ip`: a second client from the same address is told the
/// server is busy while the first stays; off by default.
#[test]
fn max_per_ip_refuses_a_second_client_from_one_address() {
    let server = start(&["--max-per-ip", "1"]);
    let mut alice = Chatter::join(&server, "alice");
    let mut second = server.connect();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut second, &mut text).expect("the refusal, then EOF");
    assert_eq!(text, BUSY);
    alice.expect_who("lobby", "alice");
}

/// The red team's silent crowd, in small: under `ulimit -n 256` (soft and
/// hard), 300 connections that never send a byte. Those past the default
/// `--max-conns` (the limit less 64) are told the server is busy, none is
/// closed in silence, the silent ones are timed out at the login timeout,
/// and then a client joins as if nothing had happened.
#[test]
fn a_silent_crowd_at_the_descriptor_limit_is_refused_aloud_then_timed_out() {
    use std::io::Read;
    let mut command = std::process::Command::new("bash");
    command.arg("-c").arg("ulimit -n 256 && exec \"$0\" \"$@\"");
    command.arg(common::example::example_binary("chat"));
    command.args(["--port", "0", "--login-timeout", "1"]);
    let server = Server::start_command(command, "listening on ", std::net::Ipv4Addr::LOCALHOST);
    let crowd: Vec<_> = (0..300).map(|_| server.connect()).collect();
    let (mut welcomed, mut busy) = (0, 0);
    for mut silent in crowd {
        let mut text = String::new();
        silent.read_to_string(&mut text).expect("every one hears something, then EOF");
        match text.as_str() {
            "Welcome! Enter your name: Timed out. Goodbye!\n" => welcomed += 1,
            BUSY => busy += 1,
            other => panic!("neither welcomed and timed out nor busy: {other:?}"),
        }
    }
    assert_eq!(welcomed, 256 - 64, "the default --max-conns: the limit less 64");
    assert_eq!(busy, 300 - welcomed);
    let _late = Chatter::join(&server, "late");
}
