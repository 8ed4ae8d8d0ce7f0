//! One request/response exchange as a host-independent state machine. The adapter feeds it
//! what the host delivers (headers as byte pairs, body sizes, the body once, response headers
//! and chunks) and carries out the [`Step`] it returns; all decisions live here, so they are
//! tested natively without a proxy.
//!
//! One room per concern:
//! - `stage`: where the request is (unseen, being judged, held for its body, forwarded,
//!   refused), each stage with its own data; the body callbacks are answered there;
//! - `mode`: the one place the mode in force (enforce or audit) is applied to a ruling, and
//!   the only code that sets the request's outcome (through the record's methods);
//! - `head`: the rules over the request head, in the order they run, and the header edits
//!   of a forwarded request;
//! - `body`: the decision over the whole body;
//! - `response`: the reply: status, ids, token usage, restored pseudonyms, the token charge.
//!
//! A new refusal is a [`Reason`](crate::reason::Reason) returned by the rule that finds it,
//! handed to `Exchange::rule` as a `Ruling`: the record, the reply and audit mode follow.

mod body;
mod head;
mod mode;
mod response;
mod stage;
#[cfg(test)]
mod tests;

use crate::audit::{AuditRecord, Decision};
use crate::config::{ActionTable, Mode, Policy, Project, UnscannablePolicy};
use crate::policy::throttle::SharedStore;
use response::Response;
use stage::Stage;
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

/// One exchange.
#[derive(Debug)]
pub struct Exchange {
    policy: Option<Rc<Policy>>,
    stage: Stage,
    record: AuditRecord,
    start_ms: u64,
    in_force: InForce,
    /// The `OpenAI-Project` header as sent: restored pseudonyms are numbered within it.
    scope: Vec<u8>,
    response: Response,
    /// Gateway controls: the shared store of the throttles, the downstream address, and
    /// whether the reply's tokens were charged.
    controls: Controls,
}

/// The rules in force: the resolved project's, else the policy's.
#[derive(Debug, Clone, Copy)]
struct InForce {
    /// The resolved project (its index in the register).
    project: Option<usize>,
    mode: Mode,
    max_body_bytes: u64,
}

/// What the gateway controls keep for one exchange.
#[derive(Default)]
struct Controls {
    store: Option<Rc<dyn SharedStore>>,
    downstream: Option<Vec<u8>>,
    /// The tokens of the reply were charged (or there was nothing to charge).
    charged: bool,
}

impl std::fmt::Debug for Controls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controls")
            .field("store", &self.store.is_some())
            .field("charged", &self.charged)
            .finish_non_exhaustive()
    }
}

impl Exchange {
    /// A new exchange under `policy` (`None`: the filter has no valid policy and refuses).
    pub fn new(policy: Option<Rc<Policy>>) -> Self {
        let in_force = InForce {
            project: None,
            mode: policy.as_ref().map_or(Mode::Enforce, |p| p.mode),
            max_body_bytes: policy.as_ref().map_or(0, |p| p.max_body_bytes),
        };
        Self {
            policy,
            stage: Stage::Unseen,
            record: AuditRecord::default(),
            start_ms: 0,
            in_force,
            scope: Vec::new(),
            response: Response::default(),
            controls: Controls::default(),
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
        match self.stage {
            Stage::Refused {
                retry_after_s: Some(s),
            } => vec![("retry-after", s.to_string())],
            _ => Vec::new(),
        }
    }

    /// Whether the request headers reached the filter: only then is there a record to write
    /// and count.
    pub fn seen(&self) -> bool {
        !matches!(self.stage, Stage::Unseen)
    }

    /// The adapter could not carry out a step (a host call failed): refuse.
    pub fn host_failed(&mut self) -> Step {
        self.settle(mode::Ruling::Refused(
            crate::reason::Reason::FilterUnavailable,
        ))
    }

    /// The exchange is over (or the record is wanted now): the finished record. Safe to call
    /// more than once; the duration is measured at each call.
    pub fn finish(&mut self, now_ms: u64) -> &AuditRecord {
        let held = match &self.stage {
            // The stream ended while the request was held: nothing went upstream.
            Stage::Body(held) => Some(held.buffered as u64),
            _ => None,
        };
        if let Some(buffered) = held {
            self.record.aborted(buffered);
        }
        self.finish_usage();
        if held.is_none() && self.record.decision != Decision::WouldDeny {
            self.charge_tokens(now_ms);
        }
        // A reply cut short: what was restored before it ended is counted.
        if let Some(restorer) = self.response.restorer.take() {
            self.record.add_restored(restorer.restored());
        }
        if self.start_ms > 0 {
            self.record.duration_ms = Some(now_ms.saturating_sub(self.start_ms));
        }
        &self.record
    }

    /// The resolved project's rules, if any, and the detector actions in force (the
    /// project's own table, else the policy's).
    fn rules<'p>(&self, policy: &'p Policy) -> (Option<&'p Project>, &'p ActionTable) {
        let rules = self
            .in_force
            .project
            .and_then(|i| policy.register.project(i));
        let actions = rules
            .and_then(|p| p.actions.as_ref())
            .unwrap_or(&policy.actions);
        (rules, actions)
    }

    /// Whether what the request carries that cannot be scanned is refused (the project's
    /// `unscannable` setting, else the policy's).
    fn refuses_unscannable(&self, policy: &Policy) -> bool {
        let setting = self
            .rules(policy)
            .0
            .map_or(policy.unscannable, |p| p.unscannable);
        self.record.unscannable.total() > 0 && setting == UnscannablePolicy::Refuse
    }
}
