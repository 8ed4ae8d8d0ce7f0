//! One request body through the core: size cap → UTF-8 → strict parse → shape check → walk →
//! detect → act → splice. The adapter's (and the CLI's) one entry into the core for a body.
//!
//! No findings: the original bytes are forwarded untouched. With findings, each replacement
//! is encoded and spliced into the raw bytes of the string that holds it (a number becomes a
//! string), so everything else (numbers, key order, whitespace, unknown fields, the rest of
//! the string with its escapes) reaches the upstream exactly as the client sent it. JSON
//! inside a string (tool arguments, tool results) is decoded and scanned, to a bounded
//! nesting; each of its strings that changes is written anew and spliced into the outer
//! string's raw bytes the same way.

use std::borrow::Cow;

use crate::config::{Action, ActionTable, Policy};
use crate::detect::{inside_placeholder, Finding, RuleIdx, Scratch};
use crate::json::{self, escape_into, JsonErrorKind, Limits, Span, Value};
use crate::openai::facts::{self, Facts};
use crate::openai::surface::{Body, Shape};
use crate::openai::walker::{is_opaque_blob, walk_with, TextSeg, Walk};
use crate::openai::{ApiKind, Endpoint, Unscannable};
use crate::policy::Reason;
use crate::redact::{apply, apply_into, merge, Piece, Renderer};

/// JSON strings nested inside JSON strings are decoded at most this deep.
const MAX_EMBEDDED_JSON: u8 = 2;
/// Most merged findings redacted in one request; beyond, the request is refused (413).
pub const MAX_FINDINGS: usize = 100_000;

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

/// Inspects one JSON request body for `endpoint` under `actions` (the policy's table, or a
/// project's).
///
/// A rewritten body is inspected again, until a round finds nothing more to change (a
/// placeholder itself is never rewritten). A placeholder can split a run of glued characters
/// that the first round judged as one token, or move a context word closer to a value; the
/// next round sees what is left. The rounds share one renderer, so
/// pseudonym numbers go on counting. A body that has not settled after [`MAX_ROUNDS`] is
/// refused.
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
    let mut outcome = inspect_document(
        policy,
        actions,
        endpoint,
        body,
        DocumentKind::Request,
        &mut renderer,
    );
    outcome.minted = renderer.take_minted();
    outcome
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

/// [`inspect_body`] for one of several JSON documents of a request (the lines of an uploaded
/// JSONL file), without the size cap: they share `renderer`, so pseudonyms are numbered per
/// request.
pub fn inspect_document(
    policy: &Policy,
    actions: &ActionTable,
    endpoint: &Endpoint,
    body: &[u8],
    kind: DocumentKind,
    renderer: &mut Renderer,
) -> BodyOutcome {
    let mut settled = false;
    let ctx = Context {
        policy,
        actions,
        endpoint,
        kind,
    };
    let mut outcome = inspect_once(&ctx, body, renderer, Round::First, &mut settled);
    let mut round = 1;
    while let Some(Verdict::Rewrite(bytes)) = &outcome.verdict {
        if settled {
            break;
        }
        // Later rounds skip the size cap (placeholders may be longer than the values), `allow`
        // findings (counted once, in the first round; they change nothing) and findings on a
        // placeholder's own bytes.
        let mut next_settled = false;
        let next = inspect_once(&ctx, bytes, renderer, Round::Later, &mut next_settled);
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

/// A finding that starts in a member name (or the `": "` after it) and runs on into the value
/// that goes with the name (`password: hunter2` under a customer pattern) is the value's: it
/// starts where the value does. The name only introduced it; rendered from the name too, a
/// `mask` would write the name into the value, and a placeholder after a name the pattern
/// still matches would never settle.
fn clip_to_values(findings: &mut [Finding], segs: &[StreamSeg]) {
    if !segs.iter().any(|s| s.text.named) {
        return;
    }
    for f in findings.iter_mut() {
        let i = segs.partition_point(|s| s.end <= f.start);
        // The name the finding starts in (or just after), and the named value after it.
        let name = match segs.get(i) {
            Some(s) if s.text.key && s.start <= f.start => Some(i),
            Some(s) if s.text.named && f.start < s.start => i.checked_sub(1),
            _ => None,
        };
        let value = name.and_then(|n| segs.get(n + 1)).filter(|v| v.text.named);
        if let Some(v) = value {
            if f.end > v.start {
                f.start = v.start;
            }
        }
    }
}

/// Appends `seg` of document `d` to the stream, decoded.
fn push_seg(text: &mut String, segs: &mut Vec<StreamSeg>, d: usize, doc: &Doc, seg: &TextSeg) {
    let start = text.len();
    seg.str.decode_into(&doc.text, text);
    segs.push(StreamSeg {
        doc: d,
        text: *seg,
        start,
        end: text.len(),
    });
}

/// The endpoint a generic JSON document is inspected under (no endpoint shape): a JSONL
/// line, an upload's file-name wrapper, a query string's pairs. Built once per VM (it is
/// asked for per line and per query string).
pub fn document_endpoint() -> &'static Endpoint {
    static ENDPOINT: std::sync::OnceLock<Endpoint> = std::sync::OnceLock::new();
    ENDPOINT.get_or_init(|| Endpoint {
        kind: ApiKind::Files,
        route: "/v1/files".into(),
        op: None,
        azure: None,
        deployment: None,
    })
}

/// Rounds of redaction at most, the first included (the second one almost always finds
/// nothing, and most rewrites are settled by the first one's own rescan).
pub const MAX_ROUNDS: u32 = 4;

/// What every round of one document is inspected under.
#[derive(Clone, Copy)]
struct Context<'a> {
    policy: &'a Policy,
    actions: &'a ActionTable,
    endpoint: &'a Endpoint,
    kind: DocumentKind,
}

