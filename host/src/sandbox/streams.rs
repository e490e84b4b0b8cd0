//! The guest's stdio: stdin served from blobs back to back (memory, or local files read as the
//! guest consumes them, so a 100 MiB file is never copied into one big buffer first), and
//! stdout/stderr captured into capped buffers that trap the guest the moment it writes past the
//! cap.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use wasmtime_wasi::cli::{IsTerminal, StdinStream, StdoutStream};
use wasmtime_wasi::p2::{InputStream, OutputStream, Pollable, StreamError, StreamResult};

use crate::blob::{Blob, BlobReader, ReadFailure};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another holder panicked; the buffer itself is still valid.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// stdin: the given blobs, read in order, then end of file. A blob that cannot be read (a local
/// file that changed under us) fails the read and is remembered, so that the run is reported as
/// that failure rather than as whatever the guest made of a broken stdin.
#[derive(Clone)]
pub struct ChainedInput {
    parts: Arc<Mutex<VecDeque<BlobReader>>>,
    failure: Arc<Mutex<Option<ReadFailure>>>,
}

impl ChainedInput {
    pub fn new(parts: Vec<Blob>) -> ChainedInput {
        ChainedInput { parts: Arc::new(Mutex::new(parts.iter().map(Blob::reader).collect())), failure: Arc::default() }
    }

    /// Why reading stdin failed, if it did.
    pub fn failure(&self) -> Option<ReadFailure> {
        lock(&self.failure).clone()
    }

    /// Whether a download is left that was not read to its end (where its blob id is checked).
    pub fn download_unread(&self) -> bool {
        lock(&self.parts).iter().any(BlobReader::is_download)
    }

    /// The next at most `max` bytes; `Ok(None)` at the end of the last blob.
    fn take(&self, max: usize) -> Result<Option<Bytes>, ReadFailure> {
        let mut parts = lock(&self.parts);
        while let Some(front) = parts.front_mut() {
            match front.read(max) {
                Ok(Some(chunk)) => return Ok(Some(chunk)),
                // Done with this blob: its reader (and, once the caller's copies are gone, its
                // bytes) can go.
                Ok(None) => drop(parts.pop_front()),
                Err(why) => {
                    *lock(&self.failure) = Some(why.clone());
                    return Err(why);
                }
            }
        }
        Ok(None)
    }
}

impl IsTerminal for ChainedInput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdinStream for ChainedInput {
    fn p2_stream(&self) -> Box<dyn InputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn AsyncRead + Send + Sync> {
        Box::new(self.clone())
    }
}

impl InputStream for ChainedInput {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        match self.take(size) {
            Ok(Some(chunk)) => Ok(chunk),
            Ok(None) => Err(StreamError::Closed),
            // Stop the guest outright: it must not go on with part of its input.
            Err(why) => Err(StreamError::trap(&why.message)),
        }
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for ChainedInput {
    async fn ready(&mut self) {}
}

impl AsyncRead for ChainedInput {
    fn poll_read(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.take(buf.remaining()) {
            Ok(Some(chunk)) => buf.put_slice(&chunk),
            Ok(None) => {}
            Err(why) => return Poll::Ready(Err(io::Error::other(why.message))),
        }
        Poll::Ready(Ok(()))
    }
}

/// stdout/stderr: an in-memory buffer with a hard cap. Writing past the cap traps the guest and
/// raises `overflowed`, so an overflow is reported as such instead of as a truncated verdict.
#[derive(Clone)]
pub struct CappedOutput {
    buffer: Arc<Mutex<Vec<u8>>>,
    cap: usize,
    overflowed: Arc<AtomicBool>,
}

impl CappedOutput {
    pub fn new(cap: usize) -> CappedOutput {
        CappedOutput { buffer: Arc::default(), cap, overflowed: Arc::default() }
    }

    pub fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::SeqCst)
    }

    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *lock(&self.buffer))
    }

    fn push(&self, bytes: &[u8]) -> Result<(), ()> {
        let mut buffer = lock(&self.buffer);
        if bytes.len() > self.cap - buffer.len() {
            self.overflowed.store(true, Ordering::SeqCst);
            return Err(());
        }
        buffer.extend_from_slice(bytes);
        Ok(())
    }
}

impl IsTerminal for CappedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

const OVERFLOW: &str = "guest output exceeded its cap";

impl OutputStream for CappedOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes).map_err(|()| StreamError::trap(OVERFLOW))
    }
    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }
    fn check_write(&mut self) -> StreamResult<usize> {
        let used = lock(&self.buffer).len();
        if used >= self.cap {
            // A full buffer can take no more: trap now rather than let the guest see an
            // ordinary I/O error it might ignore.
            self.overflowed.store(true, Ordering::SeqCst);
            return Err(StreamError::trap(OVERFLOW));
        }
        Ok(self.cap - used)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CappedOutput {
    async fn ready(&mut self) {}
}

impl AsyncWrite for CappedOutput {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.push(buf) {
            Ok(()) => Poll::Ready(Ok(buf.len())),
            Err(()) => Poll::Ready(Err(io::Error::other(OVERFLOW))),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chained_input_reads_parts_in_order() {
        let parts = [&b"ab"[..], b"", b"cde"].map(|p| Blob::from(Bytes::from_static(p)));
        let input = ChainedInput::new(parts.to_vec());
        let mut got = Vec::new();
        while let Some(chunk) = input.take(2).expect("in memory") {
            got.push(chunk);
        }
        assert_eq!(got, vec![Bytes::from_static(b"ab"), Bytes::from_static(b"cd"), Bytes::from_static(b"e")]);
    }

    #[test]
    fn capped_output_refuses_past_the_cap_and_remembers() {
        let out = CappedOutput::new(4);
        assert!(out.push(b"abc").is_ok());
        assert!(!out.overflowed());
        assert!(out.push(b"de").is_err());
        assert!(out.overflowed());
        assert_eq!(out.take(), b"abc");
    }
}
