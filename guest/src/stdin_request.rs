//! Reading a request from stdin so that equal blobs are held once.
//!
//! A drift check's two copies of a file are usually byte-identical, and the host sends the
//! canonical copy before the local one. Reading the second into memory of its own would hold a
//! 100 MiB file twice. Instead, a blob whose length equals the latest earlier blob's of that
//! length is read through one 1 MiB buffer and compared with it as it arrives. If every chunk
//! matches, the two blobs share one copy. At the first chunk that differs, the blob gets memory of
//! its own: the matching prefix is copied from the earlier blob, and the rest is read into it.
//! Either way the checks see exactly the bytes that were sent.
//!
//! Only an envelope the host wrote on one line is read this way, and it is parsed once. Anything
//! else (a pretty-printed golden vector, input that does not parse) is read whole and goes
//! through [`crate::evaluate_bytes`], which reports every fault.

use std::io::{self, BufRead, Read};

use crate::compare::bytes_equal;
use crate::{InvalidInput, evaluate, invalid_input, parse_envelope_line, render, type_facts};

/// The most read per host call. wasmtime charges each call for the size of the guest's buffer
/// ("hostcall fuel", 128 MiB by default), so one read into a 100 MiB buffer would be refused;
/// and a chunk that stays in the CPU's cache between being read and being compared is what makes
/// the comparison run at memory speed (1 MiB: drift 10 MiB 45 → 33 ms with the host's chunks at
/// 1 MiB too, scripts/bench/run.py).
const CHUNK: usize = 1 << 20;

/// The verdict for the request on `input`, as [`crate::evaluate_bytes`] would give it for the
/// same bytes. An `Err` is a failure to read stdin, not a fault in the request.
pub fn respond(input: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    input.read_until(b'\n', &mut line)?;
    let Some(envelope) = parse_envelope_line(&line) else {
        return read_whole(input, line);
    };
    // The same checks in the same order as `parse`, so that a faulty request gets the same verdict.
    let result = (|| -> Result<_, ReadError> {
        crate::check_version(&envelope)?;
        let stores = read_blobs(input, &envelope.blobs)?;
        // Without blobs, whitespace may follow the envelope (as `parse` allows).
        let trailing = count_rest(input, envelope.blobs.is_empty())?;
        Ok(stores.map(|stores| (stores, trailing)))
    })();
    let verdict = match result {
        Err(ReadError::Io(e)) => return Err(e),
        Err(ReadError::Invalid(why)) | Ok(Err(why)) => {
            // Nothing is decided on a partial read, but stdin is read to its end like `parse` reads it.
            io::copy(input, &mut io::sink())?;
            invalid_input(&why)
        }
        Ok(Ok((_, trailing))) if trailing > 0 => {
            invalid_input(&InvalidInput(format!("{trailing} unexpected bytes follow the declared blobs")))
        }
        Ok(Ok((stores, _))) => {
            let blobs: Vec<&[u8]> = stores.of_blob.iter().map(|&s| stores.stores[s].as_slice()).collect();
            match type_facts(envelope).and_then(|request| evaluate(request, &blobs)) {
                Ok(verdict) => verdict,
                Err(why) => invalid_input(&why),
            }
        }
    };
    Ok(render(&verdict))
}

enum ReadError {
    Io(io::Error),
    Invalid(InvalidInput),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> ReadError {
        ReadError::Io(e)
    }
}

impl From<InvalidInput> for ReadError {
    fn from(why: InvalidInput) -> ReadError {
        ReadError::Invalid(why)
    }
}

