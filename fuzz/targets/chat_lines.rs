//! `chat_lines`: what a client sends to the chat server, cut into lines as
//! its session reads them (at most 4 KiB each), each read as a name at the
//! prompt and as a line from a joined client.
//!
//! Properties: no panic; a name accepted follows the rules; a message is
//! not blank, starts with no `/` and holds no control character but tab
//! and no invisible one (format characters, line separators),
//! so the line broadcast for it is one line that cannot pose as another
//! sender's; a room joined is a valid name; a private message has a
//! recipient without whitespace and trimmed, non-empty text; an unknown
//! command is one word starting with `/`.

use super::chat::protocol::{Command, Input, input, is_invisible, name_of, valid_name};

/// The chat reader's limit (`session::LINE_LIMIT`): longer lines never
/// reach the parser.
const LINE_LIMIT: usize = 4096;

fn no_controls(text: &str) -> bool {
    !text.chars().any(|c| (c.is_control() && c != '\t') || is_invisible(c))
}

pub fn run(data: &[u8]) {
    for line in data.split_inclusive(|&b| b == b'\n').filter(|l| l.len() <= LINE_LIMIT) {
        if let Some(name) = name_of(line) {
            assert!(valid_name(&name), "{name:?}");
        }
        match input(line) {
            Input::Blank | Input::BadUtf8 | Input::Control | Input::Invisible => {}
            Input::Message(text) => {
                assert!(!text.trim().is_empty() && !text.starts_with('/'), "{text:?}");
                assert!(no_controls(text), "{text:?}");
                let broadcast = format!("[12:00] alice: {text}\n");
                assert_eq!(broadcast.matches('\n').count(), 1);
            }
            Input::Command(command) => match command {
                Command::Join(room) => assert!(valid_name(room), "{room:?}"),
                Command::Msg { to, text } => {
                    assert!(!to.is_empty() && !to.contains(char::is_whitespace), "{to:?}");
                    assert!(!text.is_empty() && text == text.trim() && no_controls(text));
                }
                Command::Unknown(word) => {
                    assert!(word.starts_with('/') && !word.contains(char::is_whitespace));
                }
                Command::Help
                | Command::List
                | Command::Who
                | Command::Rooms
                | Command::Quit
                | Command::Misused(_) => {}
            },
        }
    }
}
