//! Giving freed memory back to the system once a crowd has left.
//!
//! glibc's malloc keeps what a program frees for its next allocations, and
//! returns to the kernel only free memory at the top of the heap. When
//! 10,000 clients leave, their tasks, queues and names are freed all over
//! the heap, and the server stays at its peak resident size: 30 MB of a
//! 32 MB peak, measured with examples/chat_crowd. `malloc_trim(0)` hands
//! back every free page, wherever it is. It walks the allocator's free
//! lists, so it runs only when the live sessions have fallen to a quarter
//! of the most since the last trim, that most being at least [`CROWD`]:
//! after 10,000 clients leave, at 2,500, 625, 156 and 39 left, and never
//! once per client.
//!
//! asyncio counterpart: none; CPython's allocator keeps its arenas too.
//! Elsewhere than glibc (musl, macOS) this does nothing: their allocators
//! have policies of their own.

use std::cell::Cell;

/// The fewest sessions at once that make a trim worth it afterwards.
const CROWD: usize = 64;

/// Live sessions, and the most since the last trim.
#[derive(Default)]
pub struct Sessions {
    live: Cell<usize>,
    most: Cell<usize>,
}

impl Sessions {
    /// Counts a session until the returned guard is dropped.
    pub fn enter(&self) -> Live<'_> {
        self.live.set(self.live.get() + 1);
        self.most.set(self.most.get().max(self.live.get()));
        Live(self)
    }
}

/// One live session; its drop may trim (see the module docs).
pub struct Live<'a>(&'a Sessions);

impl Drop for Live<'_> {
    fn drop(&mut self) {
        let sessions = self.0;
        let live = sessions.live.get() - 1;
        sessions.live.set(live);
        let most = sessions.most.get();
        if most >= CROWD && live * 4 <= most {
            sessions.most.set(live);
            let trimmed = give_back();
            log::debug!("{live} sessions left of {most}: free memory given back: {trimmed}");
        }
    }
}

/// `malloc_trim(0)`: true if memory went back to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn give_back() -> bool {
    // SAFETY: malloc_trim takes a plain integer and works only on the
    // allocator's own free lists, under its own locks; no pointer of ours
    // is involved.
    unsafe { libc::malloc_trim(0) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn give_back() -> bool {
    false
}
