//! Step 5's reach: the windows of a rewritten text that a fresh pass must read again. A
//! replacement changes the bytes of its seam and nothing else, so the only findings a fresh
//! pass can add are the ones that read a seam; the rest of the text reads as it did in the
//! first round, which redacted (or allowed) what it held.
//!
//! What a rule reads around what it matches is bounded (`src/detect/`):
//!
//! | what | reach |
//! |---|---|
//! | a token (key, email, URL, IP, JWT, encoded form, glued run) | its own bytes: a window never cuts a token |
//! | a run of digit groups (cards, phones, national ids) | its tokens without a letter: a window never cuts the run |
//! | a context word before a value (`context_before`, phone, IP, SSN `#`) | 96 bytes, same line |
//! | a date after its keyword, or before its verb (`dob.rs`) | 40 bytes |
//! | a provider's key after its name (`secrets.rs` `keyword_key`) | 64 bytes, then its token |
//! | a secret's name before its value (`assign.rs`, `generic_before`) | name 128, gap 64 |
//! | a secret's value after its name (`assign.rs`) | 300 bytes |
//! | a customer pattern after its prefix (`custom.rs`) | 256 bytes |
//! | a customer pattern with no literal prefix | the whole text: changed strings are read whole |
//! | a table row's header (`table.rs`) | the run of delimited lines: a window takes the whole run |
//! | a PEM block (`secrets.rs`) | lines: a text holding `-----` is read whole |
//! | decoded forms (`decode.rs`) | every form of the string: such a string is read whole |
//! | a folded view (`view.rs`: full-width and ideographic delimiters) | such a string is read whole |
//!
//! So a finding that reads a seam lies, with all it reads, within [`SIDE`] bytes of it (a
//! secret's value of 300 bytes holding the seam, with its name and gap of 192 before it; or
//! a value starting within 192 bytes after it and running 300), and a window is [`SIDE`]
//! bytes each side of its seam, widened to whole tokens, whole runs of digit groups and whole
//! table runs. A replacement that removes or writes a line break or a table delimiter moves
//! lines and cells: its string is read whole (`edit.rs` tells). So is a string that held
//! encoded forms (`%XX`, `&` references, base64 runs), or gets one from a replacement: their
//! decoded forms are read as one text, one per line (`detect/decode.rs`), where a form that
//! goes brings far-apart forms next to each other (a table header and a row, a secret's name
//! and its value). And so is a string read through a folded view (`detect/view.rs`): there
//! `，`, `、` and `｜` are delimiters that the widening, reading the string's own bytes, does not
//! see (found by a second review). The fuzz property "a fresh pass over the output finds
//! nothing to redact" (`fuzz/fuzz_targets/settle.rs`) and `tests/settle_long.rs` hold the
//! windows to it.

use std::ops::Range;

/// How far each side of a seam its window reaches, before widening (the table above: 492).
pub(super) const SIDE: usize = 512;

/// How far each side of a seam its window reaches under a detector set whose longest
/// customer keyword term is `longest_term` bytes (a term holding the seam starts that far
/// before it).
pub(super) fn side(longest_term: usize) -> usize {
    SIDE.max(longest_term.saturating_add(8))
}

/// A token longer than this is not walked: the text is read whole.
const MAX_TOKEN: usize = 64 * 1024;

/// Whether byte `b` in a replaced value or its replacement moves lines or table cells.
pub(crate) fn shapes_lines(b: u8) -> bool {
    matches!(b, b'\n' | b'\r' | b',' | b';' | b'\t' | b'|')
}

/// Whether a replacement `t` may read as an encoded form (a `%` or `&`, or a run of 12 or
/// more base64 bytes: `detect/decode.rs`): the decoded forms of a string are read as one text,
/// so a new one would change what they read far from it.
pub(crate) fn may_read_as_encoded(t: &str) -> bool {
    let b64 = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_');
    t.contains(['%', '&']) || t.as_bytes().split(|c| !b64(c)).any(|run| run.len() >= 12)
}

/// The windows of `t` around `seams` (sorted, in `t`), `side` bytes each side of each (see
/// [`side`]) before widening, merged and in order; None when `t` must be read whole (a PEM
/// marker in reach, a token too long to walk, or windows that cover most of it anyway).
pub(super) fn windows(t: &str, seams: &[Range<usize>], side: usize) -> Option<Vec<Range<usize>>> {
    let b = t.as_bytes();
    // `side` bytes each side of each seam, merged; widening only adds, so seams too dense for
    // windows to spare much are read whole at once.
    let mut bare: Vec<Range<usize>> = Vec::new();
    for s in seams {
        let (lo, hi) = (
            s.start.saturating_sub(side),
            s.end.saturating_add(side).min(b.len()),
        );
        match bare.last_mut() {
            Some(w) if lo <= w.end => w.end = w.end.max(hi),
            _ => bare.push(lo..hi),
        }
    }
    let covers_most = |ws: &[Range<usize>]| {
        let read: usize = ws.iter().map(|w| w.end - w.start).sum();
        read.saturating_mul(4) >= b.len().saturating_mul(3)
    };
    if covers_most(&bare) {
        return None;
    }
    let mut out: Vec<Range<usize>> = Vec::with_capacity(bare.len());
    for w in bare {
        let lo = widen_back(t, w.start)?;
        let hi = widen_ahead(t, w.end)?;
        match out.last_mut() {
            Some(w) if lo <= w.end => w.end = w.end.max(hi),
            _ => out.push(lo..hi),
        }
    }
    let pem = out
        .iter()
        .any(|w| t.get(w.clone()).is_some_and(|x| x.contains("-----")));
    (!pem && !covers_most(&out)).then_some(out)
}

