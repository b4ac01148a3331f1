//! Where a debugger finds the running loops: a fixed table of the addresses
//! of their `Core`s, which gdb's `reel-tasks` command and the pretty-printers
//! in `src/gdb/reel.py` read from a stopped process. Nothing in reel reads
//! it back. A first reading of the loop skips this file.
//!
//! asyncio counterpart: none; gdb's `py-bt` finds Python's frames through
//! the interpreter's own globals in the same way.

use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::event_loop::context::Core;

/// How many loops a debugger can see at once; more still run, unseen.
const SLOTS: usize = 64;

/// The address of each running loop's `Core`, or 0. Written with atomics
/// (loops run on many threads); read only by a debugger, with the process
/// stopped. `#[used]` keeps it in an optimized build.
#[used]
static LOOPS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];

/// Lists `core` for debuggers while the guard lives.
pub(crate) fn show(core: &Rc<Core>) -> Shown {
    let address = Rc::as_ptr(core) as usize;
    let slot = LOOPS.iter().position(|slot| {
        slot.compare_exchange(0, address, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    });
    Shown(slot)
}

/// Takes the loop off the table when dropped.
pub(crate) struct Shown(Option<usize>);

impl Drop for Shown {
    fn drop(&mut self) {
        if let Some(slot) = self.0 {
            LOOPS[slot].store(0, Ordering::Relaxed);
        }
    }
}
