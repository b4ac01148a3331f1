//! A latency histogram for the load generators (echo_load, chat_load):
//! log-linear buckets of nanoseconds, so recording is an index and an
//! increment and memory stays fixed however long the run.
//!
//! Examples share it through `#[path = "shared/histogram.rs"] mod histogram;`:
//! each uses a different part, hence the `dead_code` allowance.

#![allow(dead_code)]

use std::time::Duration;

/// How many sub-buckets split each power of two: 2^5 = 32, so a bucket is at
/// most 1/32 (about 3%) of its values wide.
const SUB_BITS: u32 = 5;
const SUB_BUCKETS: usize = 1 << SUB_BITS;
/// Values below 2 * SUB_BUCKETS have a bucket each (the first two rows);
/// above, each power of two from 2^6 to 2^63 has a row of 32.
const BUCKETS: usize = (64 - SUB_BITS as usize + 1) * SUB_BUCKETS;

/// Round-trip times in nanoseconds, log-linear: recording is an index and an
/// increment, and memory stays fixed however long the run.
#[derive(Clone)]
pub struct Histogram {
    counts: Box<[u64]>,
    /// How many values were recorded.
    pub total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl Histogram {
    pub fn new() -> Self {
        Histogram { counts: vec![0; BUCKETS].into_boxed_slice(), total: 0 }
    }

    /// The bucket of `value`: the value itself below 64, else its top six
    /// bits and how far they were shifted.
    fn bucket(value: u64) -> usize {
        if value < 2 * SUB_BUCKETS as u64 {
            return value as usize;
        }
        let shift = 63 - value.leading_zeros() - SUB_BITS;
        shift as usize * SUB_BUCKETS + (value >> shift) as usize
    }

    /// The smallest value in bucket `index` (the inverse of `bucket`).
    fn lowest(index: usize) -> u64 {
        if index < 2 * SUB_BUCKETS {
            return index as u64;
        }
        let shift = index / SUB_BUCKETS - 1;
        ((index - shift * SUB_BUCKETS) as u64) << shift
    }

    pub fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.counts[Self::bucket(nanos)] += 1;
        self.total += 1;
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += theirs;
        }
        self.total += other.total;
    }

    /// The value at or below which `p` percent of the recordings fall (the
    /// nearest-rank method), to within its bucket's width: the bucket's
    /// midpoint. Zero when nothing was recorded.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.total == 0 {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0 * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let low = Self::lowest(index);
                let high = if index + 1 < BUCKETS { Self::lowest(index + 1) } else { u64::MAX };
                return Duration::from_nanos(low + (high - low - 1) / 2);
            }
        }
        unreachable!("the counts add up to the total")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(values: impl IntoIterator<Item = u64>) -> Histogram {
        let mut h = Histogram::new();
        for v in values {
            h.record(Duration::from_nanos(v));
        }
        h
    }

    #[test]
    fn buckets_are_contiguous_and_invert() {
        let mut previous = 0;
        for index in 1..BUCKETS {
            let low = Histogram::lowest(index);
            assert!(low > previous, "bucket {index} starts after bucket {}", index - 1);
            assert_eq!(Histogram::bucket(low), index);
            assert_eq!(Histogram::bucket(low - 1), index - 1);
            previous = low;
        }
        assert_eq!(Histogram::bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn buckets_are_within_three_percent() {
        for index in 2 * SUB_BUCKETS..BUCKETS - 1 {
            let (low, high) = (Histogram::lowest(index), Histogram::lowest(index + 1));
            assert!((high - low) as f64 / low as f64 <= 1.0 / SUB_BUCKETS as f64);
        }
    }

    #[test]
    fn percentiles_of_small_values_are_exact() {
        // 1..=50: below 64 every value has its own bucket.
        let h = histogram(1..=50);
        assert_eq!(h.percentile(50.0), Duration::from_nanos(25));
        assert_eq!(h.percentile(99.0), Duration::from_nanos(50));
        assert_eq!(h.percentile(100.0), Duration::from_nanos(50));
        assert_eq!(h.percentile(0.0), Duration::from_nanos(1));
    }

    #[test]
    fn percentiles_of_large_values_are_close() {
        // 1..=1000 microseconds: p50 is 500 us, p99 is 990 us, within 3%.
        let h = histogram((1..=1000).map(|us| us * 1000));
        for (p, expected) in [(50.0, 500_000.0), (99.0, 990_000.0)] {
            let got = h.percentile(p).as_nanos() as f64;
            assert!((got - expected).abs() / expected < 0.03, "p{p}: {got} vs {expected}");
        }
    }

    #[test]
    fn merged_histograms_count_everything() {
        let mut a = histogram([10, 20]);
        a.merge(&histogram([30, 40, 50]));
        assert_eq!(a.total, 5);
        assert_eq!(a.percentile(50.0), Duration::from_nanos(30));
        assert_eq!(Histogram::new().percentile(50.0), Duration::ZERO);
    }
}
