"""A crowd of slow readers, then fresh small requests: how long does a new
client wait for its first byte while the crowd holds the server's sockets?

Each reader asks for a large file and then takes one byte a second. While
they do, a fresh connection asks for a small file, once every quarter
second, and the time from its request to the first byte of the answer is
reported (median and worst), with the connect time of any slow one. The
kernel's TCP memory (`/proc/net/sockstat`, in pages, against
`/proc/sys/net/ipv4/tcp_mem`) is printed too: it is what the crowd fills.

    target/release/examples/http --port 18090 -r ROOT --log warn
    python3 bench/slow_readers.py --port 18090 --readers 1000 --rcvbuf 4096

ROOT holds `big.bin` (say `truncate -s 100M ROOT/big.bin`) and `hello.txt`.
examples/http/SPEC.md ("Slow readers") has what it found.
"""

import argparse
import socket
import statistics
import threading
import time


def tcp_memory():
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                fields = line.split()
                return int(fields[fields.index("mem") + 1])
    return -1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--readers", type=int, default=1000)
    parser.add_argument("--rcvbuf", type=int, default=0, help="SO_RCVBUF of each reader; 0 keeps the default")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()

    readers = []
    for _ in range(args.readers):
        s = socket.socket()
        if args.rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
        s.connect(("127.0.0.1", args.port))
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        s.setblocking(False)
        readers.append(s)

    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            for s in readers:
                try:
                    s.recv(1)
                except (BlockingIOError, ConnectionError):
                    pass
            stop.wait(1)

    thread = threading.Thread(target=trickle)
    thread.start()
    time.sleep(3)
    limits = open("/proc/sys/net/ipv4/tcp_mem").read().split()
    print(f"TCP memory with the crowd: {tcp_memory()} pages (tcp_mem: {' '.join(limits)})")

    waits = []
    for i in range(args.requests):
        started = time.perf_counter()
        c = socket.create_connection(("127.0.0.1", args.port), timeout=30)
        connected = time.perf_counter()
        c.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        c.recv(1)
        wait = (time.perf_counter() - connected) * 1000
        waits.append(wait)
        if wait > 100:
            print(f"  request {i}: connect {(connected - started) * 1000:.1f} ms, first byte {wait:.1f} ms")
        c.close()
        time.sleep(0.25)
    stop.set()
    thread.join()
    for s in readers:
        s.close()
    rcvbuf = args.rcvbuf or "default"
    print(
        f"{args.readers} slow readers (SO_RCVBUF {rcvbuf}): first byte of /hello.txt "
        f"median {statistics.median(waits):.2f} ms, worst {max(waits):.2f} ms"
    )


if __name__ == "__main__":
    main()