/// Which round of [`inspect_body`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    /// The client's body.
    First,
    /// The previous round's rewrite.
    Later,
}

/// One round: parse, walk, scan, render, splice. With a rewrite, `settled` tells whether it
/// is settled: the rewritten text, scanned again before it is encoded, holds nothing more to
/// change (the next round would parse the rewrite to the same text; this skips that when it
/// can).
fn inspect_once(
    ctx: &Context,
    body: &[u8],
    renderer: &mut Renderer,
    round: Round,
    settled: &mut bool,
) -> BodyOutcome {
    let Context {
        policy,
        actions,
        endpoint,
        kind,
    } = *ctx;
    let Ok(src) = std::str::from_utf8(body) else {
        return BodyOutcome::deny(Reason::InvalidJson);
    };
    let limits = Limits::default();
    let root = match json::parse(src, &limits) {
        Ok(v) => v,
        Err(e) => return BodyOutcome::deny(json_reason(e.kind)),
    };
    if !shape_ok(src, &root, shape_of(endpoint)) {
        return BodyOutcome::deny(Reason::InvalidBody);
    }
    let mut outcome = BodyOutcome {
        facts: facts::read(src, &root),
        ..BodyOutcome::default()
    };

    let mut docs = Docs {
        kind,
        ids: endpoint.op.map_or(&[], |o| o.ids),
        ..Docs::default()
    };
    docs.add(Cow::Borrowed(src), None, &root, 0, &limits);
    outcome.unscannable = docs.unscannable;

    // Scan all text as one stream; numbers one by one.
    let stream = docs.stream();
    let mut findings = Vec::new();
    let mut scratch = Scratch::default();
    policy
        .detectors
        .scan(&stream.text, &mut scratch, &mut findings);
    clip_to_values(&mut findings, &stream.segs);
    let mut number_findings: Vec<(usize, usize, Finding)> = Vec::new();
    for (d, doc) in docs.docs.iter().enumerate() {
        for (n, num) in doc.walk.numbers.iter().enumerate() {
            let key = num.key.map(|k| k.decode(&doc.text));
            let mut found = Vec::new();
            policy
                .detectors
                .scan_number(num.span.of(&doc.text), key.as_deref(), &mut found);
            number_findings.extend(found.into_iter().map(|f| (d, n, f)));
        }
    }
    if round == Round::Later {
        findings.retain(|f| counts_again(f, &stream.text, actions));
        number_findings.retain(|(_, _, f)| actions.get(f.rule) != Action::Allow);
    }
    if findings.is_empty() && number_findings.is_empty() {
        outcome.verdict = Some(Verdict::Forward);
        return outcome;
    }

    outcome.counts = count(
        findings
            .iter()
            .chain(number_findings.iter().map(|(_, _, f)| f)),
        actions,
    );
    let merged = merge(&mut findings, actions);
    if merged.len() + number_findings.len() > MAX_FINDINGS {
        outcome.verdict = Some(Verdict::Deny(Reason::TooManyFindings));
        return outcome;
    }
    let blocked = merged.iter().any(|m| m.action == Action::Block)
        || number_findings
            .iter()
            .any(|(_, _, f)| actions.get(f.rule) == Action::Block);
    if blocked {
        outcome.verdict = Some(Verdict::Deny(Reason::ContentBlocked));
        return outcome;
    }

    // Render every replacement into per-string pieces.
    let mut pieces: Vec<Vec<Piece>> = vec![Vec::new(); stream.segs.len()];
    for m in merged.iter().filter(|m| m.action != Action::Allow) {
        let matched = stream.text.get(m.start..m.end).unwrap_or("");
        let replacement = renderer.render(m.rule, m.action, matched);
        let first = stream.segs.partition_point(|s| s.end <= m.start);
        let covered = || {
            stream
                .segs
                .iter()
                .enumerate()
                .skip(first)
                .take_while(|(_, seg)| seg.start < m.end)
                .filter(|(_, seg)| m.start.max(seg.start) < m.end.min(seg.end))
        };
        // A member name, and a value that goes with its name, is changed only by a finding
        // that starts within it. One that merely runs on into the names (a PEM block with no
        // END line runs across newlines) stops before them, unless it covers names alone:
        // then it takes them as it takes values. Whatever they hold of their own, the rescan
        // below finds.
        let within = |i: usize, seg: &StreamSeg| {
            let spared = seg.text.key
                || (seg.text.named
                    && i.checked_sub(1)
                        .and_then(|n| stream.segs.get(n))
                        .is_some_and(|name| m.start < name.start));
            !spared || (seg.start <= m.start && m.end <= seg.end)
        };
        let spare_names = covered().any(|(i, seg)| within(i, seg));
        let mut text = Some(replacement);
        for (i, seg) in covered() {
            if spare_names && !within(i, seg) {
                continue;
            }
            let (s, e) = (m.start.max(seg.start), m.end.min(seg.end));
            if let Some(list) = pieces.get_mut(i) {
                list.push(Piece {
                    start: s - seg.start,
                    end: e - seg.start,
                    text: text.take().unwrap_or_default(),
                });
            }
        }
    }
    let mut edits: Vec<Vec<(Span, String)>> = vec![Vec::new(); docs.docs.len()];
    // The stream as the next round would see it: redacted strings in place of the originals.
    let mut next_text = String::with_capacity(stream.text.len());
    let mut reshaped = false;
    let mut copied = 0;
    for (seg, list) in stream.segs.iter().zip(&pieces) {
        if list.is_empty() {
            continue;
        }
        next_text.push_str(stream.text.get(copied..seg.start).unwrap_or(""));
        copied = seg.end;
        let at = next_text.len();
        apply_into(
            stream.text.get(seg.start..seg.end).unwrap_or(""),
            list,
            &mut next_text,
        );
        let redacted = next_text.get(at..).unwrap_or("");
        // Re-encoded, a string that now reads as JSON or as a base64 blob is walked
        // differently next round: only a full round sees that.
        // (A string that merely starts with a placeholder, `[EMAIL] wrote`, is no JSON.)
        // A rewritten member name may now repeat another: a full round parses it again.
        let lead = redacted.trim_start();
        if (lead.starts_with(['{', '[']) && json::parse(redacted, &limits).is_ok())
            || is_opaque_blob(redacted)
            || seg.text.key
        {
            reshaped = true;
        }
        let raw = docs
            .docs
            .get(seg.doc)
            .map_or("", |doc| seg.text.str.span.of(&doc.text));
        let encoded = rewritten_raw(
            raw,
            seg.text.str.escaped,
            list.iter().map(|p| (p.start, p.end, p.text.as_str())),
            || redacted.to_owned(),
        );
        if let Some(e) = edits.get_mut(seg.doc) {
            e.push((seg.text.str.span, encoded));
        }
    }
    next_text.push_str(stream.text.get(copied..).unwrap_or(""));
    for (d, n, f) in &number_findings {
        let action = actions.get(f.rule);
        if action == Action::Allow {
            continue;
        }
        let Some(num) = docs.docs.get(*d).and_then(|doc| doc.walk.numbers.get(*n)) else {
            continue;
        };
        let raw = docs
            .docs
            .get(*d)
            .map(|doc| num.span.of(&doc.text))
            .unwrap_or("");
        let replacement = renderer.render(f.rule, action, raw);
        // Next round, the number is a string, scanned with its neighbours: only a full round
        // sees it where it will be.
        reshaped = true;
        let mut encoded = String::from("\"");
        escape_into(&replacement, &mut encoded);
        encoded.push('"');
        if let Some(e) = edits.get_mut(*d) {
            e.push((num.span, encoded));
        }
    }
    if !reshaped {
        findings.clear();
        policy
            .detectors
            .scan(&next_text, &mut scratch, &mut findings);
        *settled = !findings
            .iter()
            .any(|f| counts_again(f, &next_text, actions));
    }
    match docs.splice(edits) {
        Some(bytes) => outcome.verdict = Some(Verdict::Rewrite(bytes)),
        None => outcome.verdict = Some(Verdict::Forward),
    }
    outcome
}

