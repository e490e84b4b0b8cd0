//! A unified diff of two texts, line by line: `similar`'s Myers algorithm, its compaction and its
//! replace detection, driven directly.
//!
//! Why not `similar::TextDiff`: it picks its algorithm at run time, so all six of similar's
//! algorithms, each instantiated for every input shape, end up in the guest (202 KB of wasm,
//! about 0.5 MB of machine code per architecture) while the guest only ever asks for Myers.
//! This file runs exactly what `TextDiff::from_lines(old, new).unified_diff()` runs for Myers
//! (similar 3.2's `capture_ops` and `UnifiedDiff`, no deadline) and prints it the same way; the
//! test below holds the two byte-identical on generated texts, with `TextDiff` as the oracle.

use std::convert::Infallible;
use std::ops::Range;

use similar::algorithms::{Capture, Compact, DiffHook, IdentifyDistinct, NoFinishHook, Replace, myers};
use similar::{ChangeTag, DiffOp, group_diff_ops};

/// Above this many lines on either side, lines are first mapped to integers (as `TextDiff` does).
const REMAP_ABOVE_LINES: usize = 100;

/// The unified diff of `old` against `new` with `context` lines around each change, headed
/// `--- labels.0` / `+++ labels.1`; empty when the texts are equal.
pub fn unified_diff(old: &str, new: &str, context: usize, labels: (&str, &str)) -> String {
    let (old, new) = (lines(old), lines(new));
    let mut out = String::new();
    for hunk in group_diff_ops(line_ops(&old, &new), context).into_iter().filter(|hunk| !hunk.is_empty()) {
        if out.is_empty() {
            out.push_str(&format!("--- {}\n+++ {}\n", labels.0, labels.1));
        }
        push_hunk(&mut out, &hunk, &old, &new);
    }
    out
}

/// The lines of `text`, each with its terminator: `\n`, `\r\n` or a lone `\r` (similar's
/// `tokenize_lines`); a last line without one is a line too.
fn lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let (mut start, mut at) = (0, 0);
    while at < bytes.len() {
        let end = match bytes[at] {
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => at + 2,
            b'\r' | b'\n' => at + 1,
            _ => {
                at += 1;
                continue;
            }
        };
        // Both ends sit just after an ASCII byte: always a character boundary.
        lines.push(&text[start..end]);
        (start, at) = (end, end);
    }
    if start < bytes.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// similar's `TextDiffConfig::capture_ops` for Myers without a deadline.
