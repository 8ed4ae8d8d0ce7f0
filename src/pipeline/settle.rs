//! Step 5, settle: a rewritten body is inspected again, until a round finds nothing more to
//! change. A placeholder can split a run of glued characters that the first round judged as
//! one token, or move a context word closer to a value; the next round sees what is left. A
//! round's own rescan of the strings it changed (and of their joins) spares the next round
//! when nothing is left, which is the rule; a rewrite that reshapes the body (a string that
//! now reads as JSON, a member name, a number that became a string) always gets a full round.
//!
//! The rescan of a long string reads only windows around its replacements: [`REACH`] bytes
//! each side, widened to whole whitespace-delimited tokens. The round before read the whole
//! string and every finding it made there is replaced, so a finding of the next round must
//! read bytes that changed; the bound each rule puts on what it reads (its span and its
//! context, `docs/detectors.md`, "What a rescan reads") keeps such a finding within [`NEAR`]
//! of a replacement, and all it reads inside the window. A finding in a window farther from
//! every replacement is what a window's cut edge made (a value without the context that
//! excludes it) and does not count.

use std::ops::Range;

use super::assemble::{Docs, Plan};
use super::edit::Edited;
use super::scan::{Hit, Scanner};
use super::{inspect_once, BodyOutcome, Context, Reading, Round, Verdict, MAX_ROUNDS};
use crate::config::{ActionTable, Policy};
use crate::json::Span;
use crate::reason::Reason;
use crate::redact::Renderer;

/// [`super::inspect_body`] for one of several JSON documents of a request (the lines of an
/// uploaded JSONL file), read as `reading`, without the size cap: they share `renderer`, so pseudonyms are
/// numbered per request (and go on counting from round to round).
///
/// Later rounds skip the size cap (placeholders may be longer than the values), `allow`
/// findings (counted once, in the first round; they change nothing) and findings on a
/// placeholder's own bytes. A body not settled after [`MAX_ROUNDS`] is refused.
pub fn inspect_document(
    policy: &Policy,
    actions: &ActionTable,
    reading: Reading,
    body: &[u8],
    renderer: &mut Renderer,
) -> BodyOutcome {
    let ctx = Context {
        policy,
        actions,
        reading,
    };
    let (mut outcome, mut settled) = inspect_once(&ctx, body, renderer, Round::First);
    let mut round = 1;
    while let Some(Verdict::Rewrite(bytes)) = &outcome.verdict {
        if settled {
            break;
        }
        let (next, next_settled) = inspect_once(&ctx, bytes, renderer, Round::Later);
        outcome.counts.add(&next.counts);
        match next.verdict {
            // A round that changes nothing (a `mask` that leaves a value as it was) is settled.
            Some(Verdict::Rewrite(ref again)) if again == bytes => break,
            // The last round's rewrite must be settled.
            Some(Verdict::Rewrite(_)) if round + 1 >= MAX_ROUNDS && !next_settled => {
                outcome.verdict = Some(Verdict::Deny(Reason::RedactionUnsettled));
            }
            // The client's body parsed: a later round that cannot parse our own rewrite (two
            // member names redacted alike) could not redact it.
            Some(Verdict::Deny(
                Reason::InvalidJson | Reason::DuplicateJsonKey | Reason::JsonTooDeep,
            )) => {
                outcome.verdict = Some(Verdict::Deny(Reason::RedactionUnsettled));
                break;
            }
            Some(Verdict::Rewrite(_) | Verdict::Deny(_)) => outcome.verdict = next.verdict,
            Some(Verdict::Forward) | None => break,
        }
        settled = next_settled;
        round += 1;
    }
    outcome
}

