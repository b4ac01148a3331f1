//! What every session shares, and the replies and checks both a session
//! and its commands make: the server's state (`Chat`), its stop, its limits.

use std::cell::RefCell;
use std::rc::Rc;

use crate::chat::Chat;
use crate::limits::Limits;
use crate::memory::Sessions;
use crate::outbox::Outbox;
use crate::rate::TokenBucket;
use crate::stop::Stop;
use crate::transport::TlsConfig;

/// What every session shares.
pub struct Ctx {
    pub chat: RefCell<Chat>,
    /// Begun on SIGINT/SIGTERM: every session answers, says goodbye, ends.
    pub stop: Stop,
    pub max_message: usize,
    pub rate: u32,
    /// Every session from accept to close, for `memory`.
    pub sessions: Sessions,
    /// TLS (`--tls-cert`, `--tls-key`): every client makes a handshake.
    pub tls: Option<TlsConfig>,
    /// The login timeout and the per-address count.
    pub limits: Limits,
}

impl Ctx {
    pub fn new(
        chat: Chat,
        max_message: usize,
        rate: u32,
        tls: Option<TlsConfig>,
        limits: Limits,
    ) -> Ctx {
        let chat = RefCell::new(chat);
        let sessions = Sessions::default();
        Ctx { chat, stop: Stop::new(), max_message, rate, sessions, tls, limits }
    }
}

/// The history block, omitted when the room has none.
pub fn send_history(outbox: &Outbox, history: &[Rc<str>]) {
    if history.is_empty() {
        return;
    }
    outbox.say("=== Recent messages ===\n");
    for line in history {
        outbox.say(line.clone());
    }
    outbox.say("=== End of history ===\n");
}

/// The length and rate checks every message (and private message) passes;
/// false, with the reason sent, if it may not go out.
pub fn check_message(text: &str, outbox: &Outbox, ctx: &Ctx, bucket: &mut TokenBucket) -> bool {
    if text.len() > ctx.max_message {
        outbox.say(format!("Message too long (max {} bytes).\n", ctx.max_message));
        return false;
    }
    if !bucket.take() {
        outbox.say("Slow down.\n");
        return false;
    }
    true
}
