//! Notices in a big room (examples/chat/PROTOCOL.md, "Notices in big
//! rooms"): up to 100 members every join and leave is told one by one;
//! above, they are gathered into lines that name three and count the rest,
//! said within about a second or before the next chat line, whichever
//! comes first, and only the net change is told.

#[path = "../common/mod.rs"]
mod common;

use common::chat::{Chatter, joined_chat, left_chat, start};

/// More than the 100 members a room may have before it gathers notices.
const CLIENTS: usize = 150;

fn name(i: usize) -> String {
    format!("u{i:03}")
}

/// The names a gathered `*** ... WHAT ***` line counts, or None if `line`
/// is not one: `a, b, c and 47 others` is 50. Checks that the names it
/// lists are sorted and among `names`.
fn counted(line: &str, what: &str, names: &[String]) -> Option<usize> {
    let who = line.strip_prefix("*** ")?.strip_suffix(&format!(" {what} ***\n"))?;
    let (listed, others) = match who.rsplit_once(" and ") {
        Some((listed, last)) => {
            match last.strip_suffix(" others").or(last.strip_suffix(" other")) {
                Some(n) => (listed.split(", ").collect(), n.parse().expect("a count")),
                None => (listed.split(", ").chain([last]).collect::<Vec<_>>(), 0),
            }
        }
        None => (vec![who], 0),
    };
    assert!(listed.is_sorted(), "names in order: {line:?}");
    for name in &listed {
        assert!(names.iter().any(|n| n == name), "{name} is one of them: {line:?}");
    }
    Some(listed.len() + others)
}

/// Reads gathered `what` lines until they have counted `names.len()`.
fn expect_gathered(client: &mut Chatter, what: &str, names: &[String]) -> usize {
    let (mut seen, mut lines) = (0, 0);
    while seen < names.len() {
        let line = client.line();
        seen += counted(&line, what, names).unwrap_or_else(|| panic!("a {what} line: {line:?}"));
        lines += 1;
    }
    assert_eq!(seen, names.len(), "each one counted once");
    // They came within a second or two: gathered, not one line each.
    assert!(lines < names.len(), "{} {what} notices in {lines} lines", names.len());
    lines
}

#[test]
fn a_big_room_gathers_its_notices_and_tells_the_net_change() {
    let server = start(&[]);
    let mut first = Chatter::join(&server, &name(0));
    let mut clients: Vec<Chatter> =
        (1..CLIENTS).map(|i| Chatter::join(&server, &name(i))).collect();

    // Up to 100 members: one line per join, in order, as in a small room.
    for i in 1..100 {
        first.expect(&joined_chat(&name(i)));
    }
    // Then gathered: every join is counted, and all come before the next
    // chat line, which must not overtake them.
    let late: Vec<String> = (100..CLIENTS).map(name).collect();
    clients[0].send("hello");
    let lines = expect_gathered(&mut first, "joined the chat", &late);
    eprintln!("{} joins told in {lines} lines", late.len());
    first.expect_message(&name(1), "hello");

    // Away and back in one go: the net change is nothing, so nothing is told.
    let mover = clients.last_mut().expect("clients");
    mover.send_raw(b"/join games\n/join lobby\n");
    while mover.line() != "You are now in lobby.\n" {}
    clients[0].send("again");
    first.expect_message(&name(1), "again");

    // 50 leave: said by the clock, with no chat line to push them out.
    for mut client in clients.drain(99..) {
        client.send("/quit");
        assert!(client.rest().ends_with("Goodbye!\n"));
    }
    expect_gathered(&mut first, "left the chat", &late);
    // 100 members before this leave: told at once, alone.
    let mut last_small = clients.pop().expect("u099");
    last_small.send("/quit");
    first.expect(&left_chat(&name(99)));
    clients[0].send("bye");
    first.expect_message(&name(1), "bye");
    first.expect_who("lobby", &(0..99).map(name).collect::<Vec<_>>().join(", "));
}
