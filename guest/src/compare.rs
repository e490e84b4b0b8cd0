//! Comparing two byte strings and describing how they differ: sizes, sha256s, the first
//! differing byte as line/column/offset, whether only line endings differ, and a bounded unified
//! diff for text (an excerpt around the first difference when the files are too big to diff).

use serde::Serialize;

use crate::bytes::sha256_hex;

/// Limits on the diff shown for a drifted text file.
#[derive(Debug, Clone, Copy)]
pub struct DiffLimits {
    /// Lines of context around each change.
    pub context_lines: usize,
    /// At most this many diff lines are shown; the rest are counted.
    pub max_lines: usize,
    /// Files larger than this get an excerpt around the first difference instead of a diff.
    pub max_bytes: usize,
    /// Longer lines are cut (a minified file would otherwise be one enormous line).
    pub max_line_chars: usize,
}

impl Default for DiffLimits {
    fn default() -> DiffLimits {
        DiffLimits { context_lines: 3, max_lines: 200, max_bytes: 1 << 20, max_line_chars: 400 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Digest {
    pub size: u64,
    /// Only for copies that differ: identical bytes need no digest to be told apart, and hashing
    /// 100 MiB in wasm costs more than everything else a drift check does (scripts/bench/run.py).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Where two byte strings first differ. Line and column are 1-based; the column counts bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub offset: u64,
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub first: Position,
    /// Either side is not UTF-8 text (or contains NUL): no diff is shown, only the facts.
    pub binary: bool,
    /// Both are text and equal once CRLF is read as LF.
    pub line_endings_only: bool,
    /// Unified diff (or an excerpt around the first difference), at most `max_lines` lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Diff lines left out because of `max_lines`.
    pub diff_lines_omitted: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub identical: bool,
    pub expected: Digest,
    pub actual: Digest,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference: Option<Difference>,
}

/// Byte equality, eight bytes at a time. In wasm, `==` on slices becomes a call to wasi-libc's
/// byte-by-byte `memcmp`; comparing words is several times faster on 100 MiB files.
pub fn bytes_equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // One copy of two equal blobs (stdin_request.rs): compared as it was read.
    if std::ptr::eq(a, b) {
        return true;
    }
    let (a_words, b_words) = (a.chunks_exact(8), b.chunks_exact(8));
    let tails_equal = a_words.remainder() == b_words.remainder();
    tails_equal
        && a_words.zip(b_words).all(|(x, y)| {
            u64::from_ne_bytes(x.try_into().unwrap_or([0; 8])) == u64::from_ne_bytes(y.try_into().unwrap_or([1; 8]))
        })
}

/// Compare `expected` (the canonical copy) with `actual` (the local copy).
pub fn compare(expected: &[u8], actual: &[u8], labels: (&str, &str), limits: DiffLimits) -> Comparison {
    let identical = bytes_equal(expected, actual);
    let digest = |bytes: &[u8]| Digest { size: bytes.len() as u64, sha256: (!identical).then(|| sha256_hex(bytes)) };
    let (expected_digest, actual_digest) = (digest(expected), digest(actual));
    let difference = (!identical).then(|| describe(expected, actual, labels, limits));
    Comparison { identical, expected: expected_digest, actual: actual_digest, difference }
}

fn describe(expected: &[u8], actual: &[u8], labels: (&str, &str), limits: DiffLimits) -> Difference {
    let first = first_difference(expected, actual);
    let texts = (as_text(expected), as_text(actual));
    let (Some(old), Some(new)) = texts else {
        return Difference { first, binary: true, line_endings_only: false, diff: None, diff_lines_omitted: 0 };
    };
    let line_endings_only = equal_ignoring_cr_before_lf(expected, actual);
    let lines = if expected.len().max(actual.len()) <= limits.max_bytes {
        unified_diff(old, new, labels, limits)
    } else {
        excerpt(old, new, labels, first, limits)
    };
    let omitted = lines.len().saturating_sub(limits.max_lines);
    let shown: Vec<String> = lines.into_iter().take(limits.max_lines).collect();
    Difference { first, binary: false, line_endings_only, diff: Some(shown.join("\n")), diff_lines_omitted: omitted }
}

/// The first differing byte; when one is a prefix of the other, the end of the shorter one.
pub fn first_difference(a: &[u8], b: &[u8]) -> Position {
    // Compare in chunks so that 100 MiB files do not cost a byte-by-byte loop.
    let common = a.len().min(b.len());
    let mut offset = 0;
    while offset < common {
        let end = (offset + 4096).min(common);
        if bytes_equal(&a[offset..end], &b[offset..end]) {
            offset = end;
            continue;
        }
        offset += a[offset..end].iter().zip(&b[offset..end]).position(|(x, y)| x != y).unwrap_or(0);
        break;
    }
    let before = &a[..offset];
    let line = before.iter().filter(|&&c| c == b'\n').count() as u64 + 1;
    let line_start = before.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
    Position { offset: offset as u64, line, column: (offset - line_start) as u64 + 1 }
}

fn as_text(bytes: &[u8]) -> Option<&str> {
    if bytes.contains(&0) {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// Equal when every CRLF is read as LF (the classic one-byte-per-line drift). Streams: no
/// normalised copies of 100 MiB files.
pub fn equal_ignoring_cr_before_lf(a: &[u8], b: &[u8]) -> bool {
    if !a.contains(&b'\r') && !b.contains(&b'\r') {
        return a == b;
    }
    fn normalized(s: &[u8]) -> impl Iterator<Item = u8> + '_ {
        s.iter().enumerate().filter(move |&(i, &c)| !(c == b'\r' && s.get(i + 1) == Some(&b'\n'))).map(|(_, &c)| c)
    }
    normalized(a).eq(normalized(b))
}

fn clip(line: &str, max: usize) -> String {
    let line = line.strip_suffix('\n').unwrap_or(line);
    if line.chars().count() <= max {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(max).collect();
    cut.push_str(" …[line cut]");
    cut
}

fn unified_diff(old: &str, new: &str, labels: (&str, &str), limits: DiffLimits) -> Vec<String> {
    let text = crate::unified_diff::unified_diff(old, new, limits.context_lines, labels);
    // split('\n'), not lines(): lines() would also eat the '\r' of CRLF, which is the drift.
    let text = text.strip_suffix('\n').unwrap_or(&text);
    text.split('\n').map(|line| clip(line, limits.max_line_chars)).collect()
}

/// For files too big to diff: the lines around the first difference from each side.
fn excerpt(old: &str, new: &str, labels: (&str, &str), first: Position, limits: DiffLimits) -> Vec<String> {
    let line = usize::try_from(first.line).unwrap_or(usize::MAX);
    let from = line.saturating_sub(limits.context_lines).max(1);
    let to = line.saturating_add(limits.context_lines);
    let pick = |text: &str| -> Vec<String> {
        text.split('\n')
            .enumerate()
            .skip(from - 1)
            .take(to - from + 1)
            .map(|(_, l)| clip(l, limits.max_line_chars))
            .collect()
    };
    let mut lines = vec![
        format!("--- {}", labels.0),
        format!("+++ {}", labels.1),
        format!("@@ lines {from}-{to} around the first difference (files too large for a full diff) @@"),
    ];
    lines.extend(pick(old).into_iter().map(|l| format!("-{l}")));
    lines.extend(pick(new).into_iter().map(|l| format!("+{l}")));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: (&str, &str) = ("canonical", "local");

    #[test]
    fn word_wise_equality() {
        for len in 0..40 {
            let a: Vec<u8> = (0..len).map(|i| i as u8).collect();
            assert!(bytes_equal(&a, &a.clone()));
            for flip in 0..len {
                let mut b = a.clone();
                b[flip] ^= 0x80;
                assert!(!bytes_equal(&a, &b), "len {len} flip {flip}");
            }
        }
        assert!(!bytes_equal(b"abc", b"abcd"));
    }

    #[test]
    fn identical_bytes() {
        let c = compare(b"a\nb\n", b"a\nb\n", L, DiffLimits::default());
        assert!(c.identical);
        assert_eq!(c.expected, c.actual);
        assert_eq!(c.difference, None);
    }

    #[test]
    fn first_difference_positions() {
        type Case<'a> = (&'a [u8], &'a [u8], (u64, u64, u64));
        let cases: [Case; 5] = [
            (b"abc", b"abd", (2, 1, 3)),
            (b"a\nbc\n", b"a\nbx\n", (3, 2, 2)),
            (b"abc", b"abcdef", (3, 1, 4)),
            (b"", b"x", (0, 1, 1)),
            (b"l1\nl2\nl3\n", b"l1\nl2\nl3\r\n", (8, 3, 3)),
        ];
        for (a, b, (offset, line, column)) in cases {
            assert_eq!(first_difference(a, b), Position { offset, line, column }, "{a:?} vs {b:?}");
        }
        // Across the chunk boundary.
        let mut big = vec![b'x'; 10_000];
        let mut other = big.clone();
        other[9_000] = b'y';
        assert_eq!(first_difference(&big, &other).offset, 9_000);
        big[4096] = b'\n';
        other[4096] = b'\n';
        assert_eq!(first_difference(&big, &other).line, 2);
    }

    #[test]
    fn crlf_versus_lf_is_diagnosed() {
        let c = compare(b"a: 1\nb: 2\n", b"a: 1\r\nb: 2\r\n", L, DiffLimits::default());
        let d = c.difference.expect("differs");
        assert!(d.line_endings_only && !d.binary);
        assert_eq!(d.first, Position { offset: 4, line: 1, column: 5 });
        let diff = d.diff.expect("diff");
        assert!(diff.contains("-a: 1\n") && diff.contains("+a: 1\r\n"), "{diff:?}");
    }

    #[test]
    fn binary_files_get_facts_only() {
        let c = compare(&[0, 1, 2], &[0, 1, 3], L, DiffLimits::default());
        let d = c.difference.expect("differs");
        assert!(d.binary);
        assert_eq!(d.diff, None);
        let invalid_utf8 = compare(&[0xff, b'a'], b"aa", L, DiffLimits::default());
        assert!(invalid_utf8.difference.expect("differs").binary);
    }

    #[test]
    fn diff_is_bounded() {
        let old: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let new: String = (0..1000).map(|i| format!("line {}\n", i * 2)).collect();
        let limits = DiffLimits { max_lines: 50, ..DiffLimits::default() };
        let d = compare(old.as_bytes(), new.as_bytes(), L, limits).difference.expect("differs");
        assert_eq!(d.diff.expect("diff").lines().count(), 50);
        assert!(d.diff_lines_omitted > 0);
    }

    #[test]
    fn large_files_get_an_excerpt_and_long_lines_are_cut() {
        let old: String = (0..100).map(|i| format!("{i}\n")).collect();
        let new = old.replace("50\n", "fifty\n");
        let limits = DiffLimits { max_bytes: 16, context_lines: 1, ..DiffLimits::default() };
        let diff = compare(old.as_bytes(), new.as_bytes(), L, limits).difference.expect("d").diff.expect("diff");
        assert!(diff.contains("around the first difference"), "{diff}");
        assert!(diff.contains("-50") && diff.contains("+fifty"), "{diff}");
        let long = "x".repeat(5000);
        let d = compare(long.as_bytes(), b"y", L, DiffLimits::default()).difference.expect("d").diff.expect("diff");
        assert!(d.contains("[line cut]") && d.len() < 1000);
    }
}