fn is_blank(b: u8) -> bool {
    b.is_ascii_whitespace()
}

/// Whether `line` holds a table delimiter (it may be a row; `table.rs`).
fn delimited(line: &[u8]) -> bool {
    [b',', b';', b'\t', b'|'].iter().any(|d| line.contains(d))
}

/// Whether `line` is blank (a table run ends at one).
fn blank(line: &[u8]) -> bool {
    line.iter().all(|&c| is_blank(c))
}

/// The start of the line holding `i` (a char boundary).
fn line_start(t: &str, i: usize) -> usize {
    t.get(..i).and_then(|x| x.rfind('\n')).map_or(0, |p| p + 1)
}

/// The end of the line holding `i` (its `\n`, or the text's end).
fn line_end(t: &str, i: usize) -> usize {
    t.get(i..)
        .and_then(|x| x.find('\n'))
        .map_or(t.len(), |p| i + p)
}

/// `i` moved back to the start of its token, then past every token before it without an
/// ASCII letter (a run of digit groups), then, on a line that may be a table row, to the
/// start of its run of non-blank delimited lines. None: a token too long to walk.
fn widen_back(t: &str, mut i: usize) -> Option<usize> {
    let b = t.as_bytes();
    let start = i;
    let token_start = |mut j: usize| {
        while j > 0 && !is_blank(b.get(j - 1).copied().unwrap_or(b' ')) {
            j -= 1;
        }
        j
    };
    i = token_start(i);
    loop {
        let mut j = i;
        while j > 0
            && is_blank(b.get(j - 1).copied().unwrap_or(b'x'))
            && b.get(j - 1) != Some(&b'\n')
        {
            j -= 1;
        }
        let k = token_start(j);
        if k == j
            || b.get(k..j)
                .is_some_and(|w| w.iter().any(u8::is_ascii_alphabetic))
        {
            break;
        }
        i = k;
        if start - i > MAX_TOKEN {
            return None;
        }
    }
    if start - i > MAX_TOKEN {
        return None;
    }
    // `i` is at a token's edge: a char boundary.
    let line = |s: usize, e: usize| b.get(s..e).unwrap_or_default();
    let mut ls = line_start(t, i);
    if delimited(line(ls, line_end(t, ls))) {
        while ls > 0 {
            let above = line_start(t, ls - 1);
            let l = line(above, ls - 1);
            if !delimited(l) || blank(l) {
                break;
            }
            ls = above;
        }
        i = i.min(ls);
    }
    Some(i)
}

