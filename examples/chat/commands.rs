//! The slash commands (`/help`, `/list`, `/who`, `/rooms`, `/join`, `/msg`,
//! `/quit`), answered on the caller's outbox. Parsing is `protocol::parse`;
//! this is what each command does with the chat's state.

use std::rc::Rc;

use crate::ctx::{Ctx, check_message, send_history};
use crate::outbox::Outbox;
use crate::protocol::Command;
use crate::rate::TokenBucket;

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

/// Runs one parsed command for `name`.
pub fn run(
    command: Command<'_>,
    name: &str,
    outbox: &Outbox,
    ctx: &Ctx,
    bucket: &mut TokenBucket,
) -> Flow {
    match command {
        Command::Help => outbox.say(HELP),
        Command::List => {
            let everyone = ctx.chat.borrow().everyone().join(", ");
            outbox.say(format!("Online users: {everyone}\n"));
        }
        Command::Who => {
            let chat = ctx.chat.borrow();
            let room = chat.room_of(name).unwrap_or_default();
            outbox.say(format!("Users in {room}: {}\n", chat.members(room).join(", ")));
        }
        Command::Rooms => {
            let chat = ctx.chat.borrow();
            let rooms: Vec<String> =
                chat.rooms().iter().map(|(room, n)| format!("{room} ({n})")).collect();
            outbox.say(format!("Rooms: {}\n", rooms.join(", ")));
        }
        Command::Join(room) => join(room, name, outbox, ctx),
        Command::Msg { to, text } => private_message(to, text, name, outbox, ctx, bucket),
        Command::Quit => {
            outbox.say("Goodbye!\n");
            return Flow::Quit;
        }
        Command::Misused(answer) => outbox.say(answer),
        Command::Unknown(word) => {
            outbox.say(format!("Unknown command: {word}. Type /help for help.\n"));
        }
    }
    Flow::Go
}

/// `/join ROOM`, the room name already checked by the parser.
fn join(room: &str, name: &str, outbox: &Outbox, ctx: &Ctx) {
    if ctx.chat.borrow().room_of(name) == Some(room) {
        outbox.say(format!("You are already in {room}.\n"));
    } else {
        let history = ctx.chat.borrow_mut().move_to(name, room);
        outbox.say(format!("You are now in {room}.\n"));
        send_history(outbox, &history);
    }
}

fn private_message(
    to: &str,
    text: &str,
    from: &str,
    outbox: &Outbox,
    ctx: &Ctx,
    bucket: &mut TokenBucket,
) {
    if !check_message(text, outbox, ctx, bucket) {
        return;
    }
    let delivered = ctx.chat.borrow_mut().tell(to, Rc::from(format!("[PM from {from}]: {text}\n")));
    match delivered {
        Some(name) => outbox.say(format!("[PM to {name}]: {text}\n")),
        None => outbox.say(format!("User {to} not found.\n")),
    }
}
