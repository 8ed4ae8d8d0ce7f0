//! One request/response exchange as a host-independent state machine. The adapter feeds it
//! what the host delivers (headers as byte pairs, body sizes, the body once, response headers
//! and chunks) and carries out the [`Step`] it returns; all decisions live here, so they are
//! tested natively without a proxy.

use crate::audit::{rfc3339_millis, AuditRecord, Decision, SafeId};
use crate::coding::narrow_accept_encoding;
use crate::config::{AcceptEncoding, ActionTable, Mode, Policy, Project, UnscannablePolicy};
use crate::openai::surface::{Body, Form, Shape};
use crate::openai::{ApiKind, Endpoint};
use crate::pipeline::{inspect_body_in, BodyOutcome, Verdict};
use crate::policy::head::{self, BodyRead, HeaderPairs};
use crate::policy::hygiene::PolicyHeaders;
use crate::policy::retention::{self, BodyChange};
use crate::policy::throttle::{self, Admission, SharedStore};
use crate::policy::{error_body, hygiene, project, Reason};
use crate::policy::{gate, source};
use crate::query::inspect_query;
use crate::restore::{Restorer, Table};
use crate::upload::form::{inspect_form, sdp_offer};
use crate::upload::inspect_upload_to;
use crate::usage::UsageReader;
use std::rc::Rc;

/// What the adapter must do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Let the request go on.
    Continue,
    /// Hold the request (more body to come).
    Pause,
    /// The whole body is buffered: read `size` bytes and call [`Exchange::decide_body`].
    ReadBody {
        /// Bytes to read from the start of the buffered body.
        size: usize,
    },
    /// Replace the buffered body (of `size` bytes) with `bytes`, set `content-length`, go on.
    ReplaceBody {
        /// Bytes of the buffered body to replace.
        size: usize,
        /// The new body.
        bytes: Vec<u8>,
    },
    /// Set (`Some`) or remove (`None`) a request header, then carry out `then`.
    SetRequestHeader {
        /// Lower-case header name.
        name: String,
        /// The value; `None` removes the header.
        value: Option<String>,
        /// The step to carry out next.
        then: Box<Step>,
    },
    /// Send this local reply; nothing goes upstream.
    Reply {
        /// HTTP status.
        status: u16,
        /// OpenAI-shaped JSON error body.
        body: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Head,
    Body,
    Done,
}

/// One exchange.
#[derive(Debug)]
pub struct Exchange {
    policy: Option<Rc<Policy>>,
    stage: Stage,
    record: AuditRecord,
    start_ms: u64,
    declared_len: Option<u64>,
    endpoint: Option<Endpoint>,
    /// How the body is read (JSON, a form with its boundary, ...).
    read: BodyRead,
    body_size: usize,
    denied: bool,
    /// The mode in force: the project's, else the policy's.
    mode: Mode,
    /// The body cap in force: the project's, else the policy's.
    max_body_bytes: u64,
    /// The project (index into the register) once resolved.
    project: Option<usize>,
    /// The model the Azure deployment in the path serves.
    deployment_model: Option<String>,
    /// The request headers reached the filter. A stream Envoy ends before that (a WebSocket
    /// upgrade on a listener that takes none) was never seen: it has no record.
    seen: bool,
    /// The `OpenAI-Project` header as sent: restored pseudonyms are numbered within it.
    scope: Vec<u8>,
    /// The placeholders the forwarded body carries for restoration (until the reply).
    restore_table: Option<Table>,
    response: ResponseState,
    /// Gateway controls: the shared store of the throttles, the downstream address, and what
    /// a rate-limited reply and the token charge need.
    controls: ControlState,
}

/// What the gateway controls keep for one exchange.
#[derive(Default)]
struct ControlState {
    store: Option<Rc<dyn SharedStore>>,
    downstream: Option<Vec<u8>>,
    /// Seconds of the `Retry-After` of a rate-limited reply.
    retry_after_s: Option<u64>,
    /// The tokens of the reply were charged (or there was nothing to charge).
    charged: bool,
}

impl std::fmt::Debug for ControlState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlState")
            .field("store", &self.store.is_some())
            .field("retry_after_s", &self.retry_after_s)
            .finish_non_exhaustive()
    }
}

/// What the response side keeps: the usage reader (bounded memory) and whether it runs, and
/// the restorer of pseudonyms.
#[derive(Debug, Default)]
struct ResponseState {
    headers_seen: bool,
    reader: Option<UsageReader>,
    restorer: Option<Restorer>,
    /// Response headers the adapter must remove before the body goes on.
    removals: Vec<&'static str>,
}

impl Exchange {
    /// A new exchange under `policy` (`None`: the filter has no valid policy and refuses).
    pub fn new(policy: Option<Rc<Policy>>) -> Self {
        let policy_mode = policy.as_ref().map_or(Mode::Enforce, |p| p.mode);
        let max_body_bytes = policy.as_ref().map_or(0, |p| p.max_body_bytes);
        Self {
            policy,
            stage: Stage::Head,
            record: AuditRecord::default(),
            start_ms: 0,
            declared_len: None,
            read: BodyRead::Json,
            endpoint: None,
            body_size: 0,
            denied: false,
            mode: policy_mode,
            max_body_bytes,
            project: None,
            deployment_model: None,
            seen: false,
            scope: Vec::new(),
            restore_table: None,
            response: ResponseState::default(),
            controls: ControlState::default(),
        }
    }

    /// The store the throttles share with the other workers (proxy-wasm shared data in the
    /// adapter). Without one, a throttled project's requests are refused (`rate_limited`,
    /// `unavailable`): a throttle is never silently skipped.
    pub fn with_store(mut self, store: Rc<dyn SharedStore>) -> Self {
        self.controls.store = Some(store);
        self
    }

    /// Does the policy need the downstream address (a source allowlist without trusted
    /// `x-forwarded-for` hops)? The adapter then reads it before the request headers.
    pub fn needs_downstream_address(&self) -> bool {
        self.policy
            .as_ref()
            .is_some_and(|p| p.controls.xff_trusted_hops == 0 && p.controls.reads_sources())
    }

    /// The downstream address Envoy reports for this request (`source.address`).
    pub fn note_downstream_address(&mut self, address: &[u8]) {
        self.controls.downstream = Some(address.to_vec());
    }

    /// Headers a local reply goes with besides its content type: `retry-after` on a
    /// rate-limited refusal.
    pub fn reply_headers(&self) -> Vec<(&'static str, String)> {
        match self.controls.retry_after_s {
            Some(s) if self.denied => vec![("retry-after", s.to_string())],
            _ => Vec::new(),
        }
    }

    /// Whether the request headers reached the filter: only then is there a record to write
    /// and count.
    pub fn seen(&self) -> bool {
        self.seen
    }

    /// The `unscannable` setting in force: the project's (resolved), else the policy's.
    fn unscannable_policy(&self, policy: &Policy) -> UnscannablePolicy {
        self.rules(policy)
            .0
            .map_or(policy.unscannable, |p| p.unscannable)
    }

    /// Whether what the request carries that cannot be scanned is refused.
    fn refuses_unscannable(&self, policy: &Policy) -> bool {
        self.record.unscannable.total() > 0
            && self.unscannable_policy(policy) == UnscannablePolicy::Refuse
    }

    fn audit_mode(&self) -> bool {
        self.policy.is_some() && self.mode == Mode::Audit
    }

