//! The futures a connection's task holds while it waits stay small: each
//! idle connection carries one in its task's state. They grew once, when
//! the leaves began to note where they were awaited (a wrapper taking a
//! future by value stores it twice: `write_all` went from 144 bytes to
//! 264); these bounds catch that. Measured on x86-64.

use std::mem::size_of_val;
use std::time::Duration;

#[test]
fn the_futures_a_waiting_connection_holds_stay_small() {
    reel::run(async {
        let listener = reel::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut stream = reel::net::TcpStream::connect(addr).await.expect("connect");
        let mut buf = [0u8; 4];
        let event = reel::sync::Event::new();
        let readable = size_of_val(&stream.readable());
        let read = size_of_val(&stream.read(&mut buf));
        let write_all = size_of_val(&stream.write_all(b"x"));
        let sizes = [
            ("TcpStream::readable", readable, 24),
            ("TcpStream::read", read, 40),
            ("TcpStream::write_all", write_all, 40),
            ("TcpListener::accept", size_of_val(&listener.accept()), 24),
            ("sleep", size_of_val(&reel::sleep(Duration::from_secs(1))), 64),
            ("Event::wait", size_of_val(&event.wait()), 64),
        ];
        for (what, size, bound) in sizes {
            assert!(size <= bound, "{what}: {size} bytes, more than {bound}");
        }
    });
}
