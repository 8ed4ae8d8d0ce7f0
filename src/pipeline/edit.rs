//! Step 4, edit: render each change (one renderer per request, so pseudonyms are numbered
//! across it), apply the changes of each string to its decoded text, and splice the new text
//! into the string's raw bytes, the client's escapes kept outside the edits; a redacted
//! number becomes a string. Documents inside strings are spliced first, then re-encoded into
//! the string that holds them.
//!
//! A value split across strings is replaced in each: the first piece gets the replacement
//! of the whole value and the other pieces go (a `mask` keeps each piece's own share of the
//! masked value). Nothing else of either string changes.

use super::assemble::{Docs, Plan};
use super::choose::{Change, Chosen};
use super::reach;
use super::scan::Split;
use crate::config::{Action, ActionTable};
use crate::json::{self, escape_into, Limits, Span};
use crate::openai::walker::is_opaque_blob;
use crate::redact::{apply, apply_into, mask, Piece, Renderer};

/// What the edits of one round are.
#[derive(Debug, Default)]
pub(super) struct Edited {
    /// Per document: (span of a string or number token, its new raw text).
    pub edits: Vec<Vec<(Span, String)>>,
    /// Each changed string (an index into the plan's strings), by string, and where its new
    /// decoded text is in `texts`.
    pub changed: Vec<(usize, Span)>,
    /// For each changed string (same order): where its replacements are in its new text (an
    /// index range into `seams`), or None when a replaced value or its replacement holds a
    /// line break or a table delimiter (the change reshapes lines or cells: `reach.rs`).
    pub seams_of: Vec<Option<std::ops::Range<usize>>>,
    /// The replacements' spans in the new texts of their strings.
    pub seams: Vec<std::ops::Range<usize>>,
    /// The new decoded texts, one after the other.
    pub texts: String,
    /// A rewrite the next round walks differently (a string that now reads as JSON or a
    /// blob, a member name, a number that became a string): only a full round sees it.
    pub reshaped: bool,
}

/// Renders and applies `chosen` (numbers under `actions`).
pub(super) fn edit(
    docs: &Docs,
    plan: &Plan,
    chosen: &Chosen,
    actions: &ActionTable,
    renderer: &mut Renderer,
) -> Edited {
    let mut edited = Edited {
        edits: vec![Vec::new(); docs.docs.len()],
        ..Edited::default()
    };
    // The new texts take about what the old ones did: one allocation.
    let mut last = None;
    let old_len: usize = chosen
        .changes
        .iter()
        .filter(|c| last.replace(c.string) != Some(c.string))
        .map(|c| plan.text(c.string, docs).len() + 16)
        .sum();
    edited.texts.reserve(old_len);
    let mut pieces: Vec<Piece> = Vec::new();
    for group in chosen.changes.chunk_by(|a, b| a.string == b.string) {
        pieces.clear();
        let Some(string) = group.first().map(|c| c.string) else {
            continue;
        };
        let text = plan.text(string, docs);
        for c in group.iter().filter(|c| c.merged.action != Action::Allow) {
            let matched = text.get(c.merged.start..c.merged.end);
            debug_assert!(matched.is_some(), "a merged finding lies inside its string");
            let matched = matched.unwrap_or("");
            pieces.push(Piece {
                start: c.merged.start,
                end: c.merged.end,
                text: render(c, matched, &chosen.splits, renderer),
            });
        }
        if !pieces.is_empty() {
            edit_string(docs, plan, string, &pieces, &mut edited);
        }
    }
    edit_numbers(docs, chosen, actions, renderer, &mut edited);
    edited
}

/// Applies `pieces` to string `string`: its new text, and the splice of its raw bytes.
fn edit_string(docs: &Docs, plan: &Plan, string: usize, pieces: &[Piece], edited: &mut Edited) {
    let Some(s) = plan.strings.get(string) else {
        return;
    };
    let at = edited.texts.len();
    apply_into(plan.text(string, docs), pieces, &mut edited.texts);
    let span = Span {
        start: at,
        end: edited.texts.len(),
    };
    let new = span.of(&edited.texts);
    // Re-encoded, a string that now reads as JSON or as a base64 blob is walked differently
    // next round. (A string that merely starts with a placeholder, `[EMAIL] wrote`, is no
    // JSON.) A rewritten member name may now repeat another.
    let lead = new.trim_start();
    if (lead.starts_with(['{', '[']) && json::parse(new, &Limits::default()).is_ok())
        || is_opaque_blob(new)
        || s.key
    {
        edited.reshaped = true;
    }
    let raw = docs.docs.get(s.doc).map_or("", |d| s.str.span.of(&d.text));
    let encoded = rewritten_raw(
        raw,
        s.str.escaped,
        pieces.iter().map(|p| (p.start, p.end, p.text.as_str())),
        || new.to_owned(),
    );
    if let Some(e) = edited.edits.get_mut(s.doc) {
        e.push((s.str.span, encoded));
    }
    edited.changed.push((string, span));
    let seams = seams(plan.text(string, docs), pieces, &mut edited.seams);
    edited.seams_of.push(seams);
}