    /// Refuses (enforce) or records `would_deny` and lets the request go on unchanged
    /// (audit); either way nothing more is inspected.
    fn deny(&mut self, reason: Reason) -> Step {
        self.stage = Stage::Done;
        if self.audit_mode() && reason != Reason::FilterUnavailable {
            self.would_deny(reason);
            return Step::Continue;
        }
        self.record.reason = Some(reason.code());
        self.record.decision = Decision::Deny;
        self.record.status = Some(reason.status());
        self.record.bytes_out = 0;
        self.denied = true;
        Step::Reply {
            status: reason.status(),
            body: error_body(reason),
        }
    }

    /// Audit mode: records that the request would be refused for `reason`. The first reason
    /// is kept: it is the refusal enforce mode would have sent.
    fn would_deny(&mut self, reason: Reason) {
        if self.record.decision != Decision::WouldDeny {
            self.record.decision = Decision::WouldDeny;
            self.record.reason = Some(reason.code());
        }
    }

    /// A rule of the request's head failed: in enforce mode, the refusal; in audit mode it is
    /// recorded and `None` lets the checks go on, so the record also holds what the rest of
    /// the head and the body would have decided (every decision is made in audit mode).
    fn head_rule_failed(&mut self, reason: Reason) -> Option<Step> {
        if self.audit_mode() {
            self.would_deny(reason);
            return None;
        }
        Some(self.deny(reason))
    }

    /// Request headers arrived (`end_of_stream`: no body follows).
    pub fn on_request_headers(
        &mut self,
        headers: &HeaderPairs,
        end_of_stream: bool,
        now_ms: u64,
    ) -> Step {
        self.seen = true;
        self.start_ms = now_ms;
        self.record.ts = rfc3339_millis(now_ms);
        self.record.version = crate::audit::VERSION;
        let Some(policy) = self.policy.clone() else {
            return self.deny(Reason::FilterUnavailable);
        };
        self.record.mode = mode_name(policy.mode);
        self.record.policy = policy.digest.clone();
        let one = |name: &str| {
            head::single(headers, name)
                .ok()
                .flatten()
                .map(|v| SafeId::new(v, &policy))
        };
        // Provenance: a keyed fingerprint of the API key, never the key.
        if let Some(key) = crate::audit::api_key(headers) {
            self.record.key_fingerprint = Some(policy.audit.fingerprint(key));
        }
        self.record.request_id = one("x-request-id");
        self.record.method = one(":method");
        self.record.project = one(hygiene::PROJECT);
        self.scope = head::single(headers, hygiene::PROJECT)
            .ok()
            .flatten()
            .unwrap_or_default()
            .to_vec();
        self.record.organization = one(hygiene::ORGANIZATION);
        let (step, route) = self.head(&policy, headers, end_of_stream);
        let step = match step {
            reply @ Step::Reply { .. } => reply,
            step => match accept_encoding(&policy, headers, self.rules(&policy).1.restores_any()) {
                Some(value) => Step::SetRequestHeader {
                    name: ACCEPT_ENCODING.into(),
                    value: Some(value),
                    then: Box::new(step),
                },
                None => step,
            },
        };
        let step = match (&policy.register.routing_header, step) {
            (_, reply @ Step::Reply { .. }) | (None, reply) => reply,
            (Some(name), step) => Step::SetRequestHeader {
                name: name.clone(),
                value: route,
                then: Box::new(step),
            },
        };
        // The resolved register entry, for Envoy's own rate limiters (a client-sent value is
        // always replaced or removed).
        match (&policy.controls.project_header, step) {
            (_, reply @ Step::Reply { .. }) | (None, reply) => reply,
            (Some(name), step) => Step::SetRequestHeader {
                name: name.clone(),
                value: self
                    .project
                    .and_then(|i| policy.controls.project(i))
                    .map(|p| p.name.clone()),
                then: Box::new(step),
            },
        }
    }

    /// The head phase: header hygiene, target, project rules, content checks. Returns the
    /// step and the region the request goes to (for the routing header).
    fn head(
        &mut self,
        policy: &Policy,
        headers: &HeaderPairs,
        end_of_stream: bool,
    ) -> (Step, Option<String>) {
        let target = head::target(headers);
        if let Ok(t) = &target {
            self.record.endpoint = t.endpoint.route.clone();
            self.record.api = t.endpoint.kind.as_str();
        }
        let register = &policy.register;
        // A revoked key is refused before any other rule reads the request.
        if gate::revoked(policy, self.record.key_fingerprint.as_deref()) {
            if let Some(step) = self.head_rule_failed(Reason::KeyRevoked) {
                return (step, None);
            }
        }
        // In audit mode a failed rule is recorded and the checks go on. Without trusted policy
        // headers no project is resolved (not even `default`, whose own mode could otherwise
        // turn this audit-mode request into an enforced one): the policy's rules apply, and
        // the request goes to its host's region if its host alone can be read.
        let (checked, trusted) = match hygiene::read(headers, register) {
            Ok(h) => (h, true),
            Err(reason) => match self.head_rule_failed(reason) {
                Some(step) => return (step, None),
                None => {
                    let authority = hygiene::authority(headers).ok().flatten();
                    let h = PolicyHeaders {
                        authority,
                        ..PolicyHeaders::default()
                    };
                    (h, false)
                }
            },
        };
        self.record.caller = checked.caller.map(|c| SafeId::new(c.as_bytes(), policy));
        let target = match target {
            Ok(t) => t,
            Err(reason) => return (self.deny(reason), None),
        };
        let index = match trusted.then(|| project::resolve(register, &checked)) {
            None => None,
            Some(Ok(i)) => i,
            Some(Err(reason)) => match self.head_rule_failed(reason) {
                Some(step) => return (step, None),
                None => None,
            },
        };
        let rules = index.and_then(|i| register.project(i));
        // The request goes to the project's region if its host is one of that region's,
        // else to the region its host belongs to.
        let authority = checked.authority.as_deref();
        let route = rules
            .and_then(|p| p.region)
            .and_then(|i| register.region(i))
            .filter(|r| authority.is_some_and(|a| r.hosts.iter().any(|h| h == a)))
            .or_else(|| authority.and_then(|a| register.region_of_host(a)))
            .map(|r| r.name.clone());
        self.record.region = route.as_ref().map(|r| SafeId::new(r.as_bytes(), policy));
        self.deployment_model =
            project::deployment_model(register, &target.endpoint).map(String::from);
        self.record.model = self
            .deployment_model
            .as_ref()
            .map(|m| SafeId::new(m.as_bytes(), policy));
        if let Some(p) = rules {
            self.project = index;
            self.mode = p.mode;
            self.max_body_bytes = p.max_body_bytes;
            self.record.mode = mode_name(p.mode);
            if let Err(reason) = project::check(register, p, &checked, &target.endpoint) {
                if let Some(step) = self.head_rule_failed(reason) {
                    return (step, route);
                }
            }
        }
        if let Some(i) = index {
            let downstream = self.controls.downstream.as_deref();
            let client = |hops| source::client_address(headers, downstream, hops);
            if let Err(reason) = gate::source_allowed(&policy.controls, i, client) {
                if let Some(step) = self.head_rule_failed(reason) {
                    return (step, route);
                }
            }
        }
        let step = match head::check_target(
            policy,
            target,
            headers,
            !end_of_stream,
            self.max_body_bytes,
        ) {
            Err(reason) => self.deny(reason),
            Ok(h) => {
                self.declared_len = h.declared_len;
                self.read = h.read;
                self.endpoint = Some(h.endpoint);
                if let Some(step) = self.query(policy, headers) {
                    return (step, route);
                }
                if h.websocket {
                    // Frames follow, which the filter does not read.
                    self.record.unscannable.websocket = 1;
                    if self.refuses_unscannable(policy) {
                        if let Some(step) = self.head_rule_failed(Reason::UnscannableContent) {
                            return (step, route);
                        }
                    }
                }
                if let Some(step) = self.throttle(policy) {
                    return (step, route);
                }
                if !h.inspect_body {
                    self.stage = Stage::Done;
                    return (Step::Continue, route);
                }
                self.stage = Stage::Body;
                if end_of_stream {
                    // A body-bearing method with no body: inspect the empty body.
                    return (Step::ReadBody { size: 0 }, route);
                }
                Step::Pause
            }
        };
        (step, route)
    }

