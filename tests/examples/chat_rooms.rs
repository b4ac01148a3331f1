//! The chat example's rooms (examples/chat/PROTOCOL.md): /join and its
//! notices, separate histories of at most --history lines shown on join,
//! and rooms that disappear when they empty.

#[path = "../common/mod.rs"]
mod common;

use common::chat::{Chatter, hello, start};

#[test]
fn join_checks_its_argument() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");
    assert_eq!(alice.ask("/join"), "Usage: /join ROOM\n");
    let invalid = "Invalid room name: 1-20 letters, digits or _.\n";
    assert_eq!(alice.ask("/join bad-room"), invalid);
    assert_eq!(alice.ask("/join abcdefghij0123456789x"), invalid);
    assert_eq!(alice.ask("/join lobby"), "You are already in lobby.\n");
    alice.expect_who("lobby", "alice");
    assert_eq!(alice.ask("/JOIN abcdefghij0123456789"), "You are now in abcdefghij0123456789.\n");
    assert_eq!(
        alice.ask("/join abcdefghij0123456789"),
        "You are already in abcdefghij0123456789.\n"
    );
}

#[test]
fn join_tells_the_old_room_the_new_room_and_the_mover() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    let mut carol = Chatter::join_seen_by(&server, "carol", &mut [&mut alice, &mut bob]);

    // An empty new room: nobody there to tell, and no history block.
    assert_eq!(carol.ask("/join games"), "You are now in games.\n");
    carol.expect_who("games", "carol");
    alice.expect("*** carol left the room ***\n");
    bob.expect("*** carol left the room ***\n");

    assert_eq!(alice.ask("/join games"), "You are now in games.\n");
    alice.expect_who("games", "alice, carol");
    bob.expect("*** alice left the room ***\n");
    carol.expect("*** alice joined the room ***\n");

    // Chat stays in its room.
    alice.send("only for games");
    carol.expect_message("alice", "only for games");
    bob.expect_who("lobby", "bob");
    bob.send("only for the lobby");
    bob.expect_who("lobby", "bob");
    alice.expect_who("games", "alice, carol");
    carol.expect_who("games", "alice, carol");
    assert_eq!(bob.ask("/rooms"), "Rooms: games (2), lobby (1)\n");
}

#[test]
fn each_room_keeps_its_own_last_history_lines_shown_on_join() {
    let server = start(&["--history", "3"]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    for n in 1..=4 {
        alice.send(&format!("lobby {n}"));
        bob.expect_message("alice", &format!("lobby {n}"));
    }
    let lobby_history = ["alice: lobby 2\n", "alice: lobby 3\n", "alice: lobby 4\n"];

    // Joining the chat: the greeting, then at most 3 lines, oldest first;
    // the *** notices are not history.
    let mut carol = Chatter::connect(&server);
    carol.send("carol");
    carol.expect(&hello("carol"));
    assert_eq!(carol.history(), lobby_history);
    alice.expect("*** carol joined the chat ***\n");
    bob.expect("*** carol joined the chat ***\n");

    // A new room starts without history.
    assert_eq!(bob.ask("/join games"), "You are now in games.\n");
    bob.expect_who("games", "bob");
    bob.send("games 1");
    bob.expect_who("games", "bob"); // so the line is in before carol comes
    alice.expect("*** bob left the room ***\n");
    carol.expect("*** bob left the room ***\n");

    // Moving: `You are now in ROOM.`, then that room's own history.
    assert_eq!(carol.ask("/join games"), "You are now in games.\n");
    assert_eq!(carol.history(), ["bob: games 1\n"]);
    bob.expect("*** carol joined the room ***\n");
    alice.expect("*** carol left the room ***\n");
    assert_eq!(carol.ask("/join lobby"), "You are now in lobby.\n");
    assert_eq!(carol.history(), lobby_history, "the lobby's history is untouched by games");
    alice.expect("*** carol joined the room ***\n");
    bob.expect("*** carol left the room ***\n");
    carol.expect_who("lobby", "alice, carol");
}

#[test]
fn a_room_other_than_the_lobby_disappears_with_its_history_when_empty() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);

    assert_eq!(alice.ask("/join tmp"), "You are now in tmp.\n");
    alice.send("said in tmp");
    bob.expect("*** alice left the room ***\n");
    assert_eq!(bob.ask("/rooms"), "Rooms: lobby (1), tmp (1)\n");

    // The lobby has no chat lines: no history block after the move.
    assert_eq!(alice.ask("/join lobby"), "You are now in lobby.\n");
    alice.expect_who("lobby", "alice, bob");
    bob.expect("*** alice joined the room ***\n");
    assert_eq!(bob.ask("/rooms"), "Rooms: lobby (2)\n");

    // Recreated on demand, empty: the old line is gone.
    assert_eq!(alice.ask("/join tmp"), "You are now in tmp.\n");
    alice.expect_who("tmp", "alice");
    bob.expect("*** alice left the room ***\n");

    // Leaving the chat from a room empties it too.
    alice.send("/quit");
    assert_eq!(alice.rest(), "Goodbye!\n");
    assert_eq!(bob.ask("/rooms"), "Rooms: lobby (1)\n");
}
