//! Step 3, choose the actions: count the findings (a value split across two strings once),
//! merge the overlapping findings of each string, and decide: nothing to change, refuse (a
//! `block` finding, or more than [`MAX_FINDINGS`]), or edit.

use super::scan::{Found, Hit, NumberHit, Split};
use super::{FindingCounts, MAX_FINDINGS};
use crate::config::{Action, ActionTable};
use crate::detect::{Finding, RuleIdx};
use crate::reason::Reason;
use crate::redact::{merge_into, Merged};

/// A merged finding of one string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Change {
    /// The string (an index into the plan's strings).
    pub string: usize,
    pub merged: Merged,
    /// When the change is exactly one piece of a split value: (split, piece index).
    pub split: Option<(usize, usize)>,
}

/// What the edit step gets.
#[derive(Debug)]
pub(super) struct Chosen {
    /// Merged findings, by string and start.
    pub changes: Vec<Change>,
    pub splits: Vec<Split>,
    pub numbers: Vec<NumberHit>,
}

/// What to do with the round's findings.
#[derive(Debug)]
pub(super) enum Choice {
    Forward,
    Deny(Reason),
    Edit(Chosen),
}

/// Counts `found` and chooses what to do with it under `actions`.
pub(super) fn choose(found: Found, actions: &ActionTable) -> (FindingCounts, Choice) {
    let Found {
        mut hits,
        splits,
        numbers,
    } = found;
    if hits.is_empty() && numbers.is_empty() {
        return (FindingCounts::default(), Choice::Forward);
    }
    hits.sort_unstable_by_key(|h| (h.string, h.start, h.end, h.rule));
    hits.dedup_by_key(|h| (h.string, h.start, h.end, h.rule));
    // A split value counts once, by its first piece.
    let rules = hits
        .iter()
        .filter(|h| h.split.is_none_or(|(_, piece)| piece == 0))
        .map(|h| h.rule)
        .chain(numbers.iter().map(|(_, _, f)| f.rule));
    let counts = count(rules, actions);
    let changes = merge_strings(&hits, actions);
    if changes.len() + numbers.len() > MAX_FINDINGS {
        return (counts, Choice::Deny(Reason::TooManyFindings));
    }
    let blocked = changes.iter().any(|c| c.merged.action == Action::Block)
        || numbers
            .iter()
            .any(|(_, _, f)| actions.get(f.rule) == Action::Block);
    if blocked {
        return (counts, Choice::Deny(Reason::ContentBlocked));
    }
    let chosen = Chosen {
        changes,
        splits,
        numbers,
    };
    (counts, Choice::Edit(chosen))
}

/// The merged findings of each string (`hits` sorted by string).
fn merge_strings(hits: &[Hit], actions: &ActionTable) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut merged = Vec::new();
    for group in hits.chunk_by(|a, b| a.string == b.string) {
        let Some(string) = group.first().map(|h| h.string) else {
            continue;
        };
        findings.clear();
        findings.extend(group.iter().map(|h| Finding {
            start: h.start,
            end: h.end,
            rule: h.rule,
        }));
        // (A string holds at most two pieces: one at its start, one at its end.)
        let pieces: Vec<&Hit> = group.iter().filter(|h| h.split.is_some()).collect();
        merge_into(&mut findings, actions, &mut merged);
        for &merged in &merged {
            // A piece of a split value, alone in its span, is rendered from the whole value.
            let split = pieces
                .iter()
                .find(|h| (h.start, h.end, h.rule) == (merged.start, merged.end, merged.rule))
                .and_then(|h| h.split);
            changes.push(Change {
                string,
                merged,
                split,
            });
        }
    }
    changes
}

fn count(rules: impl Iterator<Item = RuleIdx>, actions: &ActionTable) -> FindingCounts {
    let mut by_rule: Vec<(RuleIdx, u32)> = Vec::new();
    let mut by_action: Vec<(&'static str, u32)> = Vec::new();
    for rule in rules {
        match by_rule.iter_mut().find(|(r, _)| *r == rule) {
            Some((_, n)) => *n += 1,
            None => by_rule.push((rule, 1)),
        }
        let a = actions.get(rule).as_str();
        match by_action.iter_mut().find(|(x, _)| *x == a) {
            Some((_, n)) => *n += 1,
            None => by_action.push((a, 1)),
        }
    }
    by_rule.sort_unstable();
    by_action.sort_unstable();
    FindingCounts { by_rule, by_action }
}
