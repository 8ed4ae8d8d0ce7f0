//! The rules over the request head, in the order they run: a revoked key, the policy headers,
//! the target, the project (its endpoint and model rules, its sources), the head's content
//! checks, the query string, a WebSocket's frames, the throttle (last: a request another rule
//! refuses takes nothing from the budget). Each failed rule is handed to [`Exchange::rule`]:
//! enforce stops at the first, audit records it and runs the rest. A request that goes on
//! gets its header edits: `accept-encoding`, the routing header, the project header.

use super::mode::Ruling;
use super::stage::{Held, Stage};
use super::{Exchange, Step};
use crate::audit::{self, rfc3339_millis, SafeId};
use crate::coding::narrow_accept_encoding;
use crate::config::{AcceptEncoding, Mode, Policy};
use crate::http::source;
use crate::pipeline::Verdict;
use crate::policy::head::{self, HeaderPairs, Target};
use crate::policy::hygiene::{self, PolicyHeaders};
use crate::policy::throttle::{self, Admission};
use crate::policy::{gate, project};
use crate::query::inspect_query;
use crate::reason::Reason;
use std::ops::ControlFlow;

/// `Accept-Encoding`.
const ACCEPT_ENCODING: &str = "accept-encoding";

/// Who sends the request, and where to.
struct Sender<'h> {
    /// The recognised target.
    target: Target,
    /// The policy headers (when they cannot be trusted, only the host).
    headers: PolicyHeaders<'h>,
    /// The project the register resolved (none when the policy headers cannot be trusted).
    project: Option<usize>,
}

impl Exchange {
    /// Request headers arrived (`end_of_stream`: no body follows).
    pub fn on_request_headers(
        &mut self,
        headers: &HeaderPairs,
        end_of_stream: bool,
        now_ms: u64,
    ) -> Step {
        self.stage = Stage::Judging;
        self.start_ms = now_ms;
        self.record.ts = rfc3339_millis(now_ms);
        self.record.version = audit::VERSION;
        let Some(policy) = self.policy.clone() else {
            return self.settle(Ruling::Refused(Reason::FilterUnavailable));
        };
        self.identify(&policy, headers);
        let (flow, route) = match self.sender(&policy, headers) {
            ControlFlow::Break(step) => (ControlFlow::Break(step), None),
            ControlFlow::Continue(sender) => {
                let route = self.bring_into_force(&policy, &sender);
                (self.judge(&policy, headers, sender, end_of_stream), route)
            }
        };
        let step = match flow {
            ControlFlow::Break(step) => step,
            ControlFlow::Continue(()) => self.settle(Ruling::Forward),
        };
        match step {
            reply @ Step::Reply { .. } => reply,
            step => self.with_edits(&policy, headers, route, step),
        }
    }

    /// The record's view of who sends the request: the policy in force, a keyed fingerprint
    /// of the API key (never the key), the request id, method, project and organisation.
    fn identify(&mut self, policy: &Policy, headers: &HeaderPairs) {
        let one = |name: &str| {
            head::single(headers, name)
                .ok()
                .flatten()
                .map(|v| SafeId::new(v, policy))
        };
        let r = &mut self.record;
        r.mode = mode_name(policy.mode);
        r.policy = policy.digest.clone();
        if let Some(key) = audit::api_key(headers) {
            r.key_fingerprint = Some(policy.audit.fingerprint(key));
        }
        r.request_id = one("x-request-id");
        r.method = one(":method");
        r.project = one(hygiene::PROJECT);
        r.organization = one(hygiene::ORGANIZATION);
        self.scope = head::single(headers, hygiene::PROJECT)
            .ok()
            .flatten()
            .unwrap_or_default()
            .to_vec();
    }

