//! A loopback HTTP server standing in for a Gitea release's download URLs.
#![allow(dead_code, reason = "each test binary uses part of it")]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;

pub struct ReleaseServer {
    pub url: String,
    pub asked: Arc<Mutex<Vec<String>>>,
}

/// A loopback HTTP server answering GET `/dl/<name>` from `files`; records each path asked for.
pub fn serve(files: Vec<(String, Vec<u8>)>) -> ReleaseServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/dl", listener.local_addr().unwrap());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&asked);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            log.lock().unwrap().push(path.clone());
            // `/dl/<name>`, or a release URL `/<owner>/<repo>/releases/download/v<version>/<name>`
            // (the path is recorded, so tests see which one was asked).
            let name = match path.strip_prefix("/dl/") {
                Some(name) => name,
                None if path.contains("/releases/download/") => path.rsplit('/').next().unwrap_or_default(),
                None => "",
            };
            match files.iter().find(|(n, _)| n == name) {
                Some((_, body)) => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(body);
                }
                None => {
                    let _ = write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                }
            }
        }
    });
    ReleaseServer { url, asked }
}
