//! The one place the mode in force meets a ruling. Enforce carries it out: a refusal is the
//! local reply, a rewrite replaces the body. Audit lets the request go on as sent and records
//! what enforce would have done (the first refusal, else `would_redact`). A filter that cannot
//! work (no policy, a failed host call) refuses in either mode. The request's outcome in the
//! record (decision, reason, status, bytes sent) is written here and nowhere else (besides a
//! request abandoned while held, which `finish` records).

use super::stage::Stage;
use super::{Exchange, Step};
use crate::config::Mode;
use crate::policy::throttle::{self, Limit};
use crate::reason::{error_body, Reason};
use std::ops::ControlFlow;

/// What a rule or a check decided about the request.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Ruling {
    /// A rule over a request the filter can read failed (a revoked key, a project, an
    /// endpoint, a source, a value in the query, unscannable content in the head). In audit
    /// mode the checks after it still run, so that the record holds every decision.
    Failed(Reason),
    /// A throttle said no: which limit, and the seconds of the reply's `Retry-After`. In audit
    /// mode the checks go on, as after a failed rule, and nothing is taken from the budget.
    Throttled {
        /// The limit that was reached.
        limit: Limit,
        /// Seconds until the budget allows a request again.
        retry_after_s: u64,
    },
    /// The request is refused for good (its target, its head, its body). In audit mode it
    /// goes on unread.
    Refused(Reason),
    /// Forward the request as sent.
    Forward,
    /// Forward the request with `bytes` in place of its `size` body bytes.
    Rewrite {
        /// Bytes of the buffered body to replace.
        size: usize,
        /// The new body.
        bytes: Vec<u8>,
    },
}

impl Exchange {
    /// Applies the mode in force to `ruling`: `Break(step)` decides the request with `step`;
    /// `Continue` lets the checks go on (audit mode, after a failed rule or a throttle).
    pub(super) fn rule(&mut self, ruling: Ruling) -> ControlFlow<Step> {
        let audit = self.in_force.mode == Mode::Audit;
        let step = match ruling {
            Ruling::Refused(Reason::FilterUnavailable) => {
                return ControlFlow::Break(self.refuse(Reason::FilterUnavailable, None));
            }
            Ruling::Failed(reason) | Ruling::Refused(reason) if !audit => {
                return ControlFlow::Break(self.refuse(reason, None));
            }
            Ruling::Throttled {
                limit,
                retry_after_s,
            } if !audit => {
                let throttled = Some((limit, retry_after_s));
                return ControlFlow::Break(self.refuse(Reason::RateLimited, throttled));
            }
            Ruling::Failed(reason) => {
                self.record.would_refuse(reason, None);
                return ControlFlow::Continue(());
            }
            Ruling::Throttled { limit, .. } => {
                self.record
                    .would_refuse(Reason::RateLimited, Some(limit.as_str()));
                return ControlFlow::Continue(());
            }
            Ruling::Refused(reason) => {
                self.record.would_refuse(reason, None);
                Step::Continue
            }
            Ruling::Forward => Step::Continue,
            Ruling::Rewrite { .. } if audit => {
                self.record.would_redact();
                Step::Continue
            }
            Ruling::Rewrite { size, bytes } => {
                self.record.redacted(bytes.len() as u64);
                Step::ReplaceBody { size, bytes }
            }
        };
        self.stage = Stage::Forwarded;
        ControlFlow::Break(step)
    }

    /// [`Self::rule`] where the request side ends: after a ruling that lets the checks go on
    /// (audit mode), nothing is left to check, and the request is forwarded.
    pub(super) fn settle(&mut self, ruling: Ruling) -> Step {
        match self.rule(ruling) {
            ControlFlow::Break(step) => step,
            ControlFlow::Continue(()) => self.settle(Ruling::Forward),
        }
    }

