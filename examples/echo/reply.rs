//! The course's line protocol, one line at a time: what each line asks for
//! and the reply. No I/O, no clock and no dependency on the server, so a
//! fuzzer can call it.

/// What a line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// Answer with this line and go on.
    Line(String),
    /// Answer with the server's local time (`Server time: ...`) and go on.
    Time,
    /// Say `Goodbye!` and close.
    Quit,
    /// The course's failing handler: `boom` makes it fail.
    Boom,
}

/// The reply to one line (without its line ending), as the course's
/// Python server defines it.
pub fn respond(text: &str) -> Reply {
    match text.trim().to_ascii_uppercase().as_str() {
        "QUIT" => Reply::Quit,
        "TIME" => Reply::Time,
        "HELP" => Reply::Line("Commands: TIME, QUIT, HELP, or any text for echo".into()),
        "BOOM" => Reply::Boom,
        _ => Reply::Line(format!("Echo: {text}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_answer_as_the_course_says() {
        assert_eq!(respond("quit"), Reply::Quit);
        assert_eq!(respond("boom"), Reply::Boom);
        assert_eq!(respond("hello there"), Reply::Line("Echo: hello there".into()));
        let Reply::Line(help) = respond("HELP") else { panic!("HELP answers") };
        assert!(help.starts_with("Commands: TIME, QUIT"));
        assert_eq!(respond(" time "), Reply::Time);
    }
}