    /// The resolved project's rules, if any, and the detector actions in force (the
    /// project's own table, else the policy's).
    fn rules<'p>(&self, policy: &'p Policy) -> (Option<&'p Project>, &'p ActionTable) {
        let rules = self.project.and_then(|i| policy.register.project(i));
        let actions = rules
            .and_then(|p| p.actions.as_ref())
            .unwrap_or(&policy.actions);
        (rules, actions)
    }

    /// The resolved entry's throttle, last of the head rules (a request another rule refuses
    /// takes nothing from the budget): a refusal with `Retry-After` (in audit mode recorded,
    /// and nothing is taken).
    fn throttle(&mut self, policy: &Policy) -> Option<Step> {
        let index = self.project?;
        let entry = policy.controls.project(index)?;
        let limits = entry.throttle?;
        let key = throttle::key(&entry.name);
        let admission = match &self.controls.store {
            Some(store) => throttle::admit(store.as_ref(), &key, &limits, self.start_ms),
            None => Admission::Limited {
                limit: throttle::Limit::Unavailable,
                retry_after_s: 1,
            },
        };
        let Admission::Limited {
            limit,
            retry_after_s,
        } = admission
        else {
            return None;
        };
        if self.audit_mode() {
            self.would_deny(Reason::RateLimited);
            if self.record.reason == Some(Reason::RateLimited.code()) {
                self.record.rate_limit = Some(limit.as_str());
            }
            return None;
        }
        let reason = Reason::RateLimited;
        self.stage = Stage::Done;
        self.record.reason = Some(reason.code());
        self.record.rate_limit = Some(limit.as_str());
        self.record.decision = Decision::Deny;
        self.record.status = Some(reason.status());
        self.record.bytes_out = 0;
        self.denied = true;
        self.controls.retry_after_s = Some(retry_after_s);
        Some(Step::Reply {
            status: reason.status(),
            body: throttle::error_body(limit),
        })
    }

    /// Charges the reply's tokens to the resolved entry's throttle, once.
    fn charge_tokens(&mut self, now_ms: u64) {
        if std::mem::replace(&mut self.controls.charged, true) || self.denied {
            return;
        }
        let (Some(policy), Some(index), Some(usage)) =
            (&self.policy, self.project, self.record.usage)
        else {
            return;
        };
        let Some(entry) = policy.controls.project(index) else {
            return;
        };
        let (Some(limits), Some(store)) = (entry.throttle, &self.controls.store) else {
            return;
        };
        let tokens = usage.total_tokens.unwrap_or_else(|| {
            usage
                .prompt_tokens
                .unwrap_or(0)
                .saturating_add(usage.completion_tokens.unwrap_or(0))
        });
        let key = throttle::key(&entry.name);
        if throttle::charge(store.as_ref(), &key, &limits, tokens, now_ms).is_err() {
            log::debug!("openai-compliance-filter: a token charge was lost to contention");
        }
    }

    /// The query string, inspected like the body's strings: its findings are recorded; a
    /// denial (a sensitive value, which a URL never has rewritten) is returned as the reply
    /// (in `audit` mode it is recorded and the checks go on).
    fn query(&mut self, policy: &Policy, headers: &HeaderPairs) -> Option<Step> {
        let path = head::single(headers, ":path").ok().flatten()?;
        // (A path that is no UTF-8 never gets here: the target check refuses it.)
        let path = std::str::from_utf8(path).ok()?;
        let (_, actions) = self.rules(policy);
        let outcome = inspect_query(policy, actions, path)?;
        self.record.add_findings(&outcome.counts, policy);
        self.record.unscannable.add(&outcome.unscannable);
        if let Verdict::Deny(reason) = outcome.verdict {
            return self.head_rule_failed(reason);
        }
        // As for a body: one rule for what cannot be scanned.
        if self.refuses_unscannable(policy) {
            return self.head_rule_failed(Reason::UnscannableContent);
        }
        None
    }

    /// Request body data: `buffered` bytes are held so far.
    pub fn on_request_body(&mut self, buffered: usize, end_of_stream: bool) -> Step {
        match self.stage {
            Stage::Done if self.denied => return Step::Pause,
            Stage::Done => return Step::Continue,
            Stage::Head => return Step::Pause,
            Stage::Body => {}
        }
        self.body_size = buffered;
        if buffered as u64 > self.max_body_bytes {
            self.record.bytes_in = buffered as u64;
            return self.deny(Reason::BodyTooLarge);
        }
        if !end_of_stream {
            return Step::Pause;
        }
        Step::ReadBody { size: buffered }
    }

    /// Request trailers arrived: the body is complete (HTTP/2 with trailers never sends
    /// `end_of_stream` with the body).
    pub fn on_request_trailers(&mut self) -> Step {
        match self.stage {
            Stage::Body => Step::ReadBody {
                size: self.body_size,
            },
            Stage::Done if !self.denied => Step::Continue,
            _ => Step::Pause,
        }
    }

    /// The whole body, as read after [`Step::ReadBody`]: decide.
    pub fn decide_body(&mut self, body: &[u8]) -> Step {
        let Some(policy) = self.policy.clone() else {
            return self.deny(Reason::FilterUnavailable);
        };
        let size = self.body_size;
        self.record.bytes_in = body.len() as u64;
        if body.len() != size || self.declared_len.is_some_and(|n| n != size as u64) {
            return self.deny(Reason::BodyLengthMismatch);
        }
        let Some(endpoint) = self.endpoint.clone() else {
            return self.deny(Reason::FilterUnavailable);
        };
        // Nothing to inspect: an operation that takes no body (a cancel), or one whose JSON
        // body is any object and names no model (`conversations.create()`), sent with none.
        let optional = self.read == BodyRead::Empty
            || endpoint.op.is_some_and(|op| {
                takes_no_body(op.body)
                    || (self.read == BodyRead::Json
                        && op.body.json() == Some(Shape::Object)
                        && !op.names_model)
            });
        if body.is_empty() && optional {
            self.stage = Stage::Done;
            return Step::Continue;
        }
        let (rules, actions) = self.rules(&policy);
        let mut outcome = match &self.read {
            // A body with no content type where none is taken.
            BodyRead::Empty => BodyOutcome::deny(Reason::UnsupportedContentType),
            BodyRead::Json => inspect_body_in(&policy, actions, &endpoint, body, &self.scope),
            BodyRead::Form(boundary, Form::Files) => {
                inspect_upload_to(&policy, actions, rules, &endpoint, boundary, body)
            }
            BodyRead::Form(boundary, form) => inspect_form(&policy, actions, *form, boundary, body),
            BodyRead::Sdp => sdp_offer(),
        };
        // The model that runs (on Azure, what the deployment maps to; never its name).
        let model = project::model_of(&policy.register, &endpoint, outcome.facts.model.as_deref())
            .map(String::from);
        let minted = std::mem::take(&mut outcome.minted);
        let replies_with_text = matches!(
            endpoint.kind,
            ApiKind::ChatCompletions | ApiKind::Responses | ApiKind::Completions
        );
        let change = match (outcome.verdict(), rules) {
            (Verdict::Deny(_), _) | (_, None) => Ok(BodyChange::None),
            (_, Some(p)) => retention::check_body(p, &endpoint, &outcome.facts, model.as_deref()),
        };
        self.record.add_findings(&outcome.counts, &policy);
        self.record.unscannable.add(&outcome.unscannable);
        self.record.stream = outcome.facts.stream;
        if let Some(m) = &model {
            self.record.model = Some(SafeId::new(m.as_bytes(), &policy));
        }
        self.record.bytes_out = size as u64;
        // Moved out, not cloned: a rewritten body is as large as the request.
        let verdict = outcome.verdict.unwrap_or(Verdict::Forward);
        if let Verdict::Deny(reason) = verdict {
            return self.deny(reason);
        }
        let change = match change {
            Ok(change) => change,
            Err(reason) => return self.deny(reason),
        };
        if self.refuses_unscannable(&policy) {
            return self.deny(Reason::UnscannableContent);
        }
        let rewritten = match (verdict, change) {
            (Verdict::Forward, BodyChange::None) => None,
            (Verdict::Rewrite(bytes), BodyChange::None) => Some(bytes),
            (verdict, BodyChange::InjectStoreFalse) => {
                let base = match &verdict {
                    Verdict::Rewrite(bytes) => bytes.as_slice(),
                    _ => body,
                };
                match retention::inject_store_false(base) {
                    Some(bytes) => Some(bytes),
                    None => return self.deny(Reason::InvalidBody),
                }
            }
            (Verdict::Deny(reason), _) => return self.deny(reason),
        };
        self.stage = Stage::Done;
        let Some(bytes) = rewritten else {
            return Step::Continue;
        };
        if self.audit_mode() {
            if self.record.decision != Decision::WouldDeny {
                self.record.decision = Decision::WouldRedact;
            }
            return Step::Continue;
        }
        self.record.decision = Decision::Redact;
        self.record.bytes_out = bytes.len() as u64;
        // Only a body that went upstream with the placeholders has a reply to restore.
        if replies_with_text {
            self.restore_table = Table::new(minted, policy.detectors.rules());
        }
        Step::ReplaceBody { size, bytes }
    }

    /// The adapter could not carry out a step (a host call failed): refuse.
    pub fn host_failed(&mut self) -> Step {
        self.deny(Reason::FilterUnavailable)
    }

    /// The address of the upstream host Envoy chose (`ip:port`), when the host knows it.
    pub fn note_upstream_host(&mut self, host: &[u8]) {
        self.record.upstream_host = Some(SafeId::from_proxy(host));
    }

    /// Response headers arrived (the upstream's, or the filter's own local reply).
    pub fn on_response_headers(&mut self, headers: &HeaderPairs, end_of_stream: bool, now_ms: u64) {
        if std::mem::replace(&mut self.response.headers_seen, true) {
            return;
        }
        if self.start_ms > 0 {
            self.record.ttfb_ms = Some(now_ms.saturating_sub(self.start_ms));
        }
        if let Some(status) = head::single(headers, ":status")
            .ok()
            .flatten()
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.parse().ok())
        {
            self.record.status = Some(status);
        }
        let Some(policy) = self.policy.as_ref() else {
            return;
        };
        if !self.denied {
            if let Ok(Some(id)) = head::single(headers, "x-request-id") {
                self.record.openai_request_id = Some(SafeId::new(id, policy));
            }
        }
        if !end_of_stream && !self.denied {
            let one = |name| head::single(headers, name).ok().flatten();
            let success = self.record.status.is_some_and(|s| (200..300).contains(&s));
            let table = self.restore_table.take().filter(|_| success);
            self.response.restorer =
                table.and_then(|t| Restorer::new(t, one("content-type"), one("content-encoding")));
            // A restored reply changes length; a decoded one goes on without its coding (the
            // usage reader then reads what the client gets).
            let coding = match &self.response.restorer {
                Some(r) => {
                    self.response.removals.push("content-length");
                    if r.decodes() {
                        self.response.removals.push("content-encoding");
                    }
                    None
                }
                None => one("content-encoding"),
            };
            self.response.reader = Some(UsageReader::new(one("content-type"), coding));
        }
        self.restore_table = None;
    }

    /// Response headers the adapter must remove before the body goes on (a restored reply's
    /// `content-length`, and `content-encoding` when its coding is undone).
    pub fn response_header_removals(&self) -> &[&'static str] {
        &self.response.removals
    }

    /// Does the reply go through the restorer (the adapter must hand over every chunk and
    /// put [`Self::restore_response_body`]'s bytes in its place)?
    pub fn restores_response(&self) -> bool {
        self.response.restorer.is_some()
    }

    /// A response body chunk of `size` bytes as it came from upstream, when
    /// [`Self::restores_response`]: the bytes to forward in its place (placeholders restored,
    /// the coding undone; a placeholder cut at the chunk's end, or an SSE event that may hold
    /// the start of one, waits for the next chunk), or `None` when they are the chunk itself.
    pub fn restore_response_body(
        &mut self,
        size: usize,
        chunk: &[u8],
        end_of_stream: bool,
    ) -> Option<Vec<u8>> {
        self.record.response_bytes = self.record.response_bytes.saturating_add(size as u64);
        let restorer = self.response.restorer.as_mut()?;
        if restorer.passes(chunk) {
            if let Some(reader) = self.response.reader.as_mut() {
                reader.feed(chunk);
            }
            if end_of_stream {
                self.restore_response_body(0, &[], true);
            }
            return None;
        }
        let mut out = Vec::with_capacity(chunk.len() + 64);
        restorer.feed(chunk, &mut out);
        if end_of_stream {
            restorer.finish(&mut out);
            for (category, n) in restorer.restored() {
                *self
                    .record
                    .restored
                    .entry(category.to_string())
                    .or_default() += n;
            }
            self.response.restorer = None;
        }
        if let Some(reader) = self.response.reader.as_mut() {
            reader.feed(&out);
            if end_of_stream {
                self.finish_usage();
            }
        }
        (out != chunk).then_some(out)
    }

    /// Does the adapter need to hand over response body chunks (for usage)? When not, it
    /// only reports their sizes with an empty chunk.
    pub fn wants_response_body(&self) -> bool {
        self.response
            .reader
            .as_ref()
            .is_some_and(UsageReader::reads)
    }

    /// A response body chunk of `size` bytes passed on to the client (`chunk` holds its bytes
    /// when [`Self::wants_response_body`], else is empty). The response always goes on
    /// unchanged: a body that cannot be parsed only leaves the usage unknown.
    pub fn on_response_body(&mut self, size: usize, chunk: &[u8], end_of_stream: bool) {
        self.record.response_bytes = self.record.response_bytes.saturating_add(size as u64);
        if let Some(reader) = self.response.reader.as_mut() {
            reader.feed(chunk);
            if end_of_stream {
                self.finish_usage();
            }
        }
    }

    fn finish_usage(&mut self) {
        if let Some(mut reader) = self.response.reader.take() {
            if let Some(usage) = reader.finish() {
                self.record.usage = Some(usage);
            }
        }
    }

    /// The exchange is over (or the record is wanted now): the finished record. Safe to call
    /// more than once; the duration is measured at each call.
    pub fn finish(&mut self, now_ms: u64) -> &AuditRecord {
        if self.stage == Stage::Body {
            // The stream ended while the request was held: nothing went upstream.
            self.record.decision = Decision::Aborted;
            self.record.reason = Some("client_abort");
            self.record.bytes_in = self.body_size as u64;
            self.record.bytes_out = 0;
        }
        self.finish_usage();
        if self.stage != Stage::Body && self.record.decision != Decision::WouldDeny {
            self.charge_tokens(now_ms);
        }
        // A reply cut short: what was restored before it ended is counted.
        if let Some(restorer) = self.response.restorer.take() {
            for (category, n) in restorer.restored() {
                *self
                    .record
                    .restored
                    .entry(category.to_string())
                    .or_default() += n;
            }
        }
        if self.start_ms > 0 {
            self.record.duration_ms = Some(now_ms.saturating_sub(self.start_ms));
        }
        &self.record
    }
}