    /// The local reply for `reason` (a throttle's names its limit and goes with
    /// `Retry-After`); nothing goes upstream.
    fn refuse(&mut self, reason: Reason, throttled: Option<(Limit, u64)>) -> Step {
        let limit = throttled.map(|(limit, _)| limit);
        self.record.refused(reason, limit.map(Limit::as_str));
        self.stage = Stage::Refused {
            retry_after_s: throttled.map(|(_, s)| s),
        };
        Step::Reply {
            status: reason.status(),
            body: limit.map_or_else(|| error_body(reason), throttle::error_body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Decision;
    use crate::config::Policy;
    use std::rc::Rc;

    /// What `rule` does with one ruling under one mode: the step (`None`: the checks go
    /// on), then the record's decision and reason.
    fn ruled(mode: &str, ruling: Ruling) -> (Option<Step>, Decision, Option<&'static str>) {
        let json = format!(r#"{{"mode":"{mode}"}}"#);
        let policy = Rc::new(Policy::from_json(json.as_bytes()).unwrap());
        let mut x = Exchange::new(Some(policy));
        let step = match x.rule(ruling) {
            ControlFlow::Break(step) => Some(step),
            ControlFlow::Continue(()) => None,
        };
        (step, x.record.decision, x.record.reason)
    }

    #[test]
    fn enforce_carries_a_ruling_out_and_audit_only_records_it() {
        let reply = |r: Reason| {
            Some(Step::Reply {
                status: r.status(),
                body: error_body(r),
            })
        };
        let throttled = || Ruling::Throttled {
            limit: Limit::RequestsPerMinute,
            retry_after_s: 7,
        };
        let rewrite = || Ruling::Rewrite {
            size: 3,
            bytes: b"{}".to_vec(),
        };
        let replaced = Some(Step::ReplaceBody {
            size: 3,
            bytes: b"{}".to_vec(),
        });
        let (revoked, length) = (Reason::KeyRevoked, Reason::BodyLengthMismatch);
        let unavailable = Reason::FilterUnavailable;
        let go_on = None;
        let cases = [
            (
                "enforce",
                Ruling::Failed(revoked),
                reply(revoked),
                Decision::Deny,
            ),
            (
                "audit",
                Ruling::Failed(revoked),
                go_on.clone(),
                Decision::WouldDeny,
            ),
            (
                "enforce",
                Ruling::Refused(length),
                reply(length),
                Decision::Deny,
            ),
            (
                "audit",
                Ruling::Refused(length),
                Some(Step::Continue),
                Decision::WouldDeny,
            ),
            (
                "audit",
                Ruling::Refused(unavailable),
                reply(unavailable),
                Decision::Deny,
            ),
            ("audit", throttled(), go_on, Decision::WouldDeny),
            (
                "enforce",
                Ruling::Forward,
                Some(Step::Continue),
                Decision::Allow,
            ),
            (
                "audit",
                Ruling::Forward,
                Some(Step::Continue),
                Decision::Allow,
            ),
            ("enforce", rewrite(), replaced, Decision::Redact),
            (
                "audit",
                rewrite(),
                Some(Step::Continue),
                Decision::WouldRedact,
            ),
        ];
        for (mode, ruling, step, decision) in cases {
            let what = format!("{mode} {ruling:?}");
            let (got, recorded, _) = ruled(mode, ruling);
            assert_eq!((got, recorded), (step, decision), "{what}");
        }
        // A throttle's refusal has its own body, which names the limit.
        let (step, decision, reason) = ruled("enforce", throttled());
        let Some(Step::Reply { status: 429, body }) = step else {
            panic!("{step:?}")
        };
        assert!(body.contains("requests-per-minute"), "{body}");
        assert_ne!(body, error_body(Reason::RateLimited));
        assert_eq!((decision, reason), (Decision::Deny, Some("rate_limited")));
    }

    #[test]
    fn audit_mode_keeps_the_first_refusal_and_no_rewrite_hides_it() {
        let policy = Rc::new(Policy::from_json(br#"{"mode":"audit"}"#).unwrap());
        let mut x = Exchange::new(Some(policy));
        assert!(x
            .rule(Ruling::Failed(Reason::ProjectNotAllowed))
            .is_continue());
        assert!(x.rule(Ruling::Failed(Reason::SensitiveQuery)).is_continue());
        let rewrite = Ruling::Rewrite {
            size: 1,
            bytes: Vec::new(),
        };
        assert_eq!(x.rule(rewrite), ControlFlow::Break(Step::Continue));
        let r = &x.record;
        assert_eq!(
            (r.decision, r.reason),
            (Decision::WouldDeny, Some("project_not_allowed"))
        );
        assert!(matches!(x.stage, Stage::Forwarded));
    }
}
