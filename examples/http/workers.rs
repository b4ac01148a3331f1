//! `-w N`: N threads, each with its own reel loop, its own `App` and its own
//! SO_REUSEPORT listener on the one port; they share nothing, and the kernel
//! spreads new connections between the listeners. Also the graceful stop.
//!
//! Start-up: worker 0 binds first, alone (port 0 becomes a real port; a
//! port that another socket holds is refused), then the others join the
//! address it got. Each reports ready over a channel; the
//! main thread prints `listening on http://IP:PORT` once all have.
//!
//! Stop: every worker listens for SIGINT, SIGTERM and SIGHUP itself (one arrival
//! wakes every listener in the process). It then closes its listener
//! (taking in what the kernel had queued in its backlog first), sets its
//! app's stop flag (a connection with a request already received answers
//! it with `Connection: close`; an idle one closes the lingering way; a
//! busy one finishes its response, with `Connection: close`), and waits up
//! to `GRACE` for them before cancelling the rest.

use std::io::{self, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::mpsc::{Sender, channel};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use reel::signal::SignalKind;
use reel::stream::{ServerOptions, start_tcp_server};

use crate::config::Config;
use crate::conn;
use crate::files::Files;
use crate::routes::App;

/// How long a stopping worker waits for its busy connections.
const GRACE: Duration = Duration::from_secs(10);

/// The most workers: each holds four `reel::signal` listeners (SIGINT,
/// SIGTERM, SIGHUP, SIGUSR1), of which the process may have 128.
pub const MAX_WORKERS: usize = 32;

/// What a worker needs to start, sent to its thread.
#[derive(Clone)]
struct Setup {
    index: usize,
    addr: SocketAddr,
    root: PathBuf,
    config: Config,
    /// The most open files this worker's cache may hold.
    fd_budget: usize,
}

/// Runs `workers` workers on `host:port` until a signal stops them all.
pub fn run(host: &str, port: u16, workers: usize, root: PathBuf, config: Config) -> io::Result<()> {
    let addr = (host, port).to_socket_addrs()?.next().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("{host}: no address"))
    })?;
    // Every connection and cached file is a descriptor: raise the soft
    // limit to the hard one (Go's runtime does so at start), and give the
    // open-file caches a quarter of it, shared by the workers, so they can
    // never starve accept.
    let limit = reel::raise_open_file_limit().map_or(1024, |limit| limit.soft);
    let fd_budget = usize::try_from(limit / 4 / workers as u64).unwrap_or(usize::MAX).max(1);
    log::debug!("open-file limit {limit}: each worker's cache holds at most {fd_budget} files");
    let (ready, readies) = channel();
    let mut setup = Setup { index: 0, addr, root, config, fd_budget };
    let mut threads = vec![start(setup.clone(), ready.clone())?];
    // Worker 0's real address (its port, if 0 was asked) is everyone's.
    setup.addr = readies.recv().map_err(|_| io::Error::other("worker 0 died"))??;
    for index in 1..workers {
        threads.push(start(Setup { index, ..setup.clone() }, ready.clone())?);
    }
    for _ in 1..workers {
        readies.recv().map_err(|_| io::Error::other("a worker died"))??;
    }
    let mut stdout = io::stdout();
    let scheme = if setup.config.tls.is_some() { "https" } else { "http" };
    writeln!(stdout, "listening on {scheme}://{}", setup.addr)?;
    stdout.flush()?;
    for thread in threads {
        thread.join().map_err(|_| io::Error::other("a worker panicked"))??;
    }
    Ok(())
}

/// Starts one worker's thread and loop.
fn start(
    setup: Setup,
    ready: Sender<io::Result<SocketAddr>>,
) -> io::Result<JoinHandle<io::Result<()>>> {
    thread::Builder::new()
        .name(format!("worker-{}", setup.index))
        .spawn(move || reel::run(worker(setup, ready)))
}

/// One worker: listen, report ready, serve until a signal, stop gracefully.
async fn worker(setup: Setup, ready: Sender<io::Result<SocketAddr>>) -> io::Result<()> {
    let Setup { index, addr, root, config, fd_budget } = setup;
    let started = async {
        let stop_signal = reel::signal::stop_signal()?;
        // `kill -USR1 PID`: every worker prints its loop's tasks to stderr.
        let _task_table = reel::print_tasks_on(SignalKind::user_defined1())?;
        let files = Files::new(&root, fd_budget, config.max_age)?;
        let app = Rc::new(App::new(config, files, index));
        let shared = app.clone();
        // Worker 0 leads the port's SO_REUSEPORT group: it binds alone, so a
        // port that anything else holds is refused; the others join it.
        let options = if index == 0 {
            ServerOptions::new().reuse_port(true)
        } else {
            ServerOptions::new().join_reuse_port(true)
        };
        let server = start_tcp_server(addr, options, move |stream, peer| {
            conn::serve(stream, peer, shared.clone())
        })?;
        io::Result::Ok((stop_signal, app, server))
    };
    let (stop_signal, app, server) = match started.await {
        Ok(started) => started,
        Err(e) => {
            let _ = ready.send(Err(io::Error::new(e.kind(), e.to_string())));
            return Err(e);
        }
    };
    let _ = ready.send(Ok(server.local_addrs()[0]));
    log::debug!("worker {index} listening on {}", server.local_addrs()[0]);

    let signal = stop_signal.await;
    let open = server.active_connections();
    log::info!("worker {index}: {signal}: stopping, {open} connections open");
    server.close();
    app.stop.set();
    let report = server.shutdown(GRACE).await;
    log::info!(
        "worker {index}: stopped ({} connections finished, {} cancelled)",
        report.finished,
        report.cancelled
    );
    Ok(())
}
