"""The course's asyncio web server, for context in `bench/run.sh http`.

Put together from the two HTTP servers in the course (its Python asyncio examples): the request
loop is `SimpleHTTPServer.handle_client` (asyncio.start_server, `readline` for
the request line and the headers), the static files are the asyncore
assignment's template (`url_normalize`, `translate_path`, `FileProducer`'s
4 KiB reads, `date_time_string`, mimetypes, the `responses` table), and the
command line is that template's (`--host`, `--port`, `-r`, `-w`, `--log`).
The course's asyncio section stops at its title and their SimpleHTTPServer closes
every connection; this one keeps HTTP/1.1 connections alive, as the load (wrk)
and every other server in the benchmark do. `GET /` without an index.html is a
hello page, as on reel. One process (`-w` is accepted and must be 1).

    python3 bench/course_http.py --port 0 -r ROOT
"""

import argparse
import asyncio
import logging
import mimetypes
import os
import sys
import urllib.parse
from time import gmtime, strftime

HELLO = (
    b"<!DOCTYPE html>\n<html><head><title>reel</title></head>"
    b"<body><h1>Hello from reel</h1></body></html>\n"
)

RESPONSES = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
}

log = logging.getLogger("course_http")


def url_normalize(path):
    if path.startswith("."):
        path = "/" + path
    while "../" in path:
        p1 = path.find("/..")
        p2 = path.rfind("/", 0, p1)
        if p2 != -1:
            path = path[:p2] + path[p1 + 3 :]
        else:
            path = path.replace("/..", "", 1)
    path = path.replace("/./", "/")
    path = path.replace("/.", "")
    return path


def date_time_string():
    return strftime("%a, %d %b %Y %H:%M:%S GMT", gmtime())


class AsyncHTTPServer:
    def __init__(self, document_root):
        self.document_root = os.path.abspath(document_root)

    def translate_path(self, path):
        path = urllib.parse.unquote(path.split("?", 1)[0].split("#", 1)[0])
        path = url_normalize(path)
        if "\0" in path:
            return None
        full = os.path.join(self.document_root, path.lstrip("/"))
        if path.endswith("/"):
            full = os.path.join(full, "index.html")
        return full

    async def handle_client(self, reader, writer):
        try:
            while await self.handle_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception as e:  # as the course's handle_client: log and close
            log.error("error: %s", e)
        finally:
            writer.close()

    async def handle_request(self, reader, writer):
        """Answers one request; False when the connection is to be closed."""
        request_line = await reader.readline()
        if not request_line:
            return False
        parts = request_line.decode("latin-1").strip().split()
        if len(parts) != 3:
            await self.send_error(writer, 400)
            return False
        method, path, version = parts
        headers = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            if b":" in line:
                key, value = line.decode("latin-1").split(":", 1)
                headers[key.strip().lower()] = value.strip()
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        log.debug("%s %s", method, path)
        if method not in ("GET", "HEAD"):
            await self.send_error(writer, 405)
            return False
        await self.send_file(writer, method, path, keep_alive)
        return keep_alive

    def send_head(self, writer, code, content_type, length, keep_alive):
        writer.write(
            (
                f"HTTP/1.1 {code} {RESPONSES[code]}\r\n"
                f"Date: {date_time_string()}\r\n"
                f"Server: course-asyncio\r\n"
                f"Content-Type: {content_type}\r\n"
                f"Content-Length: {length}\r\n"
                f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n"
                f"\r\n"
            ).encode("latin-1")
        )

    async def send_error(self, writer, code):
        body = f"{code} {RESPONSES[code]}\n".encode()
        self.send_head(writer, code, "text/plain", len(body), False)
        writer.write(body)
        await writer.drain()

    async def send_file(self, writer, method, path, keep_alive):
        full = self.translate_path(path)
        if full is None:
            await self.send_error(writer, 400)
            return
        if path.split("?", 1)[0] == "/" and not os.path.isfile(full):
            self.send_head(writer, 200, "text/html", len(HELLO), keep_alive)
            if method == "GET":
                writer.write(HELLO)
            await writer.drain()
            return
        try:
            f = open(full, "rb")
        except OSError:
            await self.send_error(writer, 404)
            return
        with f:
            size = os.fstat(f.fileno()).st_size
            content_type = mimetypes.guess_type(full)[0] or "application/octet-stream"
            self.send_head(writer, 200, content_type, size, keep_alive)
            if method == "GET":
                while True:  # FileProducer.more(): 4 KiB at a time
                    data = f.read(4096)
                    if not data:
                        break
                    writer.write(data)
                    await writer.drain()
            await writer.drain()


def parse_args():
    parser = argparse.ArgumentParser("Simple asynchronous web-server")
    parser.add_argument("--host", dest="host", default="127.0.0.1")
    parser.add_argument("--port", dest="port", type=int, default=9000)
    parser.add_argument("--log", dest="loglevel", default="warning")
    parser.add_argument("--logfile", dest="logfile", default=None)
    parser.add_argument("-w", dest="nworkers", type=int, default=1)
    parser.add_argument("-r", dest="document_root", default=".")
    return parser.parse_args()


async def main(args):
    app = AsyncHTTPServer(args.document_root)
    server = await asyncio.start_server(app.handle_client, args.host, args.port)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"listening on http://{host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    args = parse_args()
    if args.nworkers != 1:
        sys.exit("course_http.py: only -w 1")
    logging.basicConfig(
        filename=args.logfile,
        level=getattr(logging, args.loglevel.upper()),
        format="%(name)s: %(process)d %(message)s",
    )
    try:
        asyncio.run(main(args))
    except KeyboardInterrupt:
        pass
