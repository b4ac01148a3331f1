//! The input line of the terminal mode, as a pure state machine: key bytes
//! and server bytes in, bytes for the screen and lines for the server out.
//! No I/O here, so that what every keystroke does is a unit test.
//!
//! # What the user sees
//!
//! The cursor's line is always the *input line*: a prompt, then what the
//! user has typed so far. Everything above it is the conversation.
//!
//! - The prompt is `> `, unless the server has sent a line that has no
//!   newline yet: that partial line is the prompt instead. So
//!   `Welcome! Enter your name: ` shows as it does in `nc`, with the name
//!   typed after it, and a chat line that arrives in two chunks shows its
//!   first half until the rest comes.
//! - When server lines arrive, the input line is erased (`\r`, then
//!   `ESC [ K`, erase to the end of the line), the complete lines are
//!   printed in its place, and the input line is drawn again below them:
//!   half a typed line is never broken by someone else's message.
//! - Enter leaves the line on screen as typed, prompt included (the server
//!   does not echo our own lines, so this is the user's record of them),
//!   sends it with a `\n`, and draws a fresh prompt. It also ends a partial
//!   server line: whatever the server says next starts on a new line.
//! - A line wider than the terminal scrolls sideways (bash's
//!   `horizontal-scroll-mode`): only its last columns are drawn, so that it
//!   never wraps onto a second screen line, which `\r ESC [ K` would not
//!   erase. The corner cut: one char counts as one column, so wide (CJK)
//!   chars and tabs in a partial server line can still wrap it.
//!
//! # Keys
//!
//! Backspace (0x7f, or 0x08 as Ctrl-H) removes the last char, all of its
//! UTF-8 bytes; Ctrl-U clears the line; Enter is `\r` or `\n`, and `\r\n`
//! (a paste from elsewhere) counts once. Ctrl-C and Ctrl-D leave: they send
//! `/quit`, as typing `/quit` does. Escape sequences (arrows, Home, F1-F12,
//! Alt+key) are skipped whole, other control bytes ignored, and invalid
//! UTF-8 dropped, so that what is sent is exactly what is shown. The corner
//! cut: a lone Esc swallows the key after it, as Alt+that key.

use std::borrow::Cow;

/// The prompt while no partial server line is pending.
pub const PROMPT: &str = "> ";
/// Back to column 0, then erase to the end of the line (ECMA-48 CR, EL).
const ERASE_LINE: &[u8] = b"\r\x1b[K";
/// The width assumed until the terminal says otherwise.
const DEFAULT_WIDTH: usize = 80;

/// The input line and the decoder of the keys that edit it.
#[derive(Debug)]
pub struct LineEditor {
    /// What the user has typed and not yet sent: whole chars only.
    input: String,
    /// The first bytes of a UTF-8 char whose other bytes have not come yet
    /// (at most 3).
    utf8: Vec<u8>,
    /// Where the key decoder is in an escape sequence.
    escape: Escape,
    /// The last key was `\r`: a `\n` now is the same Enter.
    after_cr: bool,
    /// The server's bytes after its last `\n`: shown as the prompt.
    partial: Vec<u8>,
    /// The terminal's width in columns; at least 2.
    width: usize,
}

/// The decoder's place in an escape sequence (ECMA-48).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    /// Not in one: bytes are keys.
    None,
    /// ESC came: `[` starts a CSI, `O` an SS3, a printable byte is Alt+key.
    Start,
    /// In `ESC [`: parameter and intermediate bytes (0x20-0x3f) until a
    /// final byte (0x40-0x7e), as in `ESC [ 1 ; 5 D` (Ctrl+Left).
    Csi,
    /// After `ESC O`: one printable byte ends it (arrows in application mode, F1-F4).
    Ss3,
}

/// One decoded key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Char(char),
    Enter,
    Backspace,
    ClearLine,
    Leave,
}

/// What one batch of keys asks for, to be carried out in this order:
/// send `lines`, write `screen`, then leave if `leave` says so.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Typed {
    /// Lines for the server, each ending with `\n`.
    pub lines: Vec<Vec<u8>>,
    /// Bytes for the terminal.
    pub screen: Vec<u8>,
    /// The user leaves (Ctrl-C, Ctrl-D, `/quit`): the last of `lines` is
    /// `/quit`, the keys after it were ignored, and `screen` ends with the
    /// input line erased, as [`LineEditor::finish`] leaves it.
    pub leave: bool,
}

impl LineEditor {
    /// An empty input line; draw it with [`LineEditor::redraw`].
    pub fn new() -> LineEditor {
        LineEditor {
            input: String::new(),
            utf8: Vec::new(),
            escape: Escape::None,
            after_cr: false,
            partial: Vec::new(),
            width: DEFAULT_WIDTH,
        }
    }

    /// Takes the terminal's width (0, unknown, keeps the last one); it
    /// applies from the next drawing on.
    pub fn set_width(&mut self, columns: usize) {
        if columns > 0 {
            self.width = columns.max(2);
        }
    }

    /// The input line, drawn over the cursor's line.
    pub fn redraw(&self) -> Vec<u8> {
        let mut screen = ERASE_LINE.to_vec();
        screen.extend(self.visible_line());
        screen
    }

    /// Takes a chunk from the server: its complete lines go above the input
    /// line, which is drawn again below them with the rest as its prompt.
    pub fn server(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut screen = ERASE_LINE.to_vec();
        self.partial.extend_from_slice(chunk);
        if let Some(last) = self.partial.iter().rposition(|&b| b == b'\n') {
            screen.extend(self.partial.drain(..=last));
        }
        screen.extend(self.visible_line());
        screen
    }

