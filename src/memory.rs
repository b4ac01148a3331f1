//! Giving the allocator's free memory back to the system. A libc leaf:
//! glibc's `malloc_trim`.
//!
//! asyncio counterpart: none (CPython's allocator returns its arenas as they
//! empty); a server written in C calls `malloc_trim` itself.
//!
//! Why a server wants this: after a crowd of connections leaves, what they
//! held is free, but glibc keeps free memory in its heaps for the next
//! allocations. It gives back only the top of a heap, and only when that
//! top is free: one live allocation made late (a buffer, a slab that grew)
//! pins everything below it, and the process stays at its peak. Each
//! thread's loop allocates from a heap of its own, so a server with worker
//! threads keeps the peak of each. `malloc_trim(0)` walks every heap and
//! returns each whole free page inside it to the kernel (`MADV_DONTNEED`).
//! Other allocators (macOS's, musl's, jemalloc) return memory on their own
//! terms, and there this does nothing.

#![allow(unsafe_code)]

/// Returns the allocator's free pages to the system, as after a crowd of
/// connections has gone; true if any memory went back. A no-op (false)
/// where the allocator has no such call (only glibc has).
///
/// It walks the whole heap, so it is for rare moments, not for every
/// connection: the http example calls it when a worker's open connections
/// fall to a quarter of their peak.
pub fn release_free_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim takes a plain size (how much free space to
        // keep at the top of the main heap) and touches only the
        // allocator's own state, under its own locks.
        unsafe { libc::malloc_trim(0) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