/// Whether the rewrite `edited` is settled: nothing is reshaped, and the changed strings
/// (a value with its member name) and the joins they are part of hold nothing a later round
/// would change.
pub(super) fn is_settled(scanner: &mut Scanner, docs: &Docs, plan: &Plan, edited: &Edited) -> bool {
    if edited.reshaped {
        return false;
    }
    let new = |i: usize| {
        let k = edited.changed.binary_search_by_key(&i, |(s, _)| *s).ok()?;
        edited.changed.get(k).map(|(_, t)| t.of(&edited.texts))
    };
    let text = |i: usize| new(i).unwrap_or_else(|| plan.text(i, docs));
    let mut hits = Vec::new();
    // Where the findings of each changed string are in `hits` (read on its own, for its joins).
    let mut own: Vec<(usize, Range<usize>)> = Vec::with_capacity(edited.changed.len());
    let mut spans = Vec::new();
    for (k, (i, t)) in edited.changed.iter().enumerate() {
        let t = t.of(&edited.texts);
        let at = hits.len();
        let landed = edited
            .landed_of
            .get(k)
            .and_then(|r| edited.landed.get(r.clone()))
            .unwrap_or_default();
        // A string in a join is read whole: the join needs all it finds near its edge.
        let joined = plan.joins.iter().any(|j| j.first == *i || j.second == *i);
        let windowed = match plan.strings.get(*i).and_then(|s| s.name) {
            Some(n) => {
                scanner.named(text(n), t, (n, *i), true, &mut hits);
                false
            }
            None if !joined && scanner.bounded() && windows(t, landed, &mut spans) => {
                for w in &spans {
                    scanner.window(t, w.clone(), *i, &mut hits);
                }
                true
            }
            None => {
                scanner.alone(t, *i, &mut hits);
                false
            }
        };
        // In windows, only a finding within NEAR of a replacement can be new; one farther
        // out is what a cut edge made of a value's context (a full read has it too, and
        // the round before replaced it, or it is not there).
        let near = |h: &Hit| {
            landed
                .iter()
                .any(|l| h.start < l.end + NEAR && l.start < h.end + NEAR)
        };
        let new_finding = |h: &Hit| h.live && (!windowed || near(h));
        if hits.get(at..).unwrap_or_default().iter().any(new_finding) {
            return false;
        }
        own.push((*i, at..hits.len()));
    }
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for j in &plan.joins {
        if new(j.first).is_none() && new(j.second).is_none() {
            continue;
        }
        let (a, b) = (text(j.first), text(j.second));
        let cached = |i: usize| {
            let k = own.binary_search_by_key(&i, |(s, _)| *s).ok()?;
            own.get(k).and_then(|(_, r)| hits.get(r.clone()))
        };
        // An unchanged neighbour is read on its own again.
        let mut side = |i: usize, text: &str, buf: &mut Vec<Hit>| {
            buf.clear();
            if cached(i).is_none() {
                scanner.alone(text, i, buf);
            }
        };
        side(j.first, a, &mut first);
        side(j.second, b, &mut second);
        let a_hits = cached(j.first).unwrap_or(&first);
        let b_hits = cached(j.second).unwrap_or(&second);
        let split = scanner.join(j, (a, a_hits), (b, b_hits));
        if split.is_some_and(|(_, [piece, _])| piece.live) {
            return false;
        }
    }
    true
}

/// How far from a replacement (bytes of the new text) a finding the round before could not
/// make may lie. It must read a changed byte, and across whitespace a finding reads at most
/// about 500 bytes around its span (a `name`/`value` pair: a name of 128 bytes, a gap of 40,
/// `value`, a value of up to 300), except a value in a table cell: its column's header, up to
/// 64 lines and 8 KiB above its row, and its row, up to 1 KiB (`detect/table.rs`).
pub(super) const NEAR: usize = 10 * 1024;

/// How far around a replacement (bytes of the new text, each side) a window reaches: a
/// finding within [`NEAR`] of it, and all that finding reads (at most 8 KiB + 1 KiB more).
pub(super) const REACH: usize = NEAR + 10 * 1024;

/// Longest whitespace-free token a window is widened to take whole (a signed URL's query
/// runs to 16 KiB); a window edge in a longer one reads the whole string.
const MAX_TOKEN: usize = 24 * 1024;

/// A changed string shorter than this is read whole (its windows would cover most of it).
const WINDOWED_FROM: usize = 4 * REACH;