/// Whether a finding of a later round changes anything: not `allow` (counted once, in the
/// first round), not a `mask` of a value already masked, and not within a placeholder's own
/// bytes (a keyword list with the term `acme` matches the label of `[ACME]`; rewriting a
/// placeholder would never settle). A finding that spans a placeholder and text beside it is
/// new: the next round takes it.
fn counts_again(f: &Finding, text: &str, actions: &ActionTable) -> bool {
    let action = actions.get(f.rule);
    // A value already masked stays as it is: nothing to change.
    if let (Action::Mask { keep }, Some(m)) = (action, text.get(f.start..f.end)) {
        if crate::redact::mask(m, usize::from(keep)) == m {
            return false;
        }
    }
    action != Action::Allow && !inside_placeholder(text.as_bytes(), f.start, f.end)
}

fn json_reason(kind: JsonErrorKind) -> Reason {
    match kind {
        JsonErrorKind::TooDeep => Reason::JsonTooDeep,
        JsonErrorKind::DuplicateKey => Reason::DuplicateJsonKey,
        JsonErrorKind::Syntax | JsonErrorKind::LoneSurrogate | JsonErrorKind::TrailingData => {
            Reason::InvalidJson
        }
    }
}

/// The shape a JSON body of `endpoint` must have: its operation's (an update is judged by its
/// own shape, not by its API's create request), else any object.
pub(crate) fn shape_of(endpoint: &Endpoint) -> Shape {
    endpoint
        .body()
        .and_then(Body::json)
        .unwrap_or(Shape::Object)
}

