//! Step 5, settle: a rewritten body is inspected again, until a round finds nothing more to
//! change. A placeholder can split a run of glued characters that the first round judged as
//! one token, or move a context word closer to a value; the next round sees what is left. A
//! round's own rescan of the strings it changed (and of their joins) spares the next round
//! when nothing is left, which is the rule; a rewrite that reshapes the body (a string that
//! now reads as JSON, a member name, a number that became a string) always gets a full round.
//! The rescan of a changed string reads only the windows around its replacements
//! (`reach.rs`: what any rule reads around a match is bounded) unless they cover most of it,
//! a window holds something new (then the string is read whole: a window's cut edges may
//! mislead), or the string is in a run of texts (its own findings explain its joins).

use std::ops::Range;

use super::assemble::{Docs, Plan};
use super::edit::Edited;
use super::join::Chain;
use super::reach;
use super::scan::{Hit, Scanner};
use super::{inspect_once, BodyOutcome, Context, Reading, Round, Verdict, MAX_ROUNDS};
use crate::config::{ActionTable, Policy};
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
    // The strings in a run of texts: their own findings explain their joins, read whole.
    let mut in_runs: Vec<usize> = plan
        .joins
        .iter()
        .flat_map(|j| [j.first, j.second])
        .collect();
    in_runs.sort_unstable();
    // None: a customer pattern with no prefix may reach across the whole string.
    let side = scanner.detectors().customer_reach().map(reach::side);
    for (k, (i, t)) in edited.changed.iter().enumerate() {
        let t = t.of(&edited.texts);
        let at = hits.len();
        let blob = plan.strings.get(*i).is_some_and(|s| s.blob);
        let seams = edited
            .seams_of
            .get(k)
            .cloned()
            .flatten()
            .and_then(|r| edited.seams.get(r));
        match plan.strings.get(*i).and_then(|s| s.name) {
            Some(n) => scanner.named(text(n), t, (n, *i), true, &mut hits),
            None if blob => {}
            None if in_runs.binary_search(i).is_err() && !scanner.read_far_apart(*i) => {
                if let Some(windows) = seams
                    .zip(side)
                    .and_then(|(s, side)| reach::windows(t, s, side))
                {
                    // Nothing new in the windows around the seams: nothing new anywhere.
                    // Something: read whole, as a window's cut edges may mislead.
                    if !windows
                        .into_iter()
                        .any(|w| scanner.any_live(t.get(w).unwrap_or(t)))
                    {
                        continue;
                    }
                }
                scanner.alone(t, *i, &mut hits);
            }
            None => scanner.alone(t, *i, &mut hits),
        }
        if hits.get(at..).unwrap_or_default().iter().any(|h| h.live) {
            return false;
        }
        own.push((*i, at..hits.len()));
    }
    // The runs of texts that hold a changed string, read across their joins: a neighbour
    // that did not change is read on its own again when the join needs it.
    let cached = |i: usize| {
        let k = own.binary_search_by_key(&i, |(s, _)| *s).ok()?;
        own.get(k).and_then(|(_, r)| hits.get(r.clone()))
    };
    let mut own_of = |scanner: &mut Scanner, i: usize| -> Vec<Hit> {
        if let Some(h) = cached(i) {
            return h.to_vec();
        }
        if plan.strings.get(i).is_some_and(|s| s.blob) {
            return Vec::new();
        }
        let mut out = Vec::new();
        scanner.alone(text(i), i, &mut out);
        out
    };
    let touched = |i: usize| new(i).is_some();
    for chain in Chain::all(plan, text) {
        if !chain.strings.iter().any(|&i| touched(i)) {
            continue;
        }
        let splits = scanner.chain(&chain, &mut own_of, &touched);
        if splits
            .iter()
            .any(|(_, pieces)| pieces.iter().any(|p| p.live))
        {
            return false;
        }
    }
    true
}
