//! `reel::net::pipe`, `PipeReader` and `PipeWriter`: asyncio's
//! `connect_read_pipe` / `connect_write_pipe` on a pipe's two ends, with
//! streams, backpressure and EOF, and `add_reader` on a pipe.

#[path = "../common/mod.rs"]
mod common;

use std::cell::RefCell;
use std::io::ErrorKind;
use std::process::{Command, Stdio};
use std::rc::Rc;

use common::bounded;
use reel::net::{PipeReader, pipe};
use reel::stream::{StreamReader, StreamWriter};

#[test]
fn lines_and_a_megabyte_cross_a_pipe_with_backpressure_then_eof() {
    let (lines, bulk) = reel::run(bounded(async {
        let (reader, writer) = pipe().unwrap();
        let (mut reader, mut writer) = (StreamReader::new(reader), StreamWriter::new(writer));
        let sending = reel::spawn(async move {
            writer.write(b"one\ntwo\n").unwrap();
            // A megabyte is far more than a pipe holds (64 KiB on Linux):
            // `drain` waits while the reader has not read.
            writer.write(&vec![7; 1 << 20]).unwrap();
            writer.drain().await.unwrap();
            writer.wait_closed().await.unwrap(); // closes: the reader sees EOF
        });
        let lines = [reader.read_line().await.unwrap(), reader.read_line().await.unwrap()];
        let mut bulk = Vec::new();
        loop {
            let chunk = reader.read(1 << 16).await.unwrap();
            if chunk.is_empty() {
                break;
            }
            bulk.extend(chunk);
        }
        sending.await.unwrap();
        (lines, bulk)
    }));
    assert_eq!(lines, [b"one\n".to_vec(), b"two\n".to_vec()]);
    assert!(bulk.len() == 1 << 20 && bulk.iter().all(|&b| b == 7), "{} bytes", bulk.len());
}

#[test]
fn a_std_child_stdout_is_read_on_the_loop() {
    let mut child =
        Command::new("printf").arg("from a child").stdout(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let got = reel::run(bounded(async move {
        let mut reader = StreamReader::new(PipeReader::new(stdout).unwrap());
        reader.read_exact(12).await.unwrap()
    }));
    child.wait().unwrap();
    assert_eq!(got, b"from a child");
}

/// epoll's rule; kqueue watches regular files.
#[cfg(target_os = "linux")]
#[test]
fn a_regular_file_is_refused_with_an_error() {
    let file = std::fs::File::open("Cargo.toml").unwrap();
    let refused = reel::run(async move { reel::net::PipeWriter::new(file).map(drop) });
    let error = refused.expect_err("epoll cannot watch a regular file");
    assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{error}");
}

#[test]
fn add_reader_on_a_pipe_reads_until_the_writer_is_gone() {
    let got = reel::run(bounded(async {
        let (reader, writer) = pipe().unwrap();
        let reader = Rc::new(reader);
        let got = Rc::new(RefCell::new(Vec::new()));
        let done = reel::sync::Event::new();
        let watching = {
            let (pipe, got, done) = (reader.clone(), got.clone(), done.clone());
            reel::add_reader(reader, move || {
                let mut buf = [0; 16];
                match pipe.try_read(&mut buf) {
                    Ok(0) => done.set(),
                    Ok(n) => got.borrow_mut().extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            })
        };
        let mut writer = StreamWriter::new(writer);
        writer.write(b"os.pipe() and add_reader").unwrap();
        writer.wait_closed().await.unwrap();
        done.wait().await;
        watching.cancel();
        got.take()
    }));
    assert_eq!(got, b"os.pipe() and add_reader");
}