/// The top level is an object, and the field that carries the operation's text has a type
/// the operation takes.
pub(crate) fn shape_ok(src: &str, root: &Value, shape: Shape) -> bool {
    if !matches!(root, Value::Object(_)) {
        return false;
    }
    let text_or_list = |k: &str, required: bool| match root.get(src, k) {
        None => !required,
        Some(Value::String(_) | Value::Array(_)) => true,
        Some(_) => false,
    };
    match shape {
        Shape::Chat => matches!(root.get(src, "messages"), Some(Value::Array(_))),
        Shape::Responses => text_or_list("input", false),
        Shape::Completions => text_or_list("prompt", false),
        Shape::Embeddings | Shape::Moderations => text_or_list("input", true),
        Shape::Object => true,
    }
}

fn count<'a>(findings: impl Iterator<Item = &'a Finding>, actions: &ActionTable) -> FindingCounts {
    let mut by_rule: Vec<(RuleIdx, u32)> = Vec::new();
    let mut by_action: Vec<(&'static str, u32)> = Vec::new();
    let mut seen: Vec<&Finding> = findings.collect();
    seen.sort_unstable();
    seen.dedup();
    for f in seen {
        match by_rule.iter_mut().find(|(r, _)| *r == f.rule) {
            Some((_, n)) => *n += 1,
            None => by_rule.push((f.rule, 1)),
        }
        let a = actions.get(f.rule).as_str();
        match by_action.iter_mut().find(|(x, _)| *x == a) {
            Some((_, n)) => *n += 1,
            None => by_action.push((a, 1)),
        }
    }
    by_rule.sort_unstable();
    by_action.sort_unstable();
    FindingCounts { by_rule, by_action }
}

/// One JSON document: the body (index 0) or a JSON text found inside a string of a parent.
struct Doc<'a> {
    /// The body itself (borrowed) or a JSON text decoded from a string of a parent.
    text: Cow<'a, str>,
    /// (parent doc, span of the string in the parent that holds this document).
    parent: Option<(usize, Span)>,
    walk: Walk,
    /// Indices into `walk.texts` that hold an embedded document (not scanned as text).
    containers: Vec<usize>,
}

