//! The chat's line protocol as pure functions (PROTOCOL.md): what a line a
//! client sends means, before any state is looked at.
//!
//! Ground rule: this file uses nothing but `std`, not reel and not the rest
//! of the chat, so that a fuzz target can `#[path]`-include it alone and
//! call [`input`], [`parse`] and [`name_of`] on any bytes. Everything that
//! needs the server's state (is the name taken, is the room the caller's
//! own, the rate limit) is decided by the callers in `session` and
//! `commands`.

/// Names and rooms: 1 to 20 characters, each a letter or digit of any
/// script (`Алиса`, `小明`, `Zoë`) or `_`, as the course's server checks
/// `name.isalnum()`. Spaces, punctuation, controls and format characters
/// (a right-to-left override, a zero-width joiner) are none of these.
pub fn valid_name(name: &str) -> bool {
    (1..=20).contains(&name.chars().count())
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// The form in which two names are compared: lowercase, so that `Алиса`
/// and `алиса` are one name (and so one person to `/msg`).
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// The name a client gave at the prompt, trimmed; `None` if it breaks the
/// rules. (Invalid UTF-8 cannot make a valid name: it is replaced first.)
pub fn name_of(line: &[u8]) -> Option<String> {
    let name = String::from_utf8_lossy(line).trim().to_string();
    valid_name(&name).then_some(name)
}

/// What one line from a joined client is.
#[derive(Debug, PartialEq, Eq)]
pub enum Input<'a> {
    /// Empty or only whitespace: ignored.
    Blank,
    /// Not UTF-8: refused, the client stays.
    BadUtf8,
    /// A control character other than tab (a bare `\r`, an escape, ...):
    /// refused, since a `\r` would let the text overwrite its own
    /// `[HH:MM] NAME:` on the readers' terminals and pass as someone else.
    Control,
    /// An invisible character ([`is_invisible`]: a direction override, a
    /// zero-width character, a line separator): refused, since it can
    /// reorder or hide text on the readers' terminals.
    Invisible,
    /// It starts with `/`.
    Command(Command<'a>),
    /// A chat line, without its `\n` or `\r\n`.
    Message(&'a str),
}

/// Unicode's format characters (general category Cf: bidirectional
/// overrides, embeddings and isolates, zero-width spaces and joiners, the
/// byte-order mark, soft hyphen, tags) and its line and paragraph
/// separators (Zl, Zp), as of Unicode 15.1. None prints a glyph of its own;
/// each can hide text or reorder it on a terminal.
pub fn is_invisible(c: char) -> bool {
    const RANGES: [(u32, u32); 21] = [
        (0x00AD, 0x00AD),
        (0x0600, 0x0605),
        (0x061C, 0x061C),
        (0x06DD, 0x06DD),
        (0x070F, 0x070F),
        (0x0890, 0x0891),
        (0x08E2, 0x08E2),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x2028, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x206F),
        (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x1343F),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
    ];
    let c = u32::from(c);
    RANGES.iter().any(|&(first, last)| (first..=last).contains(&c))
}

/// Reads one line (with or without its `\n`) from a joined client.
pub fn input(line: &[u8]) -> Input<'_> {
    let Ok(text) = std::str::from_utf8(line) else { return Input::BadUtf8 };
    let text = text.trim_end_matches(['\r', '\n']);
    if text.trim().is_empty() {
        Input::Blank
    } else if text.chars().any(|c| c.is_control() && c != '\t') {
        Input::Control
    } else if text.chars().any(is_invisible) {
        Input::Invisible
    } else if text.starts_with('/') {
        Input::Command(parse(text))
    } else {
        Input::Message(text)
    }
}

