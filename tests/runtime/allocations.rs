//! What a task costs in allocations, counted by a global allocator that
//! counts (DESIGN.md, "Choices, and corners cut", states these figures):
//! a joinable `spawn` is three (the future's box, its `TaskCell`, the
//! `Arc` behind its waker), `spawn_named` two more (the name's `String` and
//! its `Rc`), and a poll none. In its own binary: the allocator is the
//! whole process's.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

/// The system allocator, counting each allocation.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed to the system allocator unchanged; the
// counter is an atomic and allocates nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const TASKS: u64 = 1000;

fn allocations() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// Allocations per task of `spawn_one` (which spawns and joins one), after
/// a warm-up that lets the slab and the ready queue reach their size.
async fn per_task<F: Future<Output = ()>>(mut spawn_one: impl FnMut() -> F) -> u64 {
    for _ in 0..TASKS {
        spawn_one().await;
    }
    let before = allocations();
    for _ in 0..TASKS {
        spawn_one().await;
    }
    (allocations() - before) / TASKS
}

#[test]
fn a_task_costs_three_allocations_a_name_two_more_and_a_poll_none() {
    reel::run(async {
        let joinable = per_task(|| async { reel::spawn(async {}).await.expect("joined") }).await;
        assert_eq!(joinable, 3, "a joinable spawn");
        let named =
            per_task(|| async { reel::spawn_named("worker", async {}).await.expect("joined") })
                .await;
        assert_eq!(named, 5, "a named spawn");
        // One task polled 1,000 times (it yields each time): no allocation.
        let task = reel::spawn(async {
            for _ in 0..10 {
                reel::yield_now().await;
            }
            let before = allocations();
            for _ in 0..TASKS {
                reel::yield_now().await;
            }
            allocations() - before
        });
        assert_eq!(task.await.expect("joined"), 0, "polls");
    });
}