#[derive(Default)]
struct Docs<'a> {
    docs: Vec<Doc<'a>>,
    unscannable: Unscannable,
    /// The top-level identifier members of the operation (sent as they are).
    ids: &'static [&'static str],
    /// What the first document is (documents inside its strings are free-form).
    kind: DocumentKind,
}

/// A string's place in the scanned stream.
struct StreamSeg {
    doc: usize,
    text: TextSeg,
    start: usize,
    end: usize,
}

struct Stream {
    text: String,
    segs: Vec<StreamSeg>,
}

impl<'a> Docs<'a> {
    /// Adds a document and, recursively (bounded), the JSON documents inside its strings.
    fn add(
        &mut self,
        text: Cow<'a, str>,
        parent: Option<(usize, Span)>,
        root: &Value,
        nesting: u8,
        limits: &Limits,
    ) {
        let mut w = Walk::default();
        // JSON inside a string is no API request: its `id` or `type` may hold anything.
        let api_keys = self.kind == DocumentKind::Request && nesting == 0;
        walk_with(&text, root, api_keys, self.ids, &mut w);
        self.unscannable.add(&w.unscannable);
        let index = self.docs.len();
        let mut embedded: Vec<(usize, String, Value)> = Vec::new();
        if nesting < MAX_EMBEDDED_JSON {
            for (i, seg) in w.texts.iter().enumerate() {
                // A member name that reads as JSON is scanned as text: as a document of its
                // own, a rewrite of it (`["[EMAIL]"]`) could repeat another name unnoticed.
                if seg.key || !may_hold_json(seg.str.span.of(&text)) {
                    continue;
                }
                let decoded = seg.str.decode(&text);
                if let Ok(v) = json::parse(&decoded, limits) {
                    embedded.push((i, decoded.into_owned(), v));
                }
            }
        }
        let containers = embedded.iter().map(|(i, _, _)| *i).collect();
        let spans: Vec<Span> = embedded
            .iter()
            .filter_map(|(i, _, _)| w.texts.get(*i).map(|s| s.str.span))
            .collect();
        self.docs.push(Doc {
            text,
            parent,
            walk: w,
            containers,
        });
        for ((_, inner, v), span) in embedded.into_iter().zip(spans) {
            self.add(
                Cow::Owned(inner),
                Some((index, span)),
                &v,
                nesting + 1,
                limits,
            );
        }
    }

    /// Every scannable string of every document, decoded and joined: parts of one group with
    /// nothing between them, other strings with a newline. Member names come after all the
    /// values: a name between two parts of a message (`{"text":"4111 1111","x":0},{"text":
    /// " 1111 1111"}`) would break the join that finds a value split across them.
    fn stream(&self) -> Stream {
        let mut text = String::new();
        let mut segs = Vec::new();
        let mut last: Option<(usize, u32, bool)> = None;
        for names in [false, true] {
            self.stream_into(names, &mut text, &mut segs, &mut last);
        }
        Stream { text, segs }
    }