/// An operation that takes no body (a WebSocket's `GET` neither).
fn takes_no_body(body: Body) -> bool {
    matches!(body, Body::None | Body::WebSocket)
}

/// `Accept-Encoding`.
const ACCEPT_ENCODING: &str = "accept-encoding";

/// The `Accept-Encoding` a forwarded request goes with instead of its own, if it needs one
/// so that its reply's usage can be read ([`narrow_accept_encoding`]). Only `POST`s: the
/// replies that report usage answer them; a download (`GET /v1/files/{id}/content`) keeps the
/// codings its client asked for. Under `as_sent` too when the rules in force may restore
/// pseudonyms (`restores`): a reply in a coding the filter cannot read would keep them.
fn accept_encoding(policy: &Policy, headers: &HeaderPairs, restores: bool) -> Option<String> {
    let post = head::single(headers, ":method").ok().flatten() == Some(b"POST".as_slice());
    if (policy.audit.accept_encoding != AcceptEncoding::Readable && !restores) || !post {
        return None;
    }
    narrow_accept_encoding(head::values(headers, ACCEPT_ENCODING))
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Enforce => "enforce",
        Mode::Audit => "audit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdrs(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    fn exchange(policy: &str) -> Exchange {
        Exchange::new(Some(Rc::new(Policy::from_json(policy.as_bytes()).unwrap())))
    }

    const CHAT: &[(&str, &str)] = &[
        (":method", "POST"),
        (":path", "/v1/chat/completions"),
        ("content-type", "application/json"),
    ];

    #[test]
    fn redacts_a_body_delivered_in_pieces() {
        let mut x = exchange("{}");
        assert_eq!(x.on_request_headers(&hdrs(CHAT), false, 1), Step::Pause);
        assert_eq!(x.on_request_body(10, false), Step::Pause);
        let body = br#"{"messages":[{"role":"user","content":"a@example.com"}]}"#;
        assert_eq!(
            x.on_request_body(body.len(), true),
            Step::ReadBody { size: body.len() }
        );
        let Step::ReplaceBody { bytes, .. } = x.decide_body(body) else {
            panic!()
        };
        assert!(String::from_utf8(bytes).unwrap().contains("[EMAIL]"));
        let r = x.finish(5);
        assert_eq!(r.decision, Decision::Redact);
        assert_eq!(r.duration_ms, Some(4));
    }

    #[test]
    fn a_file_upload_is_inspected_as_multipart() {
        let mut x = exchange("{}");
        let h = hdrs(&[
            (":method", "POST"),
            (":path", "/v1/files"),
            ("content-type", "multipart/form-data; boundary=zz"),
        ]);
        assert_eq!(x.on_request_headers(&h, false, 1), Step::Pause);
        let body = concat!(
            "--zz\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n",
            "--zz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n\r\n",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"a@example.com\"}]}\r\n--zz--\r\n"
        )
        .as_bytes();
        x.on_request_body(body.len(), true);
        let Step::ReplaceBody { bytes, .. } = x.decide_body(body) else {
            panic!()
        };
        let sent = String::from_utf8(bytes).unwrap();
        assert!(
            sent.contains("[EMAIL]") && !sent.contains("a@example.com"),
            "{sent}"
        );
        let r = x.finish(3);
        assert_eq!((r.decision, r.api), (Decision::Redact, "files"));
    }

    #[test]
    fn a_sensitive_query_string_is_refused_and_its_findings_join_the_bodys() {
        let mut x = exchange("{}");
        let h = hdrs(&[
            (":method", "GET"),
            (
                ":path",
                "/v1/chat/completions?metadata[owner]=a%40example.com&limit=5",
            ),
        ]);
        let Step::Reply { status, body } = x.on_request_headers(&h, true, 1) else {
            panic!("expected a refusal")
        };
        assert_eq!(status, 403);
        assert!(body.contains("sensitive_query") && !body.contains("example"));
        let r = x.finish(2);
        assert_eq!(
            (r.decision, r.reason, r.findings.len()),
            (Decision::Deny, Some("sensitive_query"), 1)
        );

        // An `allow` finding in the query goes on, counted with the body's.
        let mut x = exchange(r#"{"detectors":{"actions":{"contact":"allow"}}}"#);
        let h = hdrs(&[
            (":method", "POST"),
            (":path", "/v1/chat/completions?note=b%40example.com"),
            ("content-type", "application/json"),
        ]);
        assert_eq!(x.on_request_headers(&h, false, 1), Step::Pause);
        let body = br#"{"messages":[{"role":"user","content":"card 4111 1111 1111 1111"}]}"#;
        x.on_request_body(body.len(), true);
        assert!(matches!(x.decide_body(body), Step::ReplaceBody { .. }));
        let r = x.finish(3);
        assert_eq!(r.decision, Decision::Redact);
        assert_eq!(r.findings.values().sum::<u32>(), 2, "{:?}", r.findings);
    }

    #[test]
    fn a_blocked_value_in_the_query_refuses_the_request_and_audit_mode_only_records_it() {
        let policy = r#"{"detectors":{"actions":{"contact":"block"}}}"#;
        let h = hdrs(&[(":method", "GET"), (":path", "/v1/files?q=a@example.com")]);
        let mut x = exchange(policy);
        let Step::Reply { status, .. } = x.on_request_headers(&h, true, 1) else {
            panic!("expected a refusal")
        };
        assert_eq!(status, 403);
        let mut x =
            exchange(&policy.replace("{\"detectors\"", "{\"mode\":\"audit\",\"detectors\""));
        assert_eq!(x.on_request_headers(&h, true, 1), Step::Continue);
        assert_eq!(x.finish(2).decision, Decision::WouldDeny);
    }

    #[test]
    fn a_request_abandoned_while_held_is_recorded_as_aborted() {
        let mut x = exchange("{}");
        x.on_request_headers(&hdrs(CHAT), false, 1);
        x.on_request_body(10, false);
        let r = x.finish(2);
        assert_eq!(r.decision, Decision::Aborted);
        assert_eq!(
            (r.reason, r.bytes_in, r.bytes_out),
            (Some("client_abort"), 10, 0)
        );
    }

    #[test]
    fn trailers_complete_the_body() {
        let mut x = exchange("{}");
        x.on_request_headers(&hdrs(CHAT), false, 1);
        assert_eq!(x.on_request_body(7, false), Step::Pause);
        assert_eq!(x.on_request_trailers(), Step::ReadBody { size: 7 });
    }

    #[test]
    fn chunked_body_over_the_cap_is_refused_while_streaming() {
        let mut x = exchange(r#"{"max_body_bytes":100}"#);
        x.on_request_headers(&hdrs(CHAT), false, 1);
        let Step::Reply { status, .. } = x.on_request_body(101, false) else {
            panic!()
        };
        assert_eq!(status, 413);
        assert_eq!(x.on_request_body(200, true), Step::Pause);
    }

    #[test]
    fn declared_length_must_match() {
        let mut h = hdrs(CHAT);
        h.extend(hdrs(&[("content-length", "50")]));
        let mut x = exchange("{}");
        x.on_request_headers(&h, false, 1);
        x.on_request_body(40, true);
        let Step::Reply { status, .. } = x.decide_body(&[b' '; 40]) else {
            panic!()
        };
        assert_eq!(status, 503);
    }

    #[test]
    fn audit_mode_forwards_and_records_would() {
        let mut x = exchange(r#"{"mode":"audit"}"#);
        let files = hdrs(&[(":method", "POST"), (":path", "/v1/files")]);
        assert_eq!(x.on_request_headers(&files, false, 1), Step::Continue);
        assert_eq!(x.finish(2).decision, Decision::WouldDeny);
        let mut x = exchange(r#"{"mode":"audit"}"#);
        x.on_request_headers(&hdrs(CHAT), false, 1);
        let body = br#"{"messages":[{"role":"user","content":"a@example.com"}]}"#;
        x.on_request_body(body.len(), true);
        assert_eq!(x.decide_body(body), Step::Continue);
        assert_eq!(x.finish(2).decision, Decision::WouldRedact);
    }

    #[test]
    fn audit_mode_makes_every_decision_after_a_head_rule_fails() {
        let body =
            br#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"mail a@example.com"}]}"#;
        let cases: [(&str, &str, (&str, &str), &str); 4] = [
            // A project the register does not know: judged without project rules.
            (
                r#"{"mode":"audit","projects":{"p":{}}}"#,
                "/v1/chat/completions",
                ("openai-project", "q"),
                "project_not_allowed",
            ),
            // An endpoint the project may not use: judged with the project's rules.
            (
                r#"{"mode":"audit","projects":{"p":{"endpoints":["embeddings"]}}}"#,
                "/v1/chat/completions",
                ("openai-project", "p"),
                "endpoint_not_allowed",
            ),
            // A policy header that cannot be trusted: judged as naming no project.
            (
                r#"{"mode":"audit"}"#,
                "/v1/chat/completions",
                ("openai_project", "p"),
                "invalid_header",
            ),
            // A value in the query (which is never rewritten); the body would be redacted,
            // and the record keeps the refusal.
            (
                r#"{"mode":"audit"}"#,
                "/v1/chat/completions?u=b@example.com",
                ("x-other", "1"),
                "sensitive_query",
            ),
        ];
        for (policy, path, extra, reason) in cases {
            let h = hdrs(&[
                (":method", "POST"),
                (":path", path),
                ("content-type", "application/json"),
                extra,
            ]);
            let mut x = exchange(policy);
            assert_eq!(x.on_request_headers(&h, false, 1), Step::Pause, "{policy}");
            assert_eq!(
                x.on_request_body(body.len(), true),
                Step::ReadBody { size: body.len() }
            );
            assert_eq!(x.decide_body(body), Step::Continue, "{policy}");
            let r = x.finish(2);
            assert_eq!(r.decision, Decision::WouldDeny, "{policy}");
            assert_eq!(r.reason, Some(reason), "{policy}");
            let emails = if path.contains('@') { 2 } else { 1 };
            assert_eq!(r.findings.get("email"), Some(&emails), "{policy}");
            assert_eq!(r.model.as_ref().map(|m| m.as_str()), Some("gpt-4o-mini"));
            // Enforce mode refuses the same request at its head, for the same reason.
            let mut x = exchange(&policy.replace(r#""mode":"audit""#, r#""mode":"enforce""#));
            assert!(matches!(
                x.on_request_headers(&h, false, 1),
                Step::Reply { .. }
            ));
            assert_eq!(x.finish(2).reason, Some(reason));
        }
    }

    #[test]
    fn an_audit_mode_request_stays_in_audit_mode_after_a_head_rule_fails() {
        let body =
            br#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"a@example.com"}]}"#;
        // A `default` project in enforce mode is never resolved for a request whose policy
        // headers failed hygiene: it is judged by the audit-mode policy alone.
        let policy = r#"{"mode":"audit","projects":{"p":{},"default":{"mode":"enforce","endpoints":["embeddings"]}}}"#;
        let cases: [&[(&str, &str)]; 2] = [
            &[("openai_project", "p")],
            &[
                ("openai-project", "p"),
                (":authority", "a.example"),
                ("host", "b.example"),
            ],
        ];
        for extra in cases {
            let mut h = hdrs(CHAT);
            h.extend(hdrs(extra));
            let mut x = exchange(policy);
            assert_eq!(x.on_request_headers(&h, false, 1), Step::Pause, "{extra:?}");
            x.on_request_body(body.len(), true);
            assert_eq!(x.decide_body(body), Step::Continue, "{extra:?}");
            let r = x.finish(2);
            assert_eq!(r.decision, Decision::WouldDeny);
            assert_eq!(r.mode, "audit");
            assert_eq!(r.findings.get("email"), Some(&1));
        }
        // Two refusals: the record keeps the first, the one enforce would send.
        let h = hdrs(&[
            (":method", "POST"),
            (":path", "/v1/chat/completions?u=b@example.com"),
            ("content-type", "application/json"),
            ("openai-project", "unknown"),
        ]);
        let mut x = exchange(r#"{"mode":"audit","projects":{"p":{}}}"#);
        assert_eq!(x.on_request_headers(&h, false, 1), Step::Pause);
        x.on_request_body(body.len(), true);
        x.decide_body(body);
        assert_eq!(x.finish(2).reason, Some("project_not_allowed"));
    }

    #[test]
    fn audit_mode_routes_a_request_with_untrusted_policy_headers_by_its_host() {
        let policy = r#"{"mode":"audit","routing_header":"x-region",
            "regions":{"eu":["eu.api.openai.com"]},"projects":{"p":{}}}"#;
        let route = |extra: &[(&str, &str)]| {
            let mut h = hdrs(CHAT);
            h.extend(hdrs(extra));
            match exchange(policy).on_request_headers(&h, false, 1) {
                Step::SetRequestHeader { name, value, .. } if name == "x-region" => value,
                other => panic!("{other:?}"),
            }
        };
        let eu = Some("eu".to_string());
        // A lookalike project header: the host still names the region.
        assert_eq!(
            route(&[(":authority", "eu.api.openai.com"), ("openai_project", "p")]),
            eu
        );
        // An unknown project: the same.
        assert_eq!(
            route(&[(":authority", "eu.api.openai.com"), ("openai-project", "q")]),
            eu
        );
        // The host itself is what failed: no region.
        let two_hosts = [
            (":authority", "eu.api.openai.com"),
            ("host", "api.openai.com"),
        ];
        assert_eq!(route(&two_hosts), None);
    }

    #[test]
    fn no_policy_refuses_everything() {
        let mut x = Exchange::new(None);
        let Step::Reply { status, .. } = x.on_request_headers(&hdrs(CHAT), true, 1) else {
            panic!()
        };
        assert_eq!(status, 503);
    }

    #[test]
    fn headers_only_post_is_inspected_as_an_empty_body() {
        let mut x = exchange("{}");
        assert_eq!(
            x.on_request_headers(&hdrs(CHAT), true, 1),
            Step::ReadBody { size: 0 }
        );
        let Step::Reply { status, .. } = x.decide_body(b"") else {
            panic!()
        };
        assert_eq!(status, 400);
    }

    fn forwarded_chat(policy: &str) -> Exchange {
        let mut x = exchange(policy);
        let mut h = hdrs(CHAT);
        h.extend(hdrs(&[(
            "authorization",
            "Bearer sk-proj-secretsecretsecret",
        )]));
        x.on_request_headers(&h, false, 10);
        let body = br#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#;
        x.on_request_body(body.len(), true);
        assert_eq!(x.decide_body(body), Step::Continue);
        x
    }

    #[test]
    fn response_json_usage_status_ids_and_timings() {
        let mut x = forwarded_chat("{}");
        x.note_upstream_host(b"127.0.0.1:18080");
        let resp = hdrs(&[
            (":status", "200"),
            ("content-type", "application/json"),
            ("x-request-id", "req_abc123"),
        ]);
        x.on_response_headers(&resp, false, 25);
        assert!(x.wants_response_body());
        let body = br#"{"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}"#;
        let (a, b) = body.split_at(40);
        x.on_response_body(a.len(), a, false);
        x.on_response_body(b.len(), b, true);
        let r = x.finish(30);
        assert_eq!(r.status, Some(200));
        assert_eq!(r.ttfb_ms, Some(15));
        assert_eq!(r.duration_ms, Some(20));
        assert_eq!(r.response_bytes, body.len() as u64);
        assert_eq!(r.openai_request_id.as_ref().unwrap().as_str(), "req_abc123");
        assert_eq!(
            r.upstream_host.as_ref().unwrap().as_str(),
            "127.0.0.1:18080"
        );
        let u = r.usage.unwrap();
        assert_eq!(
            (u.prompt_tokens, u.completion_tokens, u.total_tokens),
            (Some(7), Some(2), Some(9))
        );
        let fp = r.key_fingerprint.clone().unwrap();
        assert!(fp.starts_with("k1:") && !fp.contains("secret"));
        let json = r.to_json();
        assert!(!json.contains("sk-proj"), "{json}");
    }

    /// The first step for a chat request with these `Accept-Encoding` values (and `extra`
    /// headers), under `policy`.
    fn head_step(policy: &str, accept: &[&str], extra: &[(&str, &str)]) -> Step {
        let mut h = hdrs(CHAT);
        for a in accept {
            h.extend(hdrs(&[("accept-encoding", a)]));
        }
        h.extend(hdrs(extra));
        exchange(policy).on_request_headers(&h, false, 1)
    }

    #[test]
    fn accept_encoding_is_narrowed_to_codings_the_usage_reader_follows() {
        let narrowed = |value: &str| Step::SetRequestHeader {
            name: "accept-encoding".into(),
            value: Some(value.into()),
            then: Box::new(Step::Pause),
        };
        let step = |accept: &[&str]| head_step("{}", accept, &[]);
        assert_eq!(
            step(&["gzip, deflate, br, zstd"]),
            narrowed("gzip, deflate")
        );
        assert_eq!(step(&["br"]), narrowed("identity"));
        assert_eq!(step(&["br", "gzip"]), narrowed("gzip"));
        // Readable already (the Python SDK's), or absent: no header call.
        assert_eq!(step(&["gzip, deflate"]), Step::Pause);
        assert_eq!(step(&[]), Step::Pause);
        // Not a POST: no reply that reports usage, so the client's codings stand.
        let download = hdrs(&[
            (":method", "GET"),
            (":path", "/v1/files/file-abc/content"),
            ("accept-encoding", "br"),
        ]);
        assert_eq!(
            exchange("{}").on_request_headers(&download, true, 1),
            Step::Continue
        );
        // Left as sent when the policy says so.
        let as_sent = r#"{"audit":{"accept_encoding":"as_sent"}}"#;
        assert_eq!(head_step(as_sent, &["br"], &[]), Step::Pause);
        // A refusal is the reply alone; audit mode forwards what it would refuse, narrowed.
        let lookalike = [("openai_project", "p")];
        assert!(matches!(
            head_step("{}", &["br"], &lookalike),
            Step::Reply { status: 400, .. }
        ));
        assert_eq!(
            head_step(r#"{"mode":"audit"}"#, &["br"], &lookalike),
            Step::SetRequestHeader {
                name: "accept-encoding".into(),
                value: Some("identity".into()),
                then: Box::new(Step::Pause),
            }
        );
    }

    #[test]
    fn usage_is_read_from_a_gzip_reply() {
        let body = br#"{"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}"#;
        let gz = crate::inflate::tests::gzip(body, None, None, false);
        for coding in ["gzip", "br"] {
            let mut x = forwarded_chat("{}");
            let resp = hdrs(&[
                (":status", "200"),
                ("content-type", "application/json"),
                ("content-encoding", coding),
            ]);
            x.on_response_headers(&resp, false, 25);
            assert_eq!(x.wants_response_body(), coding == "gzip");
            let (a, b) = gz.split_at(9);
            x.on_response_body(a.len(), a, false);
            x.on_response_body(b.len(), b, true);
            let r = x.finish(30);
            assert_eq!(r.response_bytes, gz.len() as u64);
            let total = r.usage.and_then(|u| u.total_tokens);
            assert_eq!(total, (coding == "gzip").then_some(9), "{coding}");
        }
    }

    #[test]
    fn fingerprint_key_from_the_policy_is_stable_across_policies() {
        let one = r#"{"audit":{"fingerprint_key":"0123456789abcdef0123"}}"#;
        let two = r#"{"mode":"audit","audit":{"fingerprint_key":"0123456789abcdef0123"}}"#;
        let a = forwarded_chat(one).finish(11).key_fingerprint.clone();
        let b = forwarded_chat(two).finish(11).key_fingerprint.clone();
        assert!(a.is_some());
        assert_eq!(a, b);
        // Derived keys differ per policy document.
        let c = forwarded_chat("{}").finish(11).key_fingerprint.clone();
        let d = forwarded_chat(r#"{"mode":"enforce"}"#)
            .finish(11)
            .key_fingerprint
            .clone();
        assert_ne!(a, c);
        assert_ne!(c, d);
    }

    #[test]
    fn sse_usage_across_chunks_and_unparseable_responses() {
        let mut x = forwarded_chat("{}");
        let resp = hdrs(&[(":status", "200"), ("content-type", "text/event-stream")]);
        x.on_response_headers(&resp, false, 12);
        let sse = b"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":1,\"total_tokens\":5}}\n\ndata: [DONE]\n\n";
        for c in sse.chunks(3) {
            x.on_response_body(c.len(), c, false);
        }
        x.on_response_body(0, b"", true);
        assert_eq!(x.finish(13).usage.unwrap().total_tokens, Some(5));

        let mut x = forwarded_chat("{}");
        let resp = hdrs(&[
            (":status", "200"),
            ("content-type", "application/json"),
            ("content-encoding", "br"),
        ]);
        x.on_response_headers(&resp, false, 12);
        assert!(!x.wants_response_body());
        x.on_response_body(100, b"", true);
        let r = x.finish(13);
        assert_eq!(r.usage, None);
        assert_eq!(r.response_bytes, 100);

        let mut x = forwarded_chat("{}");
        x.on_response_headers(&hdrs(&[(":status", "502")]), false, 12);
        x.on_response_body(3, b"bad", false);
        // No end of stream (reset): the record is still finished.
        let r = x.finish(13);
        assert_eq!((r.status, r.usage), (Some(502), None));
    }

    const RESTORE: &str = r#"{"detectors":{"restore_pseudonyms":true,
        "actions":{"email":"pseudonymize","payment_card":"block"}}}"#;

    /// A chat request mailing `a@example.com` (and `extra` text) under `policy`, forwarded;
    /// the placeholder that went upstream, if any.
    fn forwarded_with(policy: &str, mode_extra: &str) -> (Exchange, Option<String>) {
        let mut x = exchange(policy);
        x.on_request_headers(&hdrs(CHAT), false, 1);
        let body = format!(
            r#"{{"model":"gpt-4o-mini","messages":[{{"role":"user","content":"mail a@example.com{mode_extra}"}}]}}"#
        );
        x.on_request_body(body.len(), true);
        let sent = match x.decide_body(body.as_bytes()) {
            Step::ReplaceBody { bytes, .. } => String::from_utf8(bytes).ok(),
            _ => None,
        };
        let placeholder = sent.and_then(|s| {
            let start = s.find("[EMAIL_")?;
            let end = start + s[start..].find(']')? + 1;
            Some(s[start..end].to_string())
        });
        (x, placeholder)
    }

    #[test]
    fn a_reply_is_restored_and_counted_and_its_length_and_coding_headers_go() {
        let (mut x, placeholder) = forwarded_with(RESTORE, "");
        let placeholder = placeholder.unwrap();
        let resp = hdrs(&[
            (":status", "200"),
            ("content-type", "application/json"),
            ("content-encoding", "gzip"),
            ("content-length", "99"),
        ]);
        x.on_response_headers(&resp, false, 2);
        assert!(x.restores_response());
        assert_eq!(
            x.response_header_removals(),
            &["content-length", "content-encoding"]
        );
        let reply = format!(
            r#"{{"choices":[{{"message":{{"content":"to {placeholder} and [EMAIL_1]"}}}}],"usage":{{"total_tokens":3}}}}"#
        );
        let gz = crate::inflate::tests::gzip(reply.as_bytes(), None, None, false);
        let (a, b) = gz.split_at(gz.len() / 2);
        let mut out = x.restore_response_body(a.len(), a, false).unwrap();
        out.extend(x.restore_response_body(b.len(), b, true).unwrap());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"choices":[{"message":{"content":"to a@example.com and [EMAIL_1]"}}],"usage":{"total_tokens":3}}"#
        );
        let r = x.finish(3);
        assert_eq!(r.restored.get("contact"), Some(&1));
        assert_eq!(r.usage.and_then(|u| u.total_tokens), Some(3));
        assert_eq!(r.response_bytes, gz.len() as u64);
        assert!(!r.to_json().contains("a@example.com"));
    }

    #[test]
    fn no_restoration_without_a_minted_placeholder_a_success_or_a_readable_reply() {
        let json = [(":status", "200"), ("content-type", "application/json")];
        // Not restoring, audit mode (the body went up as sent), a refusal: no restorer.
        for policy in [
            r#"{"detectors":{"actions":{"email":"pseudonymize"}}}"#,
            &RESTORE.replace(r#"{"detectors""#, r#"{"mode":"audit","detectors""#),
        ] {
            let (mut x, _) = forwarded_with(policy, "");
            x.on_response_headers(&hdrs(&json), false, 2);
            assert!(!x.restores_response(), "{policy}");
            assert!(x.response_header_removals().is_empty());
        }
        let (mut x, placeholder) = forwarded_with(RESTORE, " card 4111 1111 1111 1111");
        assert_eq!(placeholder, None);
        x.on_response_headers(&hdrs(&json), false, 2);
        assert!(!x.restores_response());
        assert_eq!(x.finish(3).decision, Decision::Deny);
        // An error status, or a coding the filter cannot read: the reply goes on as it came.
        for resp in [
            vec![(":status", "400"), ("content-type", "application/json")],
            vec![
                (":status", "200"),
                ("content-type", "application/json"),
                ("content-encoding", "br"),
            ],
            vec![(":status", "200"), ("content-type", "text/plain")],
        ] {
            let (mut x, _) = forwarded_with(RESTORE, "");
            x.on_response_headers(&hdrs(&resp), false, 2);
            assert!(!x.restores_response(), "{resp:?}");
        }
    }

    #[test]
    fn accept_encoding_is_narrowed_under_as_sent_when_the_rules_restore() {
        let as_sent = r#"{"audit":{"accept_encoding":"as_sent"},
            "detectors":{"actions":{"email":{"action":"pseudonymize","restore":true}}}}"#;
        assert_eq!(
            head_step(as_sent, &["br, gzip"], &[]),
            Step::SetRequestHeader {
                name: "accept-encoding".into(),
                value: Some("gzip".into()),
                then: Box::new(Step::Pause),
            }
        );
    }

    #[test]
    fn local_reply_keeps_the_denial_and_reads_nothing() {
        let mut x = exchange("{}");
        x.on_request_headers(
            &hdrs(&[(":method", "POST"), (":path", "/v1/files")]),
            false,
            1,
        );
        let resp = hdrs(&[
            (":status", "403"),
            ("content-type", "application/json"),
            ("x-request-id", "req_x"),
        ]);
        x.on_response_headers(&resp, false, 2);
        assert!(!x.wants_response_body());
        let r = x.finish(3);
        assert_eq!((r.decision, r.status), (Decision::Deny, Some(403)));
        assert_eq!(r.openai_request_id, None);
    }

    #[test]
    fn a_stream_ended_before_its_headers_reached_the_filter_was_never_seen() {
        // Envoy answers a WebSocket upgrade on a listener without `upgrade_configs` itself:
        // the filter gets its reply and `on_log`, never the request headers.
        let mut x = exchange("{}");
        x.on_response_headers(&hdrs(&[(":status", "403")]), true, 2);
        assert!(!x.seen());
        // The record it would write says `allow`: the adapter writes none.
        assert_eq!(x.finish(3).decision, Decision::Allow);
        let mut x = exchange("{}");
        x.on_request_headers(
            &hdrs(&[(":method", "GET"), (":path", "/v1/models")]),
            true,
            1,
        );
        assert!(x.seen());
        let mut x = Exchange::new(None);
        x.on_request_headers(&hdrs(CHAT), true, 1);
        assert!(x.seen(), "a refusal is a decision, recorded");
    }
}