/// How many bytes are left on `input`, leading ASCII whitespace not counted if `skip_whitespace`.
fn count_rest(input: &mut impl Read, skip_whitespace: bool) -> io::Result<u64> {
    let mut buffer = [0u8; 8192];
    let mut counted = 0u64;
    let mut skipping = skip_whitespace;
    loop {
        let n = match input.read(&mut buffer) {
            Ok(0) => return Ok(counted),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut chunk = &buffer[..n];
        if skipping {
            chunk = chunk.trim_ascii_start();
            skipping = chunk.is_empty();
        }
        counted += chunk.len() as u64;
    }
}

/// The rest of stdin behind `line`, read into one exact allocation, and decided by `evaluate_bytes`.
fn read_whole(input: &mut impl Read, mut line: Vec<u8>) -> io::Result<Vec<u8>> {
    // Growing a Vec by doubling would need twice the memory for a large request.
    line.reserve(usize::try_from(crate::declared_blob_bytes(&line)).unwrap_or(0));
    while input.take(CHUNK as u64).read_to_end(&mut line)? > 0 {}
    Ok(crate::evaluate_bytes(&line))
}

/// Each blob's bytes, held once per distinct content among blobs of equal length.
#[derive(Debug)]
struct Stores {
    stores: Vec<Vec<u8>>,
    /// Which store holds each blob.
    of_blob: Vec<usize>,
}

/// Read the declared blobs; `Ok(Err)` when stdin ends before they do.
fn read_blobs(input: &mut impl Read, lengths: &[u64]) -> Result<Result<Stores, InvalidInput>, ReadError> {
    let mut stores = Stores { stores: Vec::new(), of_blob: Vec::with_capacity(lengths.len()) };
    let mut scratch = Vec::new();
    for (i, &len) in lengths.iter().enumerate() {
        let len = usize::try_from(len).map_err(|_| InvalidInput(format!("blob {i} is too large")))?;
        let short = |read: usize| InvalidInput(format!("blob {i} declares {len} bytes, but only {read} follow"));
        // The latest store of this length: a drift pair's local copy follows its canonical copy.
        // (One candidate, so that comparing costs one pass over the bytes, however many blobs.)
        let twin = stores.stores.iter().rposition(|s| s.len() == len);
        let Some(twin) = twin.filter(|_| len > 0) else {
            let mut own = Vec::with_capacity(len);
            if !append_exactly(input, &mut own, len)? {
                return Ok(Err(short(own.len())));
            }
            stores.stores.push(own);
            stores.of_blob.push(stores.stores.len() - 1);
            continue;
        };
        if scratch.len() < len.min(CHUNK) {
            // Zeroed by the allocator (memory.fill), not byte by byte as `resize` is at this opt-level.
            scratch = vec![0; len.min(CHUNK)];
        }
        let mut offset = 0;
        let mut shared = true;
        while offset < len {
            let want = (len - offset).min(CHUNK);
            let got = fill(input, &mut scratch[..want])?;
            if got < want {
                return Ok(Err(short(offset + got)));
            }
            if !bytes_equal(&stores.stores[twin][offset..offset + want], &scratch[..want]) {
                let mut own = Vec::with_capacity(len);
                own.extend_from_slice(&stores.stores[twin][..offset]);
                own.extend_from_slice(&scratch[..want]);
                if !append_exactly(input, &mut own, len)? {
                    return Ok(Err(short(own.len())));
                }
                stores.stores.push(own);
                stores.of_blob.push(stores.stores.len() - 1);
                shared = false;
                break;
            }
            offset += want;
        }
        if shared {
            stores.of_blob.push(twin);
        }
    }
    Ok(Ok(stores))
}

/// Fill `buffer` from `input`; fewer bytes only at the end of the input.
fn fill(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Read until `own` holds `len` bytes, in chunks; false when the input ends first.
fn append_exactly(input: &mut impl Read, own: &mut Vec<u8>, len: usize) -> io::Result<bool> {
    while own.len() < len {
        let want = (len - own.len()).min(CHUNK) as u64;
        if input.take(want).read_to_end(own)? == 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(blobs: &[usize]) -> Vec<u8> {
        let lengths: Vec<String> = blobs.iter().map(ToString::to_string).collect();
        format!(
            "{{\"version\":1,\"check\":\"trust\",\"facts\":{{\"context\":{{}}}},\"blobs\":[{}]}}\n",
            lengths.join(",")
        )
        .into_bytes()
    }

    fn stores_of(input: &[u8], lengths: &[u64]) -> Stores {
        read_blobs(&mut &input[..], lengths).ok().expect("no I/O error").expect("complete")
    }

    #[test]
    fn equal_blobs_share_one_store_and_different_ones_do_not() {
        let stores = stores_of(b"abcabcabdabd", &[3, 3, 3, 3]);
        assert_eq!(stores.of_blob, vec![0, 0, 1, 1]);
        assert_eq!(stores.stores, vec![b"abc".to_vec(), b"abd".to_vec()]);
        // Equal content of another length is not a twin.
        let stores = stores_of(b"abab", &[2, 1, 1]);
        assert_eq!(stores.of_blob, vec![0, 1, 2]);
        let stores = stores_of(b"", &[0, 0]);
        assert_eq!(stores.of_blob, vec![0, 1]);
    }

    #[test]
    fn a_difference_past_the_first_chunk_keeps_every_byte() {
        let len = CHUNK * 2 + 5;
        let canonical: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        for at in [0, 1, CHUNK - 1, CHUNK, CHUNK + 3, len - 1] {
            let mut local = canonical.clone();
            local[at] ^= 0xff;
            let input = [canonical.as_slice(), local.as_slice()].concat();
            let stores = stores_of(&input, &[len as u64, len as u64]);
            assert_eq!(stores.of_blob, vec![0, 1], "difference at {at}");
            assert!(stores.stores[1] == local, "difference at {at}");
        }
        let input = [canonical.as_slice(), canonical.as_slice()].concat();
        assert_eq!(stores_of(&input, &[len as u64, len as u64]).of_blob, vec![0, 0]);
    }

    #[test]
    fn verdicts_are_those_of_evaluate_bytes() {
        let mut cases: Vec<Vec<u8>> = vec![
            [envelope(&[2, 2]), b"abab".to_vec()].concat(),
            [envelope(&[2, 2]), b"abac".to_vec()].concat(),
            // Short: inside the first blob, inside a twin, and inside a twin after a difference.
            [envelope(&[4]), b"ab".to_vec()].concat(),
            [envelope(&[2, 2]), b"aba".to_vec()].concat(),
            [envelope(&[2, 2]), b"abb".to_vec()].concat(),
            [envelope(&[1]), b"ab".to_vec()].concat(),
            b"{\"version\":2,\"check\":\"trust\",\"facts\":{},\"blobs\":[1]}\nx".to_vec(),
            b"{\"version\":1,\"check\":\"nope\",\"facts\":{},\"blobs\":[1]}\nx".to_vec(),
            b"{\"version\":1,\"check\":\"trust\",\"facts\":{},\"blobs\":[1]} \nx".to_vec(),
            b"{\n\"version\":1,\"check\":\"trust\",\"facts\":{\"context\":{}},\"blobs\":[1]}\nx".to_vec(),
            b"not json\n".to_vec(),
            Vec::new(),
            // No blobs: whitespace may follow, nothing else.
            envelope(&[]),
            [envelope(&[]), b" \n\t".to_vec()].concat(),
            [envelope(&[]), b"\n x".to_vec()].concat(),
            b"{\"version\":2,\"check\":\"trust\",\"facts\":{}}\n".to_vec(),
        ];
        let drift = br#"{"version":1,"check":"drift","facts":{"context":{"event_name":"push"},"pairs":[{"canonical":{"label":"a","remote":true,"bytes":{"blob":0}},"local":{"label":"b","remote":false,"bytes":{"blob":1}}}]},"blobs":[6,6]}"#;
        for body in [&b"x\ny\nz\nx\ny\nz\n"[..], b"x\ny\nz\nx\ny\nq\n"] {
            cases.push([&drift[..], b"\n", body].concat());
        }
        for input in cases {
            let streamed = respond(&mut &input[..]).expect("read");
            assert_eq!(
                String::from_utf8_lossy(&streamed),
                String::from_utf8_lossy(&crate::evaluate_bytes(&input)),
                "{}",
                String::from_utf8_lossy(&input)
            );
        }
    }
}
