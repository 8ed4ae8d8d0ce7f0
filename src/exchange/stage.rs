//! Where the request is, each stage with the data it needs (what a held body is read
//! against, the `Retry-After` of a refusal), and the body callbacks answered from it.

use super::mode::Ruling;
use super::{Exchange, Step};
use crate::openai::Endpoint;
use crate::policy::head::BodyRead;
use crate::reason::Reason;

/// Where the request is.
#[derive(Debug)]
pub(super) enum Stage {
    /// The request headers have not reached the filter. A stream Envoy ends before that (a
    /// WebSocket upgrade on a listener that takes none) was never seen: it has no record.
    Unseen,
    /// The request is being judged (its head, or its body once read).
    Judging,
    /// The head passed: the request is held until its body is whole.
    Body(Held),
    /// Decided: the request goes on (as sent or rewritten; in audit mode, as sent).
    Forwarded,
    /// Decided: refused with a local reply; nothing goes upstream.
    Refused {
        /// Seconds of the reply's `Retry-After` (a throttle's refusal).
        retry_after_s: Option<u64>,
    },
}

/// What a held request's body is read against.
#[derive(Debug)]
pub(super) struct Held {
    /// The recognised endpoint.
    pub endpoint: Endpoint,
    /// How the body is read (JSON, a form with its boundary, ...).
    pub read: BodyRead,
    /// `Content-Length`, if declared.
    pub declared_len: Option<u64>,
    /// Body bytes buffered so far.
    pub buffered: usize,
}

impl Exchange {
    /// Request body data: `buffered` bytes are held so far.
    pub fn on_request_body(&mut self, buffered: usize, end_of_stream: bool) -> Step {
        let held = match &mut self.stage {
            Stage::Body(held) => held,
            Stage::Forwarded => return Step::Continue,
            Stage::Unseen | Stage::Judging | Stage::Refused { .. } => return Step::Pause,
        };
        held.buffered = buffered;
        if buffered as u64 > self.in_force.max_body_bytes {
            self.record.bytes_in = buffered as u64;
            return self.settle(Ruling::Refused(Reason::BodyTooLarge));
        }
        if !end_of_stream {
            return Step::Pause;
        }
        Step::ReadBody { size: buffered }
    }

    /// Request trailers arrived: the body is complete (HTTP/2 with trailers never sends
    /// `end_of_stream` with the body).
    pub fn on_request_trailers(&mut self) -> Step {
        match &self.stage {
            Stage::Body(held) => Step::ReadBody {
                size: held.buffered,
            },
            Stage::Forwarded => Step::Continue,
            Stage::Unseen | Stage::Judging | Stage::Refused { .. } => Step::Pause,
        }
    }

    /// Whether the filter refused the request with a local reply.
    pub(super) fn refused(&self) -> bool {
        matches!(self.stage, Stage::Refused { .. })
    }
}
