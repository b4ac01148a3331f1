//! `echo_lines`: what a client sends to the echo server's line protocol,
//! cut into lines as the server reads them, each answered by `respond`.
//!
//! Properties: no panic; a reply is one line (no `\n` in it); anything
//! but a command is echoed back whole after `Echo: `.

use super::echo::reply::{Reply, respond};

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for line in text.split_inclusive('\n') {
        let line = line.trim_end_matches(['\r', '\n']);
        match respond(line) {
            Reply::Line(reply) => {
                assert!(!reply.contains('\n'), "{reply:?}");
                let command = ["TIME", "HELP"].contains(&line.trim().to_ascii_uppercase().as_str());
                assert!(command || reply == format!("Echo: {line}"), "{reply:?} for {line:?}");
            }
            Reply::Time | Reply::Quit | Reply::Boom => {}
        }
    }
}
