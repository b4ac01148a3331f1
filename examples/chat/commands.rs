//! The slash commands (`/help`, `/list`, `/who`, `/rooms`, `/join`, `/msg`,
//! `/quit`), answered on the caller's outbox.

use std::rc::Rc;

use crate::chat::valid_name;
use crate::outbox::Outbox;
use crate::session::{Ctx, TokenBucket, check_message, send_history};

/// What the session does after a command.
pub enum Flow {
    /// Keep reading.
    Go,
    /// The client said `/quit`: its `Goodbye!` is queued; close.
    Quit,
}

const HELP: &str = "Commands:
  /help - show this help
  /list - everyone online
  /who - who is in your room
  /rooms - rooms and how many are in each
  /join ROOM - move to ROOM (created on demand)
  /msg USER TEXT - private message
  /quit - leave the chat
";

/// Runs one command line (it starts with `/`) for `name`.
pub fn run(line: &str, name: &str, outbox: &Outbox, ctx: &Ctx, bucket: &mut TokenBucket) -> Flow {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    match word.to_ascii_lowercase().as_str() {
        "/help" => {
            outbox.say(HELP);
        }
        "/list" => {
            let everyone = ctx.chat.borrow().everyone().join(", ");
            outbox.say(format!("Online users: {everyone}\n"));
        }
        "/who" => {
            let chat = ctx.chat.borrow();
            let room = chat.room_of(name).unwrap_or_default();
            outbox.say(format!("Users in {room}: {}\n", chat.members(room).join(", ")));
        }
        "/rooms" => {
            let chat = ctx.chat.borrow();
            let rooms: Vec<String> =
                chat.rooms().iter().map(|(room, n)| format!("{room} ({n})")).collect();
            outbox.say(format!("Rooms: {}\n", rooms.join(", ")));
        }
        "/join" => join(rest, name, outbox, ctx),
        "/msg" => private_message(rest, name, outbox, ctx, bucket),
        "/quit" => {
            outbox.say("Goodbye!\n");
            return Flow::Quit;
        }
        _ => {
            outbox.say(format!("Unknown command: {word}. Type /help for help.\n"));
        }
    }
    Flow::Go
}

fn join(room: &str, name: &str, outbox: &Outbox, ctx: &Ctx) {
    if room.is_empty() {
        outbox.say("Usage: /join ROOM\n");
    } else if !valid_name(room) {
        outbox.say("Invalid room name: 1-20 letters, digits or _.\n");
    } else if ctx.chat.borrow().room_of(name) == Some(room) {
        outbox.say(format!("You are already in {room}.\n"));
    } else {
        let history = ctx.chat.borrow_mut().move_to(name, room);
        outbox.say(format!("You are now in {room}.\n"));
        send_history(outbox, &history);
    }
}

fn private_message(rest: &str, from: &str, outbox: &Outbox, ctx: &Ctx, bucket: &mut TokenBucket) {
    let Some((to, text)) = rest.split_once(char::is_whitespace) else {
        outbox.say("Usage: /msg USER TEXT\n");
        return;
    };
    let text = text.trim();
    if text.is_empty() {
        outbox.say("Usage: /msg USER TEXT\n");
        return;
    }
    if !check_message(text, outbox, ctx, bucket) {
        return;
    }
    let delivered = ctx.chat.borrow_mut().tell(to, Rc::from(format!("[PM from {from}]: {text}\n")));
    if delivered {
        outbox.say(format!("[PM to {to}]: {text}\n"));
    } else {
        outbox.say(format!("User {to} not found.\n"));
    }
}