    /// The rules that say who may send: a revoked key (before any other rule reads the
    /// request), the policy headers, the target, the project. Without trusted policy headers
    /// no project is resolved (not even `default`, whose own mode could otherwise turn this
    /// audit-mode request into an enforced one): the policy's rules apply, and the request
    /// goes to its host's region if its host alone can be read.
    fn sender<'h>(
        &mut self,
        policy: &Policy,
        headers: &'h HeaderPairs,
    ) -> ControlFlow<Step, Sender<'h>> {
        let target = head::target(headers);
        if let Ok(t) = &target {
            self.record.endpoint = t.endpoint.route.clone();
            self.record.api = t.endpoint.kind.as_str();
        }
        if gate::revoked(policy, self.record.key_fingerprint.as_deref()) {
            self.rule(Ruling::Failed(Reason::KeyRevoked))?;
        }
        let (checked, trusted) = match hygiene::read(headers, &policy.register) {
            Ok(h) => (h, true),
            Err(reason) => {
                self.rule(Ruling::Failed(reason))?;
                let authority = hygiene::authority(headers).ok().flatten();
                let h = PolicyHeaders {
                    authority,
                    ..PolicyHeaders::default()
                };
                (h, false)
            }
        };
        self.record.caller = checked.caller.map(|c| SafeId::new(c.as_bytes(), policy));
        let target = match target {
            Ok(t) => t,
            Err(reason) => return ControlFlow::Break(self.settle(Ruling::Refused(reason))),
        };
        let project = match trusted.then(|| project::resolve(&policy.register, &checked)) {
            Some(Ok(i)) => i,
            Some(Err(reason)) => {
                self.rule(Ruling::Failed(reason))?;
                None
            }
            None => None,
        };
        ControlFlow::Continue(Sender {
            target,
            headers: checked,
            project,
        })
    }

    /// The resolved project's rules come into force (its mode, body cap and actions); the
    /// record takes the region and the model the Azure deployment in the path serves.
    /// Returns the region the request goes to: the project's if its host is one of that
    /// region's, else the one its host belongs to.
    fn bring_into_force(&mut self, policy: &Policy, sender: &Sender) -> Option<String> {
        let register = &policy.register;
        let rules = sender.project.and_then(|i| register.project(i));
        let authority = sender.headers.authority.as_deref();
        let route = rules
            .and_then(|p| p.region)
            .and_then(|i| register.region(i))
            .filter(|r| authority.is_some_and(|a| r.hosts.iter().any(|h| h == a)))
            .or_else(|| authority.and_then(|a| register.region_of_host(a)))
            .map(|r| r.name.clone());
        self.record.region = route.as_ref().map(|r| SafeId::new(r.as_bytes(), policy));
        let deployment_model = project::deployment_model(register, &sender.target.endpoint);
        self.record.model = deployment_model.map(|m| SafeId::new(m.as_bytes(), policy));
        if let Some(p) = rules {
            self.in_force.project = sender.project;
            self.in_force.mode = p.mode;
            self.in_force.max_body_bytes = p.max_body_bytes;
            self.record.mode = mode_name(p.mode);
        }
        route
    }

    /// The rules after the sender's: the project's endpoint and model rules, its sources,
    /// the head's content checks, the query string, a WebSocket's frames, the throttle. Then
    /// the request goes on (no body to read) or is held for its body.
    fn judge(
        &mut self,
        policy: &Policy,
        headers: &HeaderPairs,
        sender: Sender,
        end_of_stream: bool,
    ) -> ControlFlow<Step> {
        let Sender {
            target,
            headers: checked,
            project: index,
        } = sender;
        if let Some(p) = self.rules(policy).0 {
            if let Err(reason) = project::check(&policy.register, p, &checked, &target.endpoint) {
                self.rule(Ruling::Failed(reason))?;
            }
        }
        if let Some(i) = index {
            let downstream = self.controls.downstream.as_deref();
            let client = |hops| source::client_address(headers, downstream, hops);
            if let Err(reason) = gate::source_allowed(&policy.controls, i, client) {
                self.rule(Ruling::Failed(reason))?;
            }
        }
        let has_body = !end_of_stream;
        let max = self.in_force.max_body_bytes;
        let h = match head::check_target(policy, target, headers, has_body, max) {
            Ok(h) => h,
            Err(reason) => return self.rule(Ruling::Refused(reason)),
        };
        self.query(policy, headers)?;
        if h.websocket {
            // Frames follow, which the filter does not read.
            self.record.unscannable.websocket = 1;
            if self.refuses_unscannable(policy) {
                self.rule(Ruling::Failed(Reason::UnscannableContent))?;
            }
        }
        self.throttle(policy)?;
        if !h.inspect_body {
            return self.rule(Ruling::Forward);
        }
        self.stage = Stage::Body(Held {
            endpoint: h.endpoint,
            read: h.read,
            declared_len: h.declared_len,
            buffered: 0,
        });
        // A body-bearing method with no body: the empty body is inspected.
        ControlFlow::Break(if end_of_stream {
            Step::ReadBody { size: 0 }
        } else {
            Step::Pause
        })
    }

    /// The query string, inspected like the body's strings: its findings are recorded; a
    /// sensitive value (which a URL never has rewritten) or what cannot be scanned fails the
    /// rule.
    fn query(&mut self, policy: &Policy, headers: &HeaderPairs) -> ControlFlow<Step> {
        // (A path that is no UTF-8 never gets here: the target check refuses it.)
        let path = head::single(headers, ":path").ok().flatten();
        let Some(path) = path.and_then(|p| std::str::from_utf8(p).ok()) else {
            return ControlFlow::Continue(());
        };
        let (_, actions) = self.rules(policy);
        let Some(outcome) = inspect_query(policy, actions, path) else {
            return ControlFlow::Continue(());
        };
        self.record.add_findings(&outcome.counts, policy);
        self.record.unscannable.add(&outcome.unscannable);
        if let Verdict::Deny(reason) = outcome.verdict {
            return self.rule(Ruling::Failed(reason));
        }
        // As for a body: one rule for what cannot be scanned.
        if self.refuses_unscannable(policy) {
            return self.rule(Ruling::Failed(Reason::UnscannableContent));
        }
        ControlFlow::Continue(())
    }

    /// The resolved entry's throttle: a request over its budget is refused with
    /// `Retry-After`. Without a shared store, the throttle is unavailable, never skipped.
    fn throttle(&mut self, policy: &Policy) -> ControlFlow<Step> {
        let entry = self
            .in_force
            .project
            .and_then(|i| policy.controls.project(i));
        let Some((entry, limits)) = entry.and_then(|e| Some((e, e.throttle?))) else {
            return ControlFlow::Continue(());
        };
        let key = throttle::key(&entry.name);
        let admission = match &self.controls.store {
            Some(store) => throttle::admit(store.as_ref(), &key, &limits, self.start_ms),
            None => Admission::Limited {
                limit: throttle::Limit::Unavailable,
                retry_after_s: 1,
            },
        };
        match admission {
            Admission::Limited {
                limit,
                retry_after_s,
            } => self.rule(Ruling::Throttled {
                limit,
                retry_after_s,
            }),
            _ => ControlFlow::Continue(()),
        }
    }

    /// A forwarded request's header edits around `step`: `accept-encoding` narrowed where
    /// the reply must be read, the routing header set to the region `route` (removed without
    /// one), and the project header set to the resolved register entry (a client-sent value
    /// is always replaced or removed), for Envoy's own rate limiters.
    fn with_edits(
        &self,
        policy: &Policy,
        headers: &HeaderPairs,
        route: Option<String>,
        mut step: Step,
    ) -> Step {
        let edit = |name: &str, value, then| Step::SetRequestHeader {
            name: name.to_string(),
            value,
            then: Box::new(then),
        };
        let restores = self.rules(policy).1.restores_any();
        if let Some(value) = accept_encoding(policy, headers, restores) {
            step = edit(ACCEPT_ENCODING, Some(value), step);
        }
        if let Some(name) = &policy.register.routing_header {
            step = edit(name, route, step);
        }
        if let Some(name) = &policy.controls.project_header {
            let entry = self
                .in_force
                .project
                .and_then(|i| policy.controls.project(i));
            step = edit(name, entry.map(|p| p.name.clone()), step);
        }
        step
    }
}

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
