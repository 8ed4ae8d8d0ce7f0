//! One request body through the core, in five steps, each a module of its own:
//!
//! 1. [`assemble`] the texts: size cap, UTF-8, strict parse, the endpoint's shape, the walk of
//!    the body and of the JSON inside its strings (tool arguments, tool results, bounded), and
//!    the list of what is read: every string on its own, a caller's member name with each of
//!    its values, and the joins of adjacent message texts;
//! 2. [`scan`] them: a string's edges are the text's edges for every detector, so a finding
//!    never extends past the string it starts in; a value split across adjacent text parts of
//!    one message, or consecutive messages of one role, is found in a second pass over the
//!    windows around their joins (`join`), and only where no string explains it on its own;
//! 3. [`choose`] the actions: count, merge the findings of each string, refuse (`block`, too
//!    many findings) or go on;
//! 4. [`edit`]: render each replacement and splice it into the raw bytes of the string that
//!    holds it (a split value: each piece in its own string; a number becomes a string);
//! 5. [`settle`]: rescan what changed, and go round again until nothing more changes.
//!
//! No findings: the original bytes are forwarded untouched. With findings, everything else
//! (numbers, key order, whitespace, unknown fields, the rest of each string with its escapes,
//! every neighbouring string) reaches the upstream exactly as the client sent it. The
//! adapter's (and the CLI's) one entry into the core for a body; [`inspect_named`] is the
//! entry for named texts that are no body (a query string, a file name, a form field).

mod assemble;
mod choose;
mod edit;
mod join;
mod named;
mod reach;
mod scan;
mod settle;

pub(crate) use assemble::{shape_of, shape_ok};
pub use named::{inspect_named, NamedOutcome, NamedVerdict, NewTexts, Rewritten, Texts};
pub use settle::inspect_document;

use crate::config::{ActionTable, Policy};
use crate::detect::RuleIdx;
use crate::openai::facts::{self, Facts};
use crate::openai::surface::Shape;
use crate::openai::{Endpoint, Unscannable};
use crate::reason::Reason;
use crate::redact::Renderer;
use assemble::{Docs, Plan};
use choose::Choice;
use scan::Scanner;

/// Most merged findings redacted in one request; beyond, the request is refused (413).
pub const MAX_FINDINGS: usize = 100_000;

/// Rounds of redaction at most, the first included (the second one almost always finds
/// nothing, and most rewrites are settled by the first one's own rescan).
pub const MAX_ROUNDS: u32 = 4;

/// What to do with the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Forward the original bytes.
    Forward,
    /// Forward these bytes instead.
    Rewrite(Vec<u8>),
    /// Refuse the request.
    Deny(Reason),
}

/// Counts of findings, by rule and by action. Never the values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingCounts {
    /// (rule, count), in rule order, rules with no finding left out.
    pub by_rule: Vec<(RuleIdx, u32)>,
    /// (action name, count).
    pub by_action: Vec<(&'static str, u32)>,
}

impl FindingCounts {
    /// Total number of findings.
    pub fn total(&self) -> u32 {
        self.by_rule.iter().map(|(_, n)| *n).sum()
    }

    /// Adds `other`'s counts (keeping both lists sorted).
    pub fn add(&mut self, other: &FindingCounts) {
        fn add_into<K: Ord + Copy>(list: &mut Vec<(K, u32)>, more: &[(K, u32)]) {
            for &(k, n) in more {
                match list.binary_search_by(|(x, _)| x.cmp(&k)) {
                    Ok(i) => {
                        if let Some((_, m)) = list.get_mut(i) {
                            *m = m.saturating_add(n);
                        }
                    }
                    Err(i) => list.insert(i, (k, n)),
                }
            }
        }
        add_into(&mut self.by_rule, &other.by_rule);
        add_into(&mut self.by_action, &other.by_action);
    }
}

/// The result for one body: the verdict and what the record needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyOutcome {
    /// What to do (what `enforce` mode would do; the caller applies `audit` mode).
    pub verdict: Option<Verdict>,
    /// Findings.
    pub counts: FindingCounts,
    /// Facts read from the body (model, stream, store, ...).
    pub facts: Facts,
    /// What was not scanned, by kind (`data:` URLs and base64 blobs, token ids; files and
    /// the like for multipart bodies).
    pub unscannable: Unscannable,
    /// The placeholders of restoring `pseudonymize` rules, and their values (for the reply).
    pub minted: Vec<crate::restore::Minted>,
}

impl BodyOutcome {
    /// A denial for `reason`.
    pub fn deny(reason: Reason) -> Self {
        Self {
            verdict: Some(Verdict::Deny(reason)),
            ..Self::default()
        }
    }

    /// The verdict (`Forward` if unset).
    pub fn verdict(&self) -> &Verdict {
        self.verdict.as_ref().unwrap_or(&Verdict::Forward)
    }
}

