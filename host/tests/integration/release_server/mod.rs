//! A loopback HTTP server standing in for a Gitea release's download URLs.
#![allow(dead_code, reason = "each test binary uses part of it")]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// Each request's path and its `Authorization` header, if one was sent.
pub type Authorizations = Arc<Mutex<Vec<(String, Option<String>)>>>;

pub struct ReleaseServer {
    pub url: String,
    pub asked: Arc<Mutex<Vec<String>>>,
    pub authorization: Authorizations,
}

impl ReleaseServer {
    /// `http://127.0.0.1:PORT`, the server's root (as GITHUB_SERVER_URL names an instance).
    pub fn root(&self) -> String {
        self.url.trim_end_matches("/dl").to_owned()
    }
}

/// A loopback HTTP server answering GET `/dl/<name>` from `files`, and release and generic
/// package URLs ending in `/<name>`; records each path asked for.
pub fn serve(files: Vec<(String, Vec<u8>)>) -> ReleaseServer {
    serve_where(files, |_| true)
}

/// `serve`, answering only the paths `serves` accepts (404 for the others).
pub fn serve_where(files: Vec<(String, Vec<u8>)>, serves: fn(&str) -> bool) -> ReleaseServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/dl", listener.local_addr().unwrap());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&asked);
    let authorization: Authorizations = Arc::new(Mutex::new(Vec::new()));
    let headers_log = Arc::clone(&authorization);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some((path, auth)) = read_head(&stream) else { continue };
            log.lock().unwrap().push(path.clone());
            headers_log.lock().unwrap().push((path.clone(), auth));
            // `/dl/<name>`, or a release URL `/<owner>/<repo>/releases/download/v<version>/<name>`
            // (the path is recorded, so tests see which one was asked).
            let name = match path.strip_prefix("/dl/") {
                _ if !serves(&path) => "",
                Some(name) => name,
                None if path.contains("/releases/download/") || path.contains("/api/packages/") => {
                    path.rsplit('/').next().unwrap_or_default()
                }
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
    ReleaseServer { url, asked, authorization }
}

/// A request's head: its path and its `Authorization` header, if one was sent; `None` when the
/// request line cannot be read.
fn read_head(stream: &TcpStream) -> Option<(String, Option<String>)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut auth = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("authorization")
        {
            auth = Some(value.trim().to_owned());
        }
    }
    Some((line.split_whitespace().nth(1).unwrap_or("").to_owned(), auth))
}

/// A source that accepts connections and never answers (a stalled proxy, a wedged server):
/// `http://127.0.0.1:PORT`. The connections are held until the test process ends.
pub fn hanging() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    url
}

/// An instance that requires signing in: every path answers 303 to `/user/login`, which answers
/// 200 with an HTML page (`http://127.0.0.1:PORT`).
pub fn login_redirect() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some((path, _)) = read_head(&stream) else { continue };
            let _ = if path.starts_with("/user/login") {
                let page = "<!DOCTYPE html><html><body>Sign In</body></html>";
                write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                    page.len()
                )
            } else {
                write!(
                    stream,
                    "HTTP/1.1 303 See Other\r\nLocation: /user/login?redirect_to={path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            };
        }
    });
    url
}
