//! The chat example's commands (examples/chat/PROTOCOL.md): /help, /list,
//! /who, /rooms, /msg, /quit and unknown ones. Rooms and history live in
//! chat_rooms.rs.

#[path = "../common/mod.rs"]
mod common;

use common::chat::{Chatter, joined_chat, start};

const HELP: [&str; 8] = [
    "Commands:\n",
    "  /help - show this help\n",
    "  /list - everyone online\n",
    "  /who - who is in your room\n",
    "  /rooms - rooms and how many are in each\n",
    "  /join ROOM - move to ROOM (created on demand)\n",
    "  /msg USER TEXT - private message\n",
    "  /quit - leave the chat\n",
];

#[test]
fn help_lists_every_command_and_the_command_word_ignores_case() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");
    for command in ["/help", "/HeLP"] {
        alice.send(command);
        for line in HELP {
            alice.expect(line);
        }
    }
    alice.expect_who("lobby", "alice");
    assert_eq!(alice.ask("/WHO"), "Users in lobby: alice\n");
    // A command line may end with \r\n too.
    alice.send_raw(b"/who\r\n");
    alice.expect("Users in lobby: alice\n");
}

#[test]
fn list_who_and_rooms_answer_sorted() {
    let server = start(&[]);
    // Joined out of order, so an unsorted answer shows.
    let mut cat = Chatter::join(&server, "cat");
    let mut amy = Chatter::join_seen_by(&server, "amy", &mut [&mut cat]);
    let mut dan = Chatter::join_seen_by(&server, "dan", &mut [&mut cat, &mut amy]);
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut cat, &mut amy, &mut dan]);
    assert_eq!(amy.ask("/list"), "Online users: amy, bob, cat, dan\n");
    amy.expect_who("lobby", "amy, bob, cat, dan");
    assert_eq!(amy.ask("/rooms"), "Rooms: lobby (4)\n");

    // Each move is told to those left behind before the next one.
    assert_eq!(cat.ask("/join zoo"), "You are now in zoo.\n");
    for lobby in [&mut amy, &mut dan, &mut bob] {
        lobby.expect("*** cat left the room ***\n");
    }
    assert_eq!(dan.ask("/join mars"), "You are now in mars.\n");
    for lobby in [&mut amy, &mut bob] {
        lobby.expect("*** dan left the room ***\n");
    }
    assert_eq!(bob.ask("/join zoo"), "You are now in zoo.\n");
    amy.expect("*** bob left the room ***\n");
    cat.expect("*** bob joined the room ***\n");
    // Rooms sorted by name; each with its count.
    assert_eq!(dan.ask("/rooms"), "Rooms: lobby (1), mars (1), zoo (2)\n");
    bob.expect_who("zoo", "bob, cat");
    cat.expect_who("zoo", "bob, cat");
    dan.expect_who("mars", "dan");
    // /list is everyone online, whatever their room.
    assert_eq!(bob.ask("/list"), "Online users: amy, bob, cat, dan\n");
    amy.expect_who("lobby", "amy");
}

#[test]
fn msg_reaches_only_its_user_in_any_room_and_echoes_to_the_sender() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    let mut carol = Chatter::join_seen_by(&server, "carol", &mut [&mut alice, &mut bob]);
    assert_eq!(bob.ask("/join games"), "You are now in games.\n");
    alice.expect("*** bob left the room ***\n");
    carol.expect("*** bob left the room ***\n");

    // The text is the rest of the line, inner spaces kept.
    assert_eq!(alice.ask("/msg bob hi there,  bob"), "[PM to bob]: hi there,  bob\n");
    bob.expect("[PM from alice]: hi there,  bob\n");
    assert_eq!(bob.ask("/MSG alice back"), "[PM to alice]: back\n");
    alice.expect("[PM from bob]: back\n");
    // Nobody else sees a private message.
    carol.expect_who("lobby", "alice, carol");

    assert_eq!(alice.ask("/msg nobody hello"), "User nobody not found.\n");
    assert_eq!(alice.ask("/msg bob"), "Usage: /msg USER TEXT\n");
    assert_eq!(alice.ask("/msg"), "Usage: /msg USER TEXT\n");
    bob.expect_who("games", "bob");
    // A private message is not a room's chat line: no history for carol's
    // room, so a newcomer there gets none.
    let mut dave = Chatter::join(&server, "dave");
    alice.expect(&joined_chat("dave"));
    dave.expect_who("lobby", "alice, carol, dave");
}

#[test]
fn unknown_commands_are_named_as_typed_and_quit_says_goodbye() {
    let server = start(&[]);
    let mut alice = Chatter::join(&server, "alice");
    let mut bob = Chatter::join_seen_by(&server, "bob", &mut [&mut alice]);
    assert_eq!(alice.ask("/dance"), "Unknown command: /dance. Type /help for help.\n");
    assert_eq!(alice.ask("/DANCE wildly"), "Unknown command: /DANCE. Type /help for help.\n");
    // Unknown commands are not chat: bob saw nothing.
    bob.expect_who("lobby", "alice, bob");

    alice.send("/QUIT");
    assert_eq!(alice.rest(), "Goodbye!\n", "then the server closes");
    bob.expect("*** alice left the chat ***\n");
}