/// A slash command, parsed.
#[derive(Debug, PartialEq, Eq)]
pub enum Command<'a> {
    Help,
    List,
    Who,
    Rooms,
    /// `/join ROOM`, the room name valid.
    Join(&'a str),
    /// `/msg USER TEXT`, the text trimmed and not empty. USER is not
    /// checked here: an unknown one is `User USER not found.`
    Msg {
        to: &'a str,
        text: &'a str,
    },
    Quit,
    /// A known command used wrongly: the whole answer line.
    Misused(&'static str),
    /// Not a command: the word as typed, e.g. `/dance`.
    Unknown(&'a str),
}

/// The answer to `/join` without a room.
pub const JOIN_USAGE: &str = "Usage: /join ROOM\n";
/// The answer to `/join` with a room name that breaks the rules.
pub const BAD_ROOM: &str = "Invalid room name: 1-20 letters, digits or _.\n";
/// The answer to `/msg` without a user or without text.
pub const MSG_USAGE: &str = "Usage: /msg USER TEXT\n";

/// Parses a command line (it starts with `/`). The command word is
/// case-insensitive; what follows it is trimmed.
pub fn parse(line: &str) -> Command<'_> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    match word.to_ascii_lowercase().as_str() {
        "/help" => Command::Help,
        "/list" => Command::List,
        "/who" => Command::Who,
        "/rooms" => Command::Rooms,
        "/join" if rest.is_empty() => Command::Misused(JOIN_USAGE),
        "/join" if !valid_name(rest) => Command::Misused(BAD_ROOM),
        "/join" => Command::Join(rest),
        "/msg" => match rest.split_once(char::is_whitespace) {
            Some((to, text)) if !text.trim().is_empty() => Command::Msg { to, text: text.trim() },
            _ => Command::Misused(MSG_USAGE),
        },
        "/quit" => Command::Quit,
        _ => Command::Unknown(word),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rules() {
        assert!(valid_name("alice_2"));
        assert!(valid_name(&"x".repeat(20)));
        assert!(!valid_name(""));
        assert!(!valid_name(&"x".repeat(21)));
        assert!(!valid_name("al ice"));
        assert!(valid_name("élan") && valid_name("Алиса") && valid_name("小明") && valid_name("٣"));
        assert!(valid_name(&"я".repeat(20)), "20 characters, 40 bytes");
        assert!(!valid_name(&"я".repeat(21)));
        assert!(!valid_name("bob\u{202e}evil"), "a right-to-left override");
        assert!(!valid_name("a\u{200d}b"), "a zero-width joiner");
        assert!(!valid_name("a-b") && !valid_name("a\tb"));
        assert_eq!(name_key("Алиса"), name_key("аЛИСА"));
        assert_eq!(name_of(b"  bob \r\n"), Some("bob".to_string()));
        assert_eq!(name_of(b"b\xffb\n"), None);
        assert_eq!(name_of(b"\n"), None);
    }

    #[test]
    fn lines_are_blank_bad_commands_or_messages() {
        assert_eq!(input(b" \t\r\n"), Input::Blank);
        assert_eq!(input(b"caf\xe9\n"), Input::BadUtf8);
        assert_eq!(input(b"hi there \r\n"), Input::Message("hi there "));
        assert_eq!(input(b" /who\n"), Input::Message(" /who"), "a command starts the line");
        assert_eq!(input(b"/WHO\n"), Input::Command(Command::Who));
        assert_eq!(input(b"hi\r[00:00] bob: not me\n"), Input::Control);
        assert_eq!(input(b"/msg bob \x1b[2J\n"), Input::Control);
        for invisible in ["\u{202e}", "\u{2066}", "\u{200b}", "\u{200d}", "\u{2028}", "\u{2029}"] {
            let line = format!("hi {invisible}there\n");
            assert_eq!(input(line.as_bytes()), Input::Invisible, "{invisible:?}");
        }
        let line = "/msg bob \u{feff}hidden\n";
        assert_eq!(input(line.as_bytes()), Input::Invisible);
        assert_eq!(input("Привет, 小明! é\n".as_bytes()), Input::Message("Привет, 小明! é"));
        assert_eq!(input(b"tab\tis fine\n"), Input::Message("tab\tis fine"));
    }

    #[test]
    fn commands_parse_as_the_protocol_says() {
        assert_eq!(parse("/help me"), Command::Help);
        assert_eq!(parse("/Join  games "), Command::Join("games"));
        assert_eq!(parse("/join"), Command::Misused(JOIN_USAGE));
        assert_eq!(parse("/join bad-room"), Command::Misused(BAD_ROOM));
        assert_eq!(parse("/msg bob  hi  there "), Command::Msg { to: "bob", text: "hi  there" });
        assert_eq!(parse("/msg bob"), Command::Misused(MSG_USAGE));
        assert_eq!(parse("/msg bob   "), Command::Misused(MSG_USAGE));
        assert_eq!(parse("/msg\tbob\tx"), Command::Msg { to: "bob", text: "x" });
        assert_eq!(parse("/QUIT"), Command::Quit);
        assert_eq!(parse("/Dance now"), Command::Unknown("/Dance"));
        assert_eq!(parse("/"), Command::Unknown("/"));
    }
}