/// Appends where `pieces` (as [`apply_into`] applies them to `old`) are in the new text, and
/// returns their range in `out`; None when a replaced value or its replacement holds a line
/// break or a table delimiter, or a replacement may read as an encoded form.
fn seams(
    old: &str,
    pieces: &[Piece],
    out: &mut Vec<std::ops::Range<usize>>,
) -> Option<std::ops::Range<usize>> {
    let from = out.len();
    let reshapes = |t: &str| t.bytes().any(reach::shapes_lines);
    let (mut last, mut shift) = (0usize, 0isize);
    let mut local = true;
    for p in pieces {
        if p.start < last {
            continue;
        }
        local &= !reshapes(old.get(p.start..p.end).unwrap_or("\n"))
            && !reshapes(&p.text)
            && !reach::may_read_as_encoded(&p.text);
        let start = p.start.checked_add_signed(shift).unwrap_or(0);
        out.push(start..start + p.text.len());
        shift += p.text.len() as isize - (p.end - p.start) as isize;
        last = p.end;
    }
    local.then_some(from..out.len())
}

/// The replacement of change `c`, whose span holds `matched`.
fn render(c: &Change, matched: &str, splits: &[Split], renderer: &mut Renderer) -> String {
    let m = &c.merged;
    let Some((split, piece)) = c.split else {
        return renderer.render(m.rule, m.action, matched);
    };
    let Some(split) = splits.get(split) else {
        return renderer.render(m.rule, m.action, matched);
    };
    match m.action {
        Action::Mask { keep } => {
            // Mask the whole value, then give each piece its own characters (a mask keeps
            // one character for each).
            let masked = mask(&split.value, usize::from(keep));
            let value = split.value.as_str();
            let span = split.pieces.get(piece);
            let (before, own) = (
                span.and_then(|r| value.get(..r.start)),
                span.and_then(|r| value.get(r.clone())),
            );
            debug_assert!(
                before.is_some() && own.is_some(),
                "a piece lies in its value"
            );
            let chars = |b: Option<&str>| b.unwrap_or("").chars().count();
            masked
                .chars()
                .skip(chars(before))
                .take(chars(own))
                .collect()
        }
        _ if piece == 0 => renderer.render(m.rule, m.action, &split.value),
        _ => String::new(),
    }
}

/// Adds the edits of the redacted numbers: each becomes a string holding its replacement.
fn edit_numbers(
    docs: &Docs,
    chosen: &Chosen,
    actions: &ActionTable,
    renderer: &mut Renderer,
    edited: &mut Edited,
) {
    for (d, n, f) in &chosen.numbers {
        let action = actions.get(f.rule);
        if action == Action::Allow {
            continue;
        }
        let Some(doc) = docs.docs.get(*d) else {
            continue;
        };
        let Some(num) = doc.walk.numbers.get(*n) else {
            continue;
        };
        let replacement = renderer.render(f.rule, action, num.span.of(&doc.text));
        // Next round, the number is a string, scanned with its neighbours: only a full round
        // sees it where it will be.
        edited.reshaped = true;
        let mut encoded = String::from("\"");
        escape_into(&replacement, &mut encoded);
        encoded.push('"');
        if let Some(e) = edited.edits.get_mut(*d) {
            e.push((num.span, encoded));
        }
    }
}

/// Applies edits to every document, innermost first, and returns the new body (None when
/// there was nothing to change).
pub(super) fn splice(docs: &Docs, mut edits: Vec<Vec<(Span, String)>>) -> Option<Vec<u8>> {
    if edits.iter().all(Vec::is_empty) {
        return None;
    }
    let mut root_text = None;
    for d in (0..docs.docs.len()).rev() {
        let mut list = edits.get_mut(d).map(std::mem::take).unwrap_or_default();
        if list.is_empty() {
            continue;
        }
        let doc = docs.docs.get(d)?;
        match doc.parent {
            Some((p, span)) => {
                // The document is the decoded value of a string of its parent: its edits
                // are edits of that string's value.
                list.sort_by_key(|(s, _)| s.start);
                let encoded = rewritten_raw(
                    span.of(&docs.docs.get(p)?.text),
                    true,
                    list.iter().map(|(s, t)| (s.start, s.end, t.as_str())),
                    || splice_text(&doc.text, list.clone()),
                );
                edits.get_mut(p)?.push((span, encoded));
            }
            None => root_text = Some(splice_text(&doc.text, list)),
        }
    }
    root_text.map(String::into_bytes)
}

/// The new raw contents of a string (`raw`; `escaped`: it holds an escape) whose decoded
/// value gets `edits` (sorted; see [`json::splice_raw`]): the replacements go into the raw
/// bytes and the rest is copied as the client wrote it, escapes included. When an edit bound
/// does not map into the raw bytes, the edited value (`edited`) is encoded whole.
fn rewritten_raw<'t>(
    raw: &str,
    escaped: bool,
    edits: impl IntoIterator<Item = (usize, usize, &'t str)>,
    edited: impl FnOnce() -> String,
) -> String {
    json::splice_raw(raw, escaped, edits).unwrap_or_else(|| {
        let mut encoded = String::new();
        escape_into(&edited(), &mut encoded);
        encoded
    })
}

fn splice_text(text: &str, edits: Vec<(Span, String)>) -> String {
    let mut pieces: Vec<Piece> = edits
        .into_iter()
        .map(|(span, text)| Piece {
            start: span.start,
            end: span.end,
            text,
        })
        .collect();
    pieces.sort_by_key(|p| p.start);
    apply(text, &pieces)
}
