//! The line editor's rules, one test each: what a key does to the line,
//! what is sent, and what the screen is told.

use super::*;

/// The screen bytes that draw `line` as the input line.
fn drawn(line: &str) -> Vec<u8> {
    [ERASE_LINE, line.as_bytes()].concat()
}

/// An editor after `keys`; only their lines (none are expected) are checked.
fn typed(keys: &[u8]) -> LineEditor {
    let mut editor = LineEditor::new();
    let typed = editor.keys(keys);
    assert_eq!(typed.lines, Vec::<Vec<u8>>::new(), "nothing is sent before Enter");
    editor
}

#[test]
fn typing_draws_the_prompt_and_the_text() {
    let mut editor = LineEditor::new();
    assert_eq!(editor.redraw(), drawn("> "));
    let typed = editor.keys(b"hi");
    assert_eq!(typed, Typed { lines: vec![], screen: drawn("> hi"), leave: false });
}

#[test]
fn enter_sends_the_line_and_leaves_it_on_screen() {
    let mut editor = typed(b"hello");
    let typed = editor.keys(b"\r");
    assert_eq!(typed.lines, [b"hello\n".to_vec()]);
    assert_eq!(typed.screen, [drawn("> hello"), b"\n".to_vec(), drawn("> ")].concat());
    assert!(!typed.leave);
}

#[test]
fn cr_lf_is_one_enter_but_lf_alone_is_enter_too() {
    let mut editor = LineEditor::new();
    let typed = editor.keys(b"a\r\nb\nc\r\rd");
    assert_eq!(typed.lines, [&b"a\n"[..], b"b\n", b"c\n", b"\n"]);
    assert_eq!(editor.visible_line(), b"> d");
}

#[test]
fn backspace_removes_a_whole_utf8_char() {
    let mut editor = typed("café".as_bytes());
    editor.keys(b"\x7f");
    assert_eq!(editor.visible_line(), b"> caf");
    editor.keys("ü€".as_bytes());
    editor.keys(b"\x08"); // Ctrl-H
    assert_eq!(editor.visible_line(), "> cafü".as_bytes());
    editor.keys(b"\x7f\x7f\x7f\x7f\x7f\x7f");
    assert_eq!(editor.visible_line(), b"> ", "backspace on an empty line does nothing");
}

#[test]
fn a_utf8_char_split_across_reads_is_assembled() {
    let mut editor = LineEditor::new();
    let euro = "€".as_bytes();
    assert_eq!(editor.keys(&euro[..1]).screen, drawn("> "));
    assert_eq!(editor.keys(&euro[1..]).screen, drawn("> €"));
}

#[test]
fn invalid_utf8_is_dropped() {
    let editor = typed(b"a\x80b\xc3c\xe2\x82d\xff");
    assert_eq!(editor.visible_line(), b"> abcd");
    // A lead byte after an unfinished char starts a char of its own.
    let editor = typed(b"\xe2\xc3\xa9");
    assert_eq!(editor.visible_line(), "> é".as_bytes());
}

#[test]
fn ctrl_u_clears_the_line() {
    let mut editor = typed(b"garbage");
    let typed = editor.keys(b"\x15clean\r");
    assert_eq!(typed.lines, [b"clean\n".to_vec()]);
}

#[test]
fn escape_sequences_are_skipped_whole() {
    // Left, Up, Ctrl+Right, Delete, F5, SS3 F1, Alt+x.
    let editor = typed(b"a\x1b[Db\x1b[A\x1b[1;5Cc\x1b[3~\x1b[15~\x1bOPd\x1bxe");
    assert_eq!(editor.visible_line(), b"> abcde");
}

#[test]
fn a_split_escape_sequence_is_still_skipped() {
    let mut editor = typed(b"a\x1b");
    editor.keys(b"[1;");
    editor.keys(b"5Db");
    assert_eq!(editor.visible_line(), b"> ab");
}

#[test]
fn ctrl_c_inside_an_escape_sequence_still_leaves() {
    let mut editor = typed(b"\x1b[1");
    assert!(editor.keys(b"\x03").leave);
}

#[test]
fn other_control_bytes_are_ignored() {
    let editor = typed(b"a\tb\x00c\x07d\x1ae\x01f\x13g\x11h");
    assert_eq!(editor.visible_line(), b"> abcdefgh");
    let editor = typed("x\u{85}y".as_bytes()); // a C1 control char
    assert_eq!(editor.visible_line(), b"> xy");
}