/// `i` moved ahead to the end of its token, then past every token after it without an ASCII
/// letter, then, on a line that may be a table row, to the end of its run of non-blank
/// delimited lines (a header's rows). None: a token too long to walk.
fn widen_ahead(t: &str, mut i: usize) -> Option<usize> {
    let b = t.as_bytes();
    let start = i;
    let token_end = |mut j: usize| {
        while j < b.len() && !is_blank(b.get(j).copied().unwrap_or(b' ')) {
            j += 1;
        }
        j
    };
    i = token_end(i);
    loop {
        let mut j = i;
        while j < b.len() && is_blank(b.get(j).copied().unwrap_or(b'x')) && b.get(j) != Some(&b'\n')
        {
            j += 1;
        }
        let k = token_end(j);
        if k == j
            || b.get(j..k)
                .is_some_and(|w| w.iter().any(u8::is_ascii_alphabetic))
        {
            break;
        }
        i = k;
        if i - start > MAX_TOKEN {
            return None;
        }
    }
    if i - start > MAX_TOKEN {
        return None;
    }
    // `i` is at a token's edge: a char boundary.
    let line = |s: usize, e: usize| b.get(s..e).unwrap_or_default();
    let mut le = line_end(t, i);
    if delimited(line(line_start(t, i), le)) {
        while le < b.len() {
            let below = line_end(t, le + 1);
            let l = line(le + 1, below);
            if !delimited(l) || blank(l) {
                break;
            }
            le = below;
        }
        i = i.max(le);
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// Prose of `n` bytes: words of letters, sentences, no delimiter and no digit.
    fn prose(n: usize) -> String {
        let words = ["alpha", "beta", "gamma", "delta", "report", "team", "week"];
        let mut s = String::new();
        let mut i = 0;
        while s.len() < n {
            s.push_str(words[i % words.len()]);
            s.push(if i % 11 == 10 { '.' } else { ' ' });
            i += 1;
        }
        s
    }

    fn seam_at(t: &str, needle: &str) -> Range<usize> {
        let at = t.find(needle).unwrap();
        at..at + needle.len()
    }

    #[test]
    fn a_seam_in_long_prose_is_read_in_one_window_of_whole_words() {
        let t = format!("{}[EMAIL_1]{}", prose(50_000), prose(50_000));
        let s = seam_at(&t, "[EMAIL_1]");
        let w = windows(&t, std::slice::from_ref(&s), SIDE).unwrap();
        assert_eq!(w.len(), 1);
        let w = &w[0];
        assert!(w.start <= s.start - SIDE && w.end >= s.end + SIDE);
        assert!(w.end - w.start < 2 * SIDE + 40, "{w:?}");
        // Whole words: a window starts after a blank and ends before one.
        assert!(t.as_bytes()[w.start - 1].is_ascii_whitespace());
        assert!(t.as_bytes()[w.end].is_ascii_whitespace());
    }

    #[test]
    fn seams_close_together_share_a_window_and_dense_ones_read_the_text_whole() {
        let t = format!(
            "{}[A_1] {}[B_1]{}",
            prose(20_000),
            prose(300),
            prose(20_000)
        );
        let w = windows(&t, &[seam_at(&t, "[A_1]"), seam_at(&t, "[B_1]")], SIDE).unwrap();
        assert_eq!(w.len(), 1);
        let dense: Vec<Range<usize>> = (0..30).map(|k| k * 1000..k * 1000 + 5).collect();
        assert!(windows(&prose(30_000), &dense, SIDE).is_none());
    }

    #[test]
    fn a_run_of_digit_groups_and_a_long_token_are_never_cut() {
        let groups = "4111 1111 1111 1111 ".repeat(60);
        let t = format!("{}{groups}[X_1]{}", prose(20_000), prose(20_000));
        let s = seam_at(&t, "[X_1]");
        let w = &windows(&t, &[s], SIDE).unwrap()[0];
        assert!(
            w.start <= t.find("4111").unwrap(),
            "the digit groups before the seam are read whole"
        );
        let token = "Q".repeat(70_000);
        let t = format!("{}{token}[X_1]{}", prose(300_000), prose(300_000));
        assert!(windows(&t, &[seam_at(&t, "[X_1]")], SIDE).is_none());
    }

    #[test]
    fn a_seam_in_a_table_reads_the_whole_run_of_rows_and_its_header() {
        let rows: String = (0..400).map(|k| format!("row{k},name,city\n")).collect();
        let t = format!(
            "{}\n\nssn_no,name,city\n{rows}x,[NAME_1],y\n{rows}\n{}",
            prose(20_000),
            prose(20_000)
        );
        let s = seam_at(&t, "[NAME_1]");
        let w = &windows(&t, &[s], SIDE).unwrap()[0];
        assert!(w.start <= t.find("ssn_no").unwrap(), "the header is read");
        assert!(
            w.end >= t.rfind("row399").unwrap(),
            "the rows below are read"
        );
        assert!(w.end < t.len() - 10_000, "the prose after the run is not");
    }

    #[test]
    fn a_pem_marker_in_reach_reads_the_text_whole() {
        let t = format!(
            "{}-----BEGIN PRIVATE KEY-----\n[KEY_1]{}",
            prose(20_000),
            prose(20_000)
        );
        assert!(windows(&t, &[seam_at(&t, "[KEY_1]")], SIDE).is_none());
    }

    #[test]
    fn a_long_customer_term_widens_the_windows() {
        assert_eq!(side(0), SIDE);
        assert_eq!(side(2000), 2008);
        let t = format!("{}[X_1]{}", prose(20_000), prose(20_000));
        let w = &windows(&t, &[seam_at(&t, "[X_1]")], side(2000)).unwrap()[0];
        assert!(w.end - w.start >= 4000);
    }

    #[test]
    fn a_replacement_that_may_read_as_an_encoded_form_is_told() {
        for t in [
            "[EMAIL]",
            "[PHONE_12]",
            "**** **** **** 1234",
            "j***@example.com",
        ] {
            assert!(!may_read_as_encoded(t), "{t}");
        }
        for t in ["[EMAIL:3f2a9c1b7d40]", "a%b", "x&y", "QUJDREVGR0hJSktM"] {
            assert!(may_read_as_encoded(t), "{t}");
        }
    }

    #[test]
    fn what_moves_lines_or_cells_is_told() {
        for b in [b'\n', b'\r', b',', b';', b'\t', b'|'] {
            assert!(shapes_lines(b));
        }
        assert!(!shapes_lines(b'@') && !shapes_lines(b' '));
    }
}
