//! The per-client message rate limit (`--rate`): a token bucket.
//!
//! asyncio counterpart: none; asyncio has no rate limiter.

use std::time::Instant;

/// `rate` messages per second, in bursts of up to `rate`.
pub struct TokenBucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(rate: u32) -> Self {
        let rate = f64::from(rate.max(1));
        TokenBucket { rate, tokens: rate, last: reel::time::now() }
    }

    /// Takes one token if there is one.
    pub fn take(&mut self) -> bool {
        let now = reel::time::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.rate);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
