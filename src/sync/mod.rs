//! Synchronisation between tasks of one loop.
//!
//! asyncio counterpart: `asyncio.Semaphore`, `asyncio.Event`, `asyncio.Queue`,
//! `asyncio.gather`, `asyncio.wait(return_when=FIRST_COMPLETED)`.
