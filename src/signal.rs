//! Unix signals as events on the loop.
//!
//! asyncio counterpart: `loop.add_signal_handler`.
