//! The seeds' line protocol, one line at a time: what each line asks for
//! and the reply. No I/O and no dependency on the server but the clock, so
//! a fuzzer can call it.

use super::clock::iso8601_now;

/// What a line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// Answer with this line and go on.
    Line(String),
    /// Say `Goodbye!` and close.
    Quit,
    /// The seeds' failing handler: `boom` makes it fail.
    Boom,
}

/// The reply to one line (without its line ending), as the seeds define it.
pub fn respond(text: &str) -> Reply {
    match text.trim().to_ascii_uppercase().as_str() {
        "QUIT" => Reply::Quit,
        "TIME" => Reply::Line(format!("Server time: {}", iso8601_now())),
        "HELP" => Reply::Line("Commands: TIME, QUIT, HELP, or any text for echo".into()),
        "BOOM" => Reply::Boom,
        _ => Reply::Line(format!("Echo: {text}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_answer_as_the_seeds_say() {
        assert_eq!(respond("quit"), Reply::Quit);
        assert_eq!(respond("boom"), Reply::Boom);
        assert_eq!(respond("hello there"), Reply::Line("Echo: hello there".into()));
        let Reply::Line(help) = respond("HELP") else { panic!("HELP answers") };
        assert!(help.starts_with("Commands: TIME, QUIT"));
        let Reply::Line(time) = respond("time") else { panic!("TIME answers") };
        assert!(time.starts_with("Server time: 20") && time.ends_with('Z'), "{time}");
    }
}
