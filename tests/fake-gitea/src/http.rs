//! A small HTTP/1.1 server over std: one thread per connection, keep-alive, Content-Length
//! bodies. Small on purpose: the faults it must produce (truncated bodies, resets, hangs) are
//! exactly what a full HTTP library would refuse to do.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// A parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Percent-decoded path, without the query.
    pub path: String,
    /// Decoded query parameters (the last value of a repeated key wins).
    pub query: BTreeMap<String, String>,
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// How a response is sent.
#[derive(Debug, Clone)]
pub enum Delivery {
    Normal,
    /// Declare the full Content-Length, send only `send` bytes, then close.
    Truncate {
        send: usize,
    },
    /// Send headers and part of the body, then reset the connection (RST).
    Reset,
    /// Do not answer for this long (or until the server stops).
    Hang(Duration),
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delivery: Delivery,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body,
            delivery: Delivery::Normal,
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response::new(status, "application/json;charset=utf-8", value.to_string().into_bytes())
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Decode `%XX` escapes (and `+` as space in queries).
pub fn percent_decode(raw: &str, plus_is_space: bool) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if head.len() > 64 << 10 {
            return Err(io::Error::other("request head too large"));
        }
    }
    let mut header_buf = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut header_buf);
    parsed.parse(&head).map_err(|e| io::Error::other(e.to_string()))?;
    let method = parsed.method.unwrap_or("GET").to_owned();
    let target = parsed.path.unwrap_or("/");
    let mut headers = BTreeMap::new();
    for h in parsed.headers.iter() {
        headers.insert(h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned());
    }
    let (raw_path, raw_query) = target.split_once('?').unwrap_or((target, ""));
    let mut query = BTreeMap::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query.insert(percent_decode(k, true), percent_decode(v, true));
    }
    let length = headers.get("content-length").and_then(|v| v.trim().parse::<usize>().ok()).unwrap_or(0);
    // Release assets (a shipped binary is ~17 MB) are the largest bodies anyone sends.
    let mut body = vec![0; length.min(64 << 20)];
    reader.read_exact(&mut body)?;
    Ok(Some(Request { method, path: percent_decode(raw_path, false), query, headers, body }))
}

/// `close`: the server ends the connection after this answer, and says so (RFC 9112 §9.6), so a
/// client never pools a connection that is about to be closed under it.
fn write_response(stream: &mut TcpStream, response: &Response, close: bool, stopping: &AtomicBool) -> io::Result<bool> {
    if let Delivery::Hang(duration) = response.delivery {
        let mut waited = Duration::ZERO;
        while waited < duration && !stopping.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(20));
            waited += Duration::from_millis(20);
        }
        return Ok(false);
    }
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status));
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", response.body.len()));
    stream.write_all(head.as_bytes())?;
    match response.delivery {
        Delivery::Normal => {
            stream.write_all(&response.body)?;
            stream.flush()?;
            Ok(true)
        }
        Delivery::Truncate { send } => {
            stream.write_all(&response.body[..send.min(response.body.len())])?;
            stream.flush()?;
            Ok(false)
        }
        Delivery::Reset => {
            stream.write_all(&response.body[..response.body.len() / 2])?;
            stream.flush()?;
            // SO_LINGER 0 makes close() send RST instead of FIN.
            socket2::SockRef::from(&*stream).set_linger(Some(Duration::ZERO))?;
            Ok(false)
        }
        Delivery::Hang(_) => Ok(false),
    }
}

/// A running server. Dropping it stops accepting and ends idle connections.
pub struct Server {
    pub addr: std::net::SocketAddr,
    stopping: Arc<AtomicBool>,
}

impl Server {
    /// Serve `handler` on `127.0.0.1:port` (0 = any free port).
    pub fn start(port: u16, handler: Arc<dyn Fn(Request) -> Response + Send + Sync>) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stopping);
        thread::Builder::new().name("fake-gitea-accept".to_owned()).spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let handler = Arc::clone(&handler);
                let stop = Arc::clone(&stop);
                let _ = thread::Builder::new()
                    .name("fake-gitea-conn".to_owned())
                    .spawn(move || serve(stream, &handler, &stop));
            }
        })?;
        Ok(Server { addr, stopping })
    }

    pub fn stop(&self) {
        if !self.stopping.swap(true, Ordering::SeqCst) {
            // Wake the accept loop.
            let _ = TcpStream::connect(self.addr);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(stream: TcpStream, handler: &Arc<dyn Fn(Request) -> Response + Send + Sync>, stopping: &AtomicBool) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(read_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while !stopping.load(Ordering::SeqCst) {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) | Err(_) => return,
        };
        let close = request.headers.get("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let response = handler(request);
        match write_response(&mut writer, &response, close, stopping) {
            Ok(true) if !close => continue,
            _ => return,
        }
    }
}
