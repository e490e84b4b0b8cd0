//! Where the bytes of a file come from in a request: a blob after the envelope (what the host
//! sends, no copying or encoding), or inline text/base64 (what golden vectors use, readable).

use std::borrow::Cow;

use crate::InvalidInput;
use base64::Engine as _;

pub use gitea_gate_protocol::ByteSource;

/// The bytes a [`ByteSource`] stands for.
pub trait Resolve {
    fn resolve<'a>(&'a self, blobs: &[&'a [u8]]) -> Result<Cow<'a, [u8]>, InvalidInput>;
}

impl Resolve for ByteSource {
    fn resolve<'a>(&'a self, blobs: &[&'a [u8]]) -> Result<Cow<'a, [u8]>, InvalidInput> {
        match self {
            ByteSource::Blob(i) => blobs
                .get(*i)
                .map(|b| Cow::Borrowed(*b))
                .ok_or_else(|| InvalidInput(format!("blob {i} is referenced but only {} were sent", blobs.len()))),
            ByteSource::Text(text) => Ok(Cow::Borrowed(text.as_bytes())),
            ByteSource::Base64(encoded) => base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map(Cow::Owned)
                .map_err(|e| InvalidInput(format!("invalid base64: {e}"))),
        }
    }
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 0xf)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_resolve() {
        let blobs: Vec<&[u8]> = vec![b"abc"];
        assert_eq!(&*ByteSource::Blob(0).resolve(&blobs).expect("blob"), b"abc");
        assert!(ByteSource::Blob(1).resolve(&blobs).is_err());
        assert_eq!(&*ByteSource::Text("x\n".into()).resolve(&blobs).expect("text"), b"x\n");
        assert_eq!(&*ByteSource::Base64("AAH/".into()).resolve(&blobs).expect("b64"), &[0, 1, 255]);
        assert!(ByteSource::Base64("!!".into()).resolve(&blobs).is_err());
    }

    #[test]
    fn sha256_of_known_values() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