    /// Takes bytes read from the keyboard.
    pub fn keys(&mut self, bytes: &[u8]) -> Typed {
        let mut typed = Typed::default();
        for &byte in bytes {
            match self.decode(byte) {
                None => {}
                Some(Key::Char(c)) => self.input.push(c),
                Some(Key::Backspace) => {
                    self.input.pop();
                }
                Some(Key::ClearLine) => self.input.clear(),
                Some(Key::Enter) => self.enter(&mut typed),
                Some(Key::Leave) => typed.lines.push(b"/quit\n".to_vec()),
            }
            if typed.lines.last().is_some_and(|line| is_quit(line)) {
                typed.leave = true;
                typed.screen.extend(self.finish());
                return typed;
            }
        }
        typed.screen.extend(self.redraw());
        typed
    }

    /// Stops drawing: erases the input line, dropping what was typed, and
    /// puts a pending partial server line there instead, ended with a
    /// newline, so that what is printed next starts on a line of its own.
    pub fn finish(&mut self) -> Vec<u8> {
        self.input.clear();
        let mut screen = ERASE_LINE.to_vec();
        if !self.partial.is_empty() {
            screen.append(&mut self.partial);
            screen.push(b'\n');
        }
        screen
    }

    /// Enter: the line stays on screen as typed, goes to `typed.lines`, and
    /// a fresh prompt follows (drawn by the caller).
    fn enter(&mut self, typed: &mut Typed) {
        let mut line = std::mem::take(&mut self.input).into_bytes();
        typed.screen.extend(ERASE_LINE);
        typed.screen.extend(self.prompt().as_bytes());
        typed.screen.extend(&line);
        typed.screen.push(b'\n');
        // The partial server line (a prompt, usually) is answered and done.
        self.partial.clear();
        line.push(b'\n');
        typed.lines.push(line);
    }

    /// What precedes the typed text: the partial server line, or `> `.
    fn prompt(&self) -> Cow<'_, str> {
        if self.partial.is_empty() {
            Cow::Borrowed(PROMPT)
        } else {
            // A chunk may end inside a UTF-8 char: shown as U+FFFD until
            // the line is complete and printed as the server sent it.
            String::from_utf8_lossy(&self.partial)
        }
    }

    /// The prompt and the input, scrolled so that they fit in one screen
    /// line with the cursor after them: the last `width - 1` chars.
    fn visible_line(&self) -> Vec<u8> {
        let prompt = self.prompt();
        let chars = prompt.chars().count() + self.input.chars().count();
        let hidden = chars.saturating_sub(self.width - 1);
        let line: String = prompt.chars().chain(self.input.chars()).skip(hidden).collect();
        line.into_bytes()
    }

    /// Turns the next keyboard byte into a key, if it completes one.
    fn decode(&mut self, byte: u8) -> Option<Key> {
        let after_cr = std::mem::take(&mut self.after_cr);
        if self.escape != Escape::None && self.in_escape(byte) {
            return None;
        }
        match byte {
            b'\r' => {
                self.after_cr = true;
                Some(Key::Enter)
            }
            b'\n' if after_cr => None,
            b'\n' => Some(Key::Enter),
            0x7f | 0x08 => Some(Key::Backspace),
            0x15 => Some(Key::ClearLine),
            0x03 | 0x04 => Some(Key::Leave),
            0x1b => {
                self.escape = Escape::Start;
                None
            }
            0x00..=0x1f => None,
            _ => self.utf8_char(byte).map(Key::Char),
        }
    }

    /// Advances an escape sequence by `byte`; false if `byte` is not part
    /// of it (a control byte, such as Ctrl-C, ends any sequence and then
    /// counts as itself, so that a stray ESC never disables the keys).
    fn in_escape(&mut self, byte: u8) -> bool {
        let (next, taken) = match (self.escape, byte) {
            (Escape::Start, b'[') => (Escape::Csi, true),
            (Escape::Start, b'O') => (Escape::Ss3, true),
            (Escape::Start | Escape::Ss3, 0x20..=0x7e) => (Escape::None, true),
            (Escape::Csi, 0x20..=0x3f) => (Escape::Csi, true),
            (Escape::Csi, 0x40..=0x7e) => (Escape::None, true),
            _ => (Escape::None, false),
        };
        self.escape = next;
        taken
    }

    /// Adds `byte` (0x20 or above) to the UTF-8 char being assembled; the
    /// char once it is complete, unless it is a control char (C1).
    fn utf8_char(&mut self, byte: u8) -> Option<char> {
        if byte.is_ascii() {
            self.utf8.clear(); // an unfinished char before it is dropped
            return Some(char::from(byte));
        }
        self.utf8.push(byte);
        match std::str::from_utf8(&self.utf8) {
            Ok(s) => {
                let c = s.chars().next();
                self.utf8.clear();
                c.filter(|c| !c.is_control())
            }
            // The char's first bytes: wait for the rest.
            Err(e) if e.error_len().is_none() => None,
            Err(_) => {
                // Invalid: dropped; but a lead byte may start a new char.
                self.utf8.clear();
                if byte >= 0xc0 {
                    self.utf8.push(byte);
                }
                None
            }
        }
    }
}

/// True for the line that leaves, in any case and spacing, as the server
/// reads it.
pub fn is_quit(line: &[u8]) -> bool {
    line.trim_ascii().eq_ignore_ascii_case(b"/quit")
}

// The unit tests are in line_editor/tests.rs: one per key and per screen rule.
#[cfg(test)]
mod tests;
