//! The decision over the whole body, read once: its length against what was counted and
//! declared, the inspection by how the body is read (JSON, a form, an upload, an SDP offer),
//! the project's body rules (retention, `store: false`), what cannot be scanned; then one
//! ruling for [`Exchange::rule`]. A body that goes upstream with restorable placeholders
//! leaves their table for the reply.

use super::mode::Ruling;
use super::stage::{Held, Stage};
use super::{Exchange, Step};
use crate::audit::SafeId;
use crate::config::{ActionTable, Policy, Project};
use crate::openai::surface::{Body, Form, Shape};
use crate::openai::ApiKind;
use crate::pipeline::{inspect_body_in, BodyOutcome, Verdict};
use crate::policy::head::BodyRead;
use crate::policy::project;
use crate::policy::retention::{self, BodyChange};
use crate::reason::Reason;
use crate::restore::Table;
use crate::upload::form::{inspect_form, sdp_offer};
use crate::upload::inspect_upload_to;

impl Exchange {
    /// The whole body, as read after [`Step::ReadBody`]: decide.
    pub fn decide_body(&mut self, body: &[u8]) -> Step {
        let Some(policy) = self.policy.clone() else {
            return self.settle(Ruling::Refused(Reason::FilterUnavailable));
        };
        let held = match std::mem::replace(&mut self.stage, Stage::Judging) {
            Stage::Body(held) => held,
            // Only a held request has a body to read.
            _ => return self.settle(Ruling::Refused(Reason::FilterUnavailable)),
        };
        let size = held.buffered;
        self.record.bytes_in = body.len() as u64;
        if body.len() != size || held.declared_len.is_some_and(|n| n != size as u64) {
            return self.settle(Ruling::Refused(Reason::BodyLengthMismatch));
        }
        if body.is_empty() && takes_none(&held) {
            return self.settle(Ruling::Forward);
        }
        let (rules, actions) = self.rules(&policy);
        let mut outcome = inspect(&policy, actions, rules, &held, body, &self.scope);
        // The model that runs (on Azure, what the deployment maps to; never its name).
        let model = project::model_of(
            &policy.register,
            &held.endpoint,
            outcome.facts.model.as_deref(),
        );
        let change = match (outcome.verdict(), rules) {
            (Verdict::Deny(_), _) | (_, None) => Ok(BodyChange::None),
            (_, Some(p)) => retention::check_body(p, &held.endpoint, &outcome.facts, model),
        };
        self.record.add_findings(&outcome.counts, &policy);
        self.record.unscannable.add(&outcome.unscannable);
        self.record.stream = outcome.facts.stream;
        if let Some(m) = model {
            self.record.model = Some(SafeId::new(m.as_bytes(), &policy));
        }
        self.record.bytes_out = size as u64;
        let minted = std::mem::take(&mut outcome.minted);
        // Moved out, not cloned: a rewritten body is as large as the request.
        let verdict = outcome.verdict.unwrap_or(Verdict::Forward);
        let ruling = match (verdict, change) {
            (Verdict::Deny(reason), _) | (_, Err(reason)) => Ruling::Refused(reason),
            _ if self.refuses_unscannable(&policy) => Ruling::Refused(Reason::UnscannableContent),
            (verdict, Ok(change)) => ruling(verdict, change, body, size),
        };
        let step = self.settle(ruling);
        // Only a body that went upstream with the placeholders has a reply to restore.
        let replies_with_text = matches!(
            held.endpoint.kind,
            ApiKind::ChatCompletions | ApiKind::Responses | ApiKind::Completions
        );
        if replies_with_text && matches!(step, Step::ReplaceBody { .. }) {
            self.response.pending = Table::new(minted, policy.detectors.rules());
        }
        step
    }
}

/// Nothing to inspect in an empty body: an operation that takes no body (a cancel), or one
/// whose JSON body is any object and names no model (`conversations.create()`).
fn takes_none(held: &Held) -> bool {
    held.read == BodyRead::Empty
        || held.endpoint.op.is_some_and(|op| {
            matches!(op.body, Body::None | Body::WebSocket)
                || (held.read == BodyRead::Json
                    && op.body.json() == Some(Shape::Object)
                    && !op.names_model)
        })
}

/// Inspects `body` the way the head said it is read.
fn inspect(
    policy: &Policy,
    actions: &ActionTable,
    rules: Option<&Project>,
    held: &Held,
    body: &[u8],
    scope: &[u8],
) -> BodyOutcome {
    let endpoint = &held.endpoint;
    match &held.read {
        // A body with no content type where none is taken.
        BodyRead::Empty => BodyOutcome::deny(Reason::UnsupportedContentType),
        BodyRead::Json => inspect_body_in(policy, actions, endpoint, body, scope),
        BodyRead::Form(boundary, Form::Files) => {
            inspect_upload_to(policy, actions, rules, endpoint, boundary, body)
        }
        BodyRead::Form(boundary, form) => inspect_form(policy, actions, *form, boundary, body),
        BodyRead::Sdp => sdp_offer(),
    }
}

/// The ruling over an inspected body of `size` bytes: the pipeline's verdict, then the
/// project's body rule (`change`).
fn ruling(verdict: Verdict, change: BodyChange, body: &[u8], size: usize) -> Ruling {
    let bytes = match (verdict, change) {
        (Verdict::Deny(reason), _) => return Ruling::Refused(reason),
        (Verdict::Forward, BodyChange::None) => return Ruling::Forward,
        (Verdict::Rewrite(bytes), BodyChange::None) => bytes,
        (verdict, BodyChange::InjectStoreFalse) => {
            let base = match &verdict {
                Verdict::Rewrite(bytes) => bytes.as_slice(),
                _ => body,
            };
            match retention::inject_store_false(base) {
                Some(bytes) => bytes,
                None => return Ruling::Refused(Reason::InvalidBody),
            }
        }
    };
    Ruling::Rewrite { size, bytes }
}