/// The parts of `text`, a changed string, to read again (into `out`, sorted and apart): each
/// replacement `landed` in it with [`REACH`] bytes each side, widened to whole
/// whitespace-delimited tokens, merged where they meet. `false`: read the whole string (it
/// is short, the windows cover most of it, a window edge is inside a token longer than
/// [`MAX_TOKEN`], or a window holds `-----`: a PEM block runs across whitespace for
/// kilobytes).
fn windows(text: &str, landed: &[Span], out: &mut Vec<Range<usize>>) -> bool {
    out.clear();
    let b = text.as_bytes();
    if b.len() < WINDOWED_FROM {
        return false;
    }
    let space = |i: usize| b.get(i).is_some_and(u8::is_ascii_whitespace);
    for l in landed {
        // Back to the start of the token holding `from`, on to the end of the one holding `to`.
        let (mut from, mut to) = (l.start.saturating_sub(REACH), (l.end + REACH).min(b.len()));
        let (lo, hi) = (
            from.saturating_sub(MAX_TOKEN),
            (to + MAX_TOKEN).min(b.len()),
        );
        while from > lo && !space(from - 1) {
            from -= 1;
        }
        while to < hi && !space(to) {
            to += 1;
        }
        if (from > 0 && !space(from - 1)) || (to < b.len() && !space(to)) {
            return false;
        }
        match out.last_mut() {
            Some(w) if w.end >= from => w.end = w.end.max(to),
            _ => out.push(from..to),
        }
    }
    // Windows that cover most of the string cost more than reading it whole.
    if out.iter().map(ExactSizeIterator::len).sum::<usize>() > b.len() / 4 * 3 {
        return false;
    }
    // Whitespace is ASCII: every edge is a char boundary.
    !out.iter()
        .any(|w| text.get(w.clone()).is_none_or(|t| t.contains("-----")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(list: &[(usize, usize)]) -> Vec<Span> {
        list.iter()
            .map(|&(start, end)| Span { start, end })
            .collect()
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn windows_take_reach_each_side_widened_to_whole_tokens_and_merged() {
        // Words of 9 bytes and a space: tokens start at multiples of 10, end at 10k + 9.
        let text = "abcdefghi ".repeat(20_000);
        let token_start = |i: usize| i - i % 10;
        let token_end = |i: usize| if i % 10 == 9 { i } else { i - i % 10 + 9 };
        let (a, far) = (3 * REACH + 5, 6 * REACH + 5);
        let mut out = Vec::new();
        assert!(windows(&text, &spans(&[(a, a + 7)]), &mut out));
        assert_eq!(out, vec![token_start(a - REACH)..token_end(a + 7 + REACH)]);
        // Two replacements closer than twice the reach: one window.
        assert!(windows(
            &text,
            &spans(&[(a, a + 7), (a + REACH, a + REACH)]),
            &mut out
        ));
        assert_eq!(out, vec![token_start(a - REACH)..token_end(a + 2 * REACH)]);
        // Far apart: two; at the edges of the text, clipped.
        assert!(windows(
            &text,
            &spans(&[(10, 17), (far, far), (199_990, 199_995)]),
            &mut out
        ));
        assert_eq!(
            out,
            [
                0..token_end(17 + REACH),
                token_start(far - REACH)..token_end(far + REACH),
                token_start(199_990 - REACH)..200_000
            ]
        );
    }

    #[test]
    fn short_strings_long_tokens_and_pem_blocks_are_read_whole() {
        let mut out = Vec::new();
        let short = "word ".repeat(WINDOWED_FROM / 5 - 1);
        assert!(!windows(&short, &spans(&[(10, 12)]), &mut out));
        // A window edge inside a token longer than MAX_TOKEN.
        let x = "x ".repeat(WINDOWED_FROM);
        let long = format!("{x}{}{x}", "a".repeat(MAX_TOKEN + 10));
        let at = x.len() - REACH + 5;
        assert!(!windows(&long, &spans(&[(at, at + 3)]), &mut out));
        // A token up to MAX_TOKEN long is taken whole.
        let glued = format!("{x}{} {x}", "a".repeat(MAX_TOKEN - 1));
        assert!(windows(&glued, &spans(&[(at, at + 1)]), &mut out));
        assert_eq!(out.last().map(|w| w.end), Some(x.len() + MAX_TOKEN - 1));
        let pem = format!("{x}-----BEGIN PRIVATE KEY-----{x}");
        assert!(!windows(&pem, &spans(&[(at, at + 1)]), &mut out));
        assert!(windows(&pem, &spans(&[(1000, 1001)]), &mut out));
    }
}