#[test]
fn ctrl_c_and_ctrl_d_send_quit_and_drop_the_typed_text() {
    for key in [b'\x03', b'\x04'] {
        let mut editor = typed(b"half a li");
        let typed = editor.keys(&[key, b'x', b'\r']);
        assert_eq!(typed.lines, [b"/quit\n".to_vec()], "key {key:#x}");
        assert!(typed.leave);
        assert_eq!(typed.screen, ERASE_LINE, "the input line is erased");
    }
}

#[test]
fn a_typed_quit_is_sent_and_leaves() {
    let mut editor = LineEditor::new();
    let typed = editor.keys(b"hi\r /QUIT \rignored\r");
    assert_eq!(typed.lines, [&b"hi\n"[..], b" /QUIT \n"]);
    assert!(typed.leave);
    let expected = [&drawn("> hi")[..], b"\n", &drawn(">  /QUIT ")[..], b"\n", ERASE_LINE];
    assert_eq!(typed.screen, expected.concat());
}

#[test]
fn server_lines_go_above_the_input_line_which_is_redrawn() {
    let mut editor = typed(b"half a li");
    let screen = editor.server(b"*** bob joined the chat ***\n[12:00] bob: hi\n");
    let expected = [ERASE_LINE, b"*** bob joined the chat ***\n[12:00] bob: hi\n", b"> half a li"];
    assert_eq!(screen, expected.concat());
}

#[test]
fn a_partial_server_line_is_the_prompt_until_its_end_comes() {
    let mut editor = LineEditor::new();
    assert_eq!(editor.server(b"Welcome! Enter"), drawn("Welcome! Enter"));
    assert_eq!(editor.server(b" your name: "), drawn("Welcome! Enter your name: "));
    assert_eq!(editor.keys(b"al").screen, drawn("Welcome! Enter your name: al"));
    let screen = editor.server(b"Slow down.\n[12:00] bob: typ");
    assert_eq!(
        screen,
        [&drawn("Welcome! Enter your name: Slow down.\n")[..], b"[12:00] bob: typal"].concat()
    );
    assert_eq!(editor.server(b"ing\n"), [&drawn("[12:00] bob: typing\n")[..], b"> al"].concat());
}

#[test]
fn enter_after_a_server_prompt_keeps_it_with_the_answer() {
    let mut editor = LineEditor::new();
    editor.server(b"Welcome! Enter your name: ");
    let typed = editor.keys(b"alice\r");
    assert_eq!(typed.lines, [b"alice\n".to_vec()]);
    let expected = [&drawn("Welcome! Enter your name: alice")[..], b"\n", &drawn("> ")[..]];
    assert_eq!(typed.screen, expected.concat());
    // The next server text starts on a line of its own.
    let screen = editor.server(b"Hello, alice! Type /help for commands.\n");
    assert_eq!(screen, [&drawn("Hello, alice! Type /help for commands.\n")[..], b"> "].concat());
}

#[test]
fn a_line_wider_than_the_terminal_scrolls_sideways() {
    let mut editor = LineEditor::new();
    editor.set_width(10);
    assert_eq!(editor.keys(b"1234567").screen, drawn("> 1234567"), "9 columns fit");
    assert_eq!(editor.keys(b"8").screen, drawn(" 12345678"));
    assert_eq!(editor.keys("9ä".as_bytes()).screen, drawn("23456789ä"));
    // Enter shows the whole line: it is history now, free to wrap.
    let typed = editor.keys(b"\r");
    assert_eq!(typed.screen, [&drawn("> 123456789ä")[..], b"\n", &drawn("> ")[..]].concat());
    editor.set_width(0); // unknown: the last width stays
    assert_eq!(editor.server(b"0123456789 and more"), drawn(" and more"), "a long prompt too");
}

#[test]
fn finish_erases_the_input_and_ends_a_partial_server_line() {
    let mut editor = typed(b"unsent");
    assert_eq!(editor.finish(), ERASE_LINE);
    editor.server(b"Enter your name: ");
    assert_eq!(editor.finish(), drawn("Enter your name: \n"));
    assert_eq!(editor.finish(), ERASE_LINE, "said once");
}

#[test]
fn quit_is_recognised_as_the_server_does() {
    assert!(is_quit(b"/quit\n"));
    assert!(is_quit(b"  /Quit \r\n"));
    assert!(!is_quit(b"/quitter\n"));
    assert!(!is_quit(b"quit\n"));
}
