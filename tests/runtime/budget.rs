//! A task whose socket is always ready cannot hold the loop: after 32 I/O
//! attempts in one poll it yields, and the other ready tasks run (tokio's
//! cooperative budget; asyncio gets the same from running one callback per
//! tick). Found with `echo_load --firehose 1`: one streaming connection
//! took reel's echo server's p99 from 2 ms to 280-660 ms.

use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

/// A writer whose writes never block (a thread drains the other end) and a
/// task that only yields: between two turns of the yielding task, the writer
/// makes at most one budget of writes.
#[test]
fn a_task_always_ready_to_write_lets_the_others_run_every_budget() {
    reel::run(async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let drain = std::thread::spawn(move || {
            let (mut peer, _) = listener.accept().expect("accept");
            let mut buf = vec![0u8; 1 << 20];
            while let Ok(1..) = peer.read(&mut buf) {}
        });
        let mut stream = reel::net::TcpStream::connect(addr).await.expect("connect");
        let writes = Rc::new(Cell::new(0u64));
        let done = Rc::new(Cell::new(false));
        let (counted, finished) = (writes.clone(), done.clone());
        let writer = reel::spawn_named("firehose", async move {
            let chunk = [7u8; 1024];
            // 16 MiB in 1 KiB writes: far more than the socket buffers hold.
            for _ in 0..16 * 1024 {
                stream.write_all(&chunk).await.expect("write");
                counted.set(counted.get() + 1);
            }
            finished.set(true);
        });
        let mut widest = 0;
        let mut last = 0;
        while !done.get() {
            reel::yield_now().await;
            widest = widest.max(writes.get() - last);
            last = writes.get();
        }
        writer.await.expect("the writer");
        assert!(widest <= 32, "the writer made {widest} writes between two turns of another task");
        let _ = drain;
    });
}