/// What a JSON document is read as: the shape its top level must have, the operation's
/// top-level identifier members (sent as they are), and whether the API's structural keys
/// are the API's. The pipeline needs no more of an endpoint than this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The shape of the top level (any object for a document that is no API request body).
    pub shape: Shape,
    /// Top-level members whose string values are the API's identifiers (see
    /// [`crate::openai::surface::Operation::ids`]).
    pub ids: &'static [&'static str],
    /// An API request, or free-form JSON.
    pub kind: DocumentKind,
}

impl Reading {
    /// The request body of `endpoint`: its operation's shape and identifiers.
    pub fn request(endpoint: &Endpoint) -> Self {
        Self {
            shape: shape_of(endpoint),
            ids: endpoint.op.map_or(&[][..], |o| o.ids),
            kind: DocumentKind::Request,
        }
    }

    /// A JSON document that is not the body of a known operation (a JSONL line, a JSON form
    /// part): any object, no identifiers.
    pub fn document(kind: DocumentKind) -> Self {
        Self {
            shape: Shape::Object,
            ids: &[],
            kind,
        }
    }
}

/// What a JSON document is, for the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DocumentKind {
    /// An API request (a body, a batch line): the values of its structural keys (`model`,
    /// `role`, `type`, ids) are the API's and are not scanned.
    #[default]
    Request,
    /// Free-form JSON (a fine-tune or evals line): every string is scanned.
    FreeForm,
}

/// Inspects one JSON request body for `endpoint` under `actions` (the policy's table, or a
/// project's).
///
/// A rewritten body is inspected again, until a round finds nothing more to change (a
/// placeholder itself is never rewritten): see [`inspect_document`]. A body that has not
/// settled after [`MAX_ROUNDS`] is refused.
pub fn inspect_body(
    policy: &Policy,
    actions: &ActionTable,
    endpoint: &Endpoint,
    body: &[u8],
) -> BodyOutcome {
    inspect_body_in(policy, actions, endpoint, body, b"")
}

/// [`inspect_body`] with restored pseudonyms numbered within `scope` (the request's project);
/// the outcome keeps the placeholders minted for restoration.
pub fn inspect_body_in(
    policy: &Policy,
    actions: &ActionTable,
    endpoint: &Endpoint,
    body: &[u8],
    scope: &[u8],
) -> BodyOutcome {
    if body.len() as u64 > policy.max_body_bytes {
        return BodyOutcome::deny(Reason::BodyTooLarge);
    }
    let mut renderer = Renderer::new(policy.detectors.rules(), actions);
    renderer.set_scope(scope);
    let reading = Reading::request(endpoint);
    let mut outcome = inspect_document(policy, actions, reading, body, &mut renderer);
    outcome.minted = renderer.take_minted();
    outcome
}

/// What every round of one document is inspected under.
#[derive(Clone, Copy)]
struct Context<'a> {
    policy: &'a Policy,
    actions: &'a ActionTable,
    reading: Reading,
}

/// Which round of [`inspect_document`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    /// The client's body.
    First,
    /// The previous round's rewrite: `allow` findings (counted in the first round) and
    /// findings on a placeholder's own bytes no longer count.
    Later,
}

/// One round: the steps, in order. With a rewrite, the second value tells whether it is
/// settled: the rewritten strings, scanned again, hold nothing more to change (the next round
/// would read the same texts; this spares it when it can).
fn inspect_once(
    ctx: &Context,
    body: &[u8],
    renderer: &mut Renderer,
    round: Round,
) -> (BodyOutcome, bool) {
    let (src, root) = match assemble::parse(body, ctx.reading.shape) {
        Ok(parsed) => parsed,
        Err(reason) => return (BodyOutcome::deny(reason), false),
    };
    let docs = Docs::assemble(src, &root, ctx.reading.kind, ctx.reading.ids);
    let plan = Plan::of(&docs);
    let mut outcome = BodyOutcome {
        facts: facts::read(src, &root),
        unscannable: docs.unscannable,
        ..BodyOutcome::default()
    };
    let mut scanner = Scanner::new(&ctx.policy.detectors, ctx.actions, round);
    let found = scanner.scan(&docs, &plan);
    let (counts, choice) = choose::choose(found, ctx.actions);
    outcome.counts = counts;
    let chosen = match choice {
        Choice::Forward => {
            outcome.verdict = Some(Verdict::Forward);
            return (outcome, false);
        }
        Choice::Deny(reason) => {
            outcome.verdict = Some(Verdict::Deny(reason));
            return (outcome, false);
        }
        Choice::Edit(chosen) => chosen,
    };
    let edited = edit::edit(&docs, &plan, &chosen, ctx.actions, renderer);
    let settled = settle::is_settled(&mut scanner.later(), &docs, &plan, &edited);
    outcome.verdict = Some(match edit::splice(&docs, edited.edits) {
        Some(bytes) => Verdict::Rewrite(bytes),
        None => Verdict::Forward,
    });
    (outcome, settled)
}