    /// Appends the values (`names` false) or the member names of every document to the
    /// stream.
    fn stream_into(
        &self,
        names: bool,
        text: &mut String,
        segs: &mut Vec<StreamSeg>,
        last: &mut Option<(usize, u32, bool)>,
    ) {
        for (d, doc) in self.docs.iter().enumerate() {
            // `containers` is sorted (pushed in text order): a linear `contains` here made a
            // body of many small JSON-in-string values quadratic.
            let scanned = |i: usize| doc.containers.binary_search(&i).is_err();
            for (i, seg) in doc.walk.texts.iter().enumerate() {
                // A named value goes with its name (below).
                if seg.key != names || seg.named || !scanned(i) {
                    continue;
                }
                // Parts of one message: nothing between them. Conversation text of different
                // messages: a space, so a value split across two messages is found. Anything
                // else: a newline, which no detector matches across.
                match *last {
                    Some((ld, lg, _)) if (ld, lg) == (d, seg.group) => {}
                    Some((_, _, true)) if seg.flow => text.push(' '),
                    Some(_) => text.push('\n'),
                    None => {}
                }
                *last = Some((d, seg.group, seg.flow));
                push_seg(text, segs, d, doc, seg);
                // A caller's name, then its string value on the same line (`ssn: 536225921`,
                // `password: ...`): the name introduces the value as it would in prose. Each
                // further string of a list gets a line of its own with a copy of the name
                // before it (context only: the name itself is the one segment above).
                if !seg.key {
                    continue;
                }
                let mut first = true;
                for (j, value) in doc.walk.texts.iter().enumerate().skip(i + 1) {
                    if !value.named {
                        break;
                    }
                    if !scanned(j) {
                        continue;
                    }
                    if !first {
                        text.push('\n');
                        seg.str.decode_into(&doc.text, text);
                    }
                    first = false;
                    text.push_str(": ");
                    push_seg(text, segs, d, doc, value);
                    *last = Some((d, value.group, false));
                }
            }
        }
    }

    /// Applies edits to every document, innermost first, and returns the new body (None when
    /// there was nothing to change).
    fn splice(&self, mut edits: Vec<Vec<(Span, String)>>) -> Option<Vec<u8>> {
        if edits.iter().all(Vec::is_empty) {
            return None;
        }
        let mut root_text = None;
        for d in (0..self.docs.len()).rev() {
            let list = edits.get_mut(d).map(std::mem::take).unwrap_or_default();
            if list.is_empty() {
                continue;
            }
            let doc = self.docs.get(d)?;
            match doc.parent {
                Some((p, span)) => {
                    // The document is the decoded value of a string of its parent: its edits
                    // are edits of that string's value.
                    let mut list = list;
                    list.sort_by_key(|(s, _)| s.start);
                    let encoded = rewritten_raw(
                        span.of(&self.docs.get(p)?.text),
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
}

/// Whether the raw contents of a string start, after whitespace, with `{` or `[`, either raw
/// or as an escape (`\n`, `\u0020`, `\u007b`): only those are parsed as embedded JSON. A brace
/// hidden behind an escape is the same JSON once decoded (and after a rewrite, which keeps
/// the client's escapes outside its edits), so it is treated the same.
fn may_hold_json(raw: &str) -> bool {
    let mut i = 0;
    loop {
        let rest = raw.as_bytes().get(i..).unwrap_or(&[]);
        match rest {
            [b' ' | b'\t' | b'\n' | b'\r', ..] => i += 1,
            [b'\\', b'n' | b'r' | b't', ..] => i += 2,
            [b'\\', b'u', ..] => match json::hex4(raw, i + 2) {
                Some(0x20 | 0x09 | 0x0A | 0x0D) => i += 6,
                Some(0x7B | 0x5B) => return true,
                _ => return false,
            },
            [b'{' | b'[', ..] => return true,
            _ => return false,
        }
    }
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
