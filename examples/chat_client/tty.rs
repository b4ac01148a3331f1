//! The terminal itself: whether there is one, how wide it is, and raw mode
//! in and out. The only file of the client with `unsafe`: termios and
//! ioctl are C calls.
//!
//! # Ground rules
//!
//! - [`RawMode::enter`] saves the terminal's settings before it changes
//!   them; they are put back exactly once, by whichever comes first: the
//!   guard's drop (every return, `?` and unwinding included) or the panic
//!   hook that `enter` installs (which also covers a panic where nothing
//!   unwinds: `panic = "abort"`, or a panic inside a drop). A saved value
//!   that is taken cannot be restored twice.
//! - The saved settings live in a thread-local `Cell`, not behind a mutex:
//!   the client is one thread, and a hook that takes no lock cannot
//!   deadlock on a panic that happened while the lock was held.
//! - A process killed by SIGKILL cannot restore anything (`stty sane` or
//!   `reset` then does); SIGTERM, SIGHUP and SIGINT are caught on the loop
//!   instead (see `terminal`), so that they end through the guard.

#![allow(unsafe_code)]

use std::cell::Cell;
use std::io::{self, IsTerminal};
use std::mem::MaybeUninit;
use std::sync::Once;

use libc::{STDIN_FILENO, STDOUT_FILENO};

thread_local! {
    /// The settings found by `RawMode::enter`, until they are restored.
    static SAVED: Cell<Option<libc::termios>> = const { Cell::new(None) };
}

/// True when both the keyboard (fd 0) and the screen (fd 1) are a
/// terminal (`isatty`): only then are keys read one by one and the screen
/// redrawn. With either one a pipe or a file, the client stays plain.
pub fn is_terminal() -> bool {
    io::stdin().is_terminal() && io::stdout().is_terminal()
}

/// The terminal's width in columns (TIOCGWINSZ on fd 1); 0 if unknown.
/// Asked before each drawing, so a resized window needs no SIGWINCH.
pub fn columns() -> usize {
    let mut size = MaybeUninit::<libc::winsize>::zeroed();
    // SAFETY: TIOCGWINSZ writes one `struct winsize` through the pointer,
    // which points to a live, writable one; fd 1 stays open for the call.
    let rc = unsafe { libc::ioctl(STDOUT_FILENO, libc::TIOCGWINSZ, size.as_mut_ptr()) };
    if rc != 0 {
        return 0;
    }
    // SAFETY: the call succeeded, so it filled the struct (which was
    // zeroed anyway: every bit pattern is a valid winsize).
    usize::from(unsafe { size.assume_init() }.ws_col)
}

/// The terminal in raw mode while this lives; the saved settings come back
/// when it drops. At most one at a time.
#[derive(Debug)]
pub struct RawMode {
    /// Not built outside `enter`.
    _private: (),
}

impl RawMode {
    /// Switches fd 0's terminal to raw mode: every key is a byte read at
    /// once, nothing is echoed, and Ctrl-C, Ctrl-D, Ctrl-Z, Ctrl-S are
    /// bytes for the client rather than signals, end of file or flow control.
    ///
    /// Output processing stays on (OPOST, ONLCR), so a `\n` still starts
    /// the next line at column 0 for every writer: the server's lines, a
    /// note on stderr, a log line or a panic message.
    pub fn enter() -> io::Result<RawMode> {
        if SAVED.get().is_some() {
            return Err(io::Error::other("the terminal is in raw mode already"));
        }
        let saved = get_attributes()?;
        let mut raw = saved;
        // Keys one by one, unechoed; no signals or editing by the tty driver.
        raw.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG | libc::IEXTEN);
        // Enter stays `\r`; Ctrl-S and Ctrl-Q do not pause the output.
        raw.c_iflag &= !(libc::ICRNL | libc::IXON);
        // A read returns as soon as one byte is there, and waits for one.
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;
        // Saved (and the hook in place) before the change, so that a panic
        // from here on restores it.
        SAVED.set(Some(saved));
        install_panic_hook();
        if let Err(e) = set_attributes(&raw) {
            SAVED.set(None);
            return Err(e);
        }
        Ok(RawMode { _private: () })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the saved settings back, if they are still saved; errors are
/// logged, as there is nobody left to return them to.
fn restore() {
    // `try_with`: a panic during the thread's teardown finds no slot.
    let Ok(Some(saved)) = SAVED.try_with(Cell::take) else { return };
    if let Err(e) = set_attributes(&saved) {
        log::warn!("could not restore the terminal's settings: {e} (`stty sane` does)");
    }
}

/// Installs, once, a panic hook that restores the terminal and then calls
/// the hook that was there (which prints the message, now on a sane
/// terminal). The hook runs on the panicking thread; this client has one.
fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// fd 0's terminal settings (tcgetattr).
fn get_attributes() -> io::Result<libc::termios> {
    let mut termios = MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr writes one `struct termios` through the pointer,
    // which points to live, writable storage for one.
    if unsafe { libc::tcgetattr(STDIN_FILENO, termios.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: tcgetattr succeeded, so it initialised every field.
    Ok(unsafe { termios.assume_init() })
}

/// Sets fd 0's terminal settings at once (tcsetattr, TCSANOW); retried on
/// EINTR.
fn set_attributes(termios: &libc::termios) -> io::Result<()> {
    loop {
        // SAFETY: tcsetattr only reads the `struct termios` behind the
        // reference, which is live and initialised for the whole call.
        if unsafe { libc::tcsetattr(STDIN_FILENO, libc::TCSANOW, termios) } == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}
