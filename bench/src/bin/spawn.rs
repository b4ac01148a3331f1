//! What a task costs: spawn and join N small tasks (ns per task), and hold N
//! pending tasks (bytes of resident memory per task), on reel and on tokio
//! current_thread, in one process run each.
//!
//! ```text
//! cargo run --release -p reel-bench --bin spawn -- --runtime reel --tasks 1000000
//! cargo run --release -p reel-bench --bin spawn -- --runtime tokio --tasks 1000000
//! ```
//!
//! Prints `key: value` lines for bench/run.sh spawn.

use std::future::Future;
use std::time::Instant;

use clap::{Parser, ValueEnum};

/// Spawn and join N small tasks, then hold N pending ones.
#[derive(Parser, Debug)]
struct Args {
    #[arg(long, value_enum)]
    runtime: Runtime,
    /// Tasks per phase.
    #[arg(long, default_value_t = 1_000_000)]
    tasks: usize,
    /// What to measure; each in a fresh process, so that memory freed by
    /// one phase does not hide what the next one takes.
    #[arg(long, value_enum)]
    phase: Phase,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Phase {
    /// Spawn and join N tasks: ns per task.
    Spawn,
    /// Hold N pending tasks: resident bytes per task.
    Pending,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Runtime {
    Reel,
    Tokio,
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap_or("0 kB");
    line.trim().trim_end_matches("kB").trim().parse().unwrap_or(0)
}

/// Spawns `n` tasks returning their index, joins them all; ns per task.
macro_rules! spawn_join {
    ($spawn:path, $n:expr) => {{
        let started = Instant::now();
        let handles: Vec<_> = (0..$n as u64).map(|i| $spawn(async move { i })).collect();
        let mut sum = 0u64;
        for handle in handles {
            sum += handle.await.expect("joined");
        }
        assert_eq!(sum, ($n as u64) * ($n as u64 - 1) / 2);
        started.elapsed().as_nanos() as f64 / $n as f64
    }};
}

/// Spawns `n` tasks that wait for ever; resident bytes per task.
fn pending_bytes<H>(n: usize, spawn: impl Fn() -> H, settle: impl FnOnce(Vec<H>) -> Vec<H>) -> f64 {
    let before = rss_kib();
    let handles: Vec<H> = (0..n).map(|_| spawn()).collect();
    let handles = settle(handles);
    let after = rss_kib();
    drop(handles);
    (after.saturating_sub(before) * 1024) as f64 / n as f64
}

fn pending() -> impl Future<Output = ()> {
    std::future::pending::<()>()
}

fn main() {
    let args = Args::parse();
    let n = args.tasks;
    let figure = match (args.runtime, args.phase) {
        (Runtime::Reel, phase) => {
            // One long poll of main is the point here, not a warning.
            reel::Builder::new().slow_callback_duration(None).run(async move {
                match phase {
                    Phase::Spawn => spawn_join!(reel::spawn, n),
                    Phase::Pending => pending_bytes(n, || reel::spawn(pending()), |h| h),
                }
            })
        }
        (Runtime::Tokio, phase) => {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio");
            runtime.block_on(async move {
                match phase {
                    Phase::Spawn => spawn_join!(tokio::spawn, n),
                    Phase::Pending => pending_bytes(n, || tokio::spawn(pending()), |h| h),
                }
            })
        }
    };
    println!("runtime: {:?}", args.runtime);
    println!("tasks: {n}");
    match args.phase {
        Phase::Spawn => println!("spawn and join ns per task: {figure:.1}"),
        Phase::Pending => println!("bytes per pending task: {figure:.0}"),
    }
}