fn line_ops(old: &[&str], new: &[&str]) -> Vec<DiffOp> {
    let mut hook = Compact::new(Replace::new(Capture::new()), old, new);
    if old.len() > REMAP_ABOVE_LINES || new.len() > REMAP_ABOVE_LINES {
        // Trim the common ends first (output-neutral for Myers), then diff the middle.
        let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
        let suffix = old[prefix..].iter().rev().zip(new[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
        let (old_middle, new_middle) = (prefix..old.len() - suffix, prefix..new.len() - suffix);
        if prefix > 0 {
            always(hook.equal(0, 0, prefix));
        }
        diff_middle(&mut hook, old, old_middle, new, new_middle);
        if suffix > 0 {
            always(hook.equal(old.len() - suffix, new.len() - suffix, suffix));
        }
        always(hook.finish());
    } else {
        always(myers::diff(&mut hook, old, 0..old.len(), new, 0..new.len()));
    }
    hook.into_inner().into_inner().into_ops()
}

/// The changed middle of [`line_ops`]'s trimmed path.
fn diff_middle<D: DiffHook<Error = Infallible>>(
    hook: &mut D,
    old: &[&str],
    old_middle: Range<usize>,
    new: &[&str],
    new_middle: Range<usize>,
) {
    if old_middle.is_empty() {
        if !new_middle.is_empty() {
            always(hook.insert(old_middle.start, new_middle.start, new_middle.len()));
        }
        return;
    }
    if new_middle.is_empty() {
        always(hook.delete(old_middle.start, old_middle.len(), new_middle.start));
        return;
    }
    let mut middle = NoFinishHook::new(hook);
    if old_middle.len() > REMAP_ABOVE_LINES || new_middle.len() > REMAP_ABOVE_LINES {
        // Myers compares only old lines with new ones, so numbering every distinct line (rather
        // than similar's shared number for new-only lines) yields the same edit script.
        let ids = IdentifyDistinct::<u32>::new(old, old_middle, new, new_middle);
        always(myers::diff(&mut middle, ids.old_lookup(), ids.old_range(), ids.new_lookup(), ids.new_range()));
    } else {
        always(myers::diff(&mut middle, old, old_middle, new, new_middle));
    }
}

/// Capturing ops cannot fail (`Capture`'s error type is uninhabited).
fn always(result: Result<(), Infallible>) {
    match result {
        Ok(()) => {}
        Err(never) => match never {},
    }
}

/// One hunk, as similar's `UnifiedDiffHunk` prints it.
fn push_hunk(out: &mut String, hunk: &[DiffOp], old: &[&str], new: &[&str]) {
    let (first, last) = (&hunk[0], &hunk[hunk.len() - 1]);
    let old_range = first.old_range().start..last.old_range().end;
    let new_range = first.new_range().start..last.new_range().end;
    out.push_str(&format!("@@ -{} +{} @@\n", hunk_range(old_range), hunk_range(new_range)));
    for change in hunk.iter().flat_map(|op| op.iter_changes(old, new)) {
        out.push(match change.tag() {
            ChangeTag::Equal => ' ',
            ChangeTag::Delete => '-',
            ChangeTag::Insert => '+',
        });
        let line = change.value();
        out.push_str(line);
        if !line.ends_with(['\r', '\n']) {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// `start,len` with 1-based lines, `start` alone for one line, and the line before for none.
fn hunk_range(range: Range<usize>) -> String {
    let len = range.end.saturating_sub(range.start);
    match len {
        1 => format!("{}", range.start + 1),
        0 => format!("{},0", range.start),
        _ => format!("{},{len}", range.start + 1),
    }
}

#[cfg(test)]
mod tests {
    use similar::TextDiff;

    use super::*;

    fn oracle(old: &str, new: &str, context: usize) -> String {
        TextDiff::from_lines(old, new).unified_diff().context_radius(context).header("a", "b").to_string()
    }

    fn assert_same(old: &str, new: &str, context: usize) {
        assert_eq!(unified_diff(old, new, context, ("a", "b")), oracle(old, new, context), "{old:?}\n-> {new:?}");
    }

    #[test]
    fn edges_match_similar() {
        let texts = [
            "",
            "a",
            "a\n",
            "a\nb\nc\n",
            "a\nb\nc",
            "a\r\nb\r\n",
            "a\rb\r",
            "a\n\n\nb\n",
            "x\ny\nz\n",
            "a\nb\r\nc\rd",
            "\n",
            "\r\n",
            "é\nü\n",
        ];
        for old in texts {
            for new in texts {
                for context in [0, 1, 3] {
                    assert_same(old, new, context);
                }
            }
        }
    }

    /// A small deterministic generator (the guest has no dependency for randomness).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) % below
        }
    }

    fn text(rng: &mut Lcg, lines: u64, alphabet: u64) -> String {
        let endings = ["\n", "\n", "\n", "\r\n", "\r"];
        let mut out = String::new();
        for _ in 0..lines {
            out.push_str(&format!("line {}", rng.next(alphabet)));
            out.push_str(endings[rng.next(endings.len() as u64) as usize]);
        }
        if rng.next(4) == 0 {
            out.push_str("tail without newline");
        }
        out
    }

    fn edit(rng: &mut Lcg, base: &str, alphabet: u64) -> String {
        let mut lines: Vec<String> = lines(base).into_iter().map(str::to_owned).collect();
        for _ in 0..rng.next(12) {
            let at = rng.next(lines.len() as u64 + 1) as usize;
            match rng.next(3) {
                0 if at < lines.len() => {
                    lines.remove(at);
                }
                1 => lines.insert(at, format!("new {}\n", rng.next(alphabet))),
                _ if at < lines.len() => lines[at] = format!("changed {}\n", rng.next(alphabet)),
                _ => {}
            }
        }
        lines.concat()
    }

    #[test]
    fn generated_texts_match_similar() {
        let mut rng = Lcg(0x6769_7465_612d_6761);
        // Short texts (the direct path), long ones (trimmed and numbered: over 100 lines), and
        // few distinct lines (many equal candidates, where Myers' choices and compaction show).
        for (count, lines, alphabet) in [(400, 12, 4), (200, 60, 30), (60, 250, 8), (40, 400, 1000)] {
            for _ in 0..count {
                let old_lines = rng.next(lines) + 1;
                let old = text(&mut rng, old_lines, alphabet);
                let new = if rng.next(5) == 0 {
                    let new_lines = rng.next(lines) + 1;
                    text(&mut rng, new_lines, alphabet)
                } else {
                    edit(&mut rng, &old, alphabet)
                };
                assert_same(&old, &new, rng.next(5) as usize);
            }
        }
    }
}
