//! The reply: its status, OpenAI's request id and the timings for the record; its token usage
//! (JSON or SSE, in bounded memory), charged once to the project's throttle; and, when the
//! forwarded body carried restorable placeholders, the reply's pseudonyms restored chunk by
//! chunk. The reply always goes on; what cannot be read only leaves the usage unknown.

use super::Exchange;
use crate::policy::head::{self, HeaderPairs};
use crate::policy::throttle;
use crate::restore::{Restorer, Table};
use crate::usage::UsageReader;

/// What the response side keeps.
#[derive(Debug, Default)]
pub(super) struct Response {
    headers_seen: bool,
    /// The placeholders the forwarded body carries for restoration (until the reply).
    pub pending: Option<Table>,
    reader: Option<UsageReader>,
    pub restorer: Option<Restorer>,
    /// Response headers the adapter must remove before the body goes on.
    removals: Vec<&'static str>,
}

impl Exchange {
    /// The address of the upstream host Envoy chose (`ip:port`), when the host knows it.
    pub fn note_upstream_host(&mut self, host: &[u8]) {
        self.record.upstream_host = Some(crate::audit::SafeId::from_proxy(host));
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
        let table = self.response.pending.take();
        let Some(policy) = self.policy.as_ref() else {
            return;
        };
        if self.refused() {
            return;
        }
        if let Ok(Some(id)) = head::single(headers, "x-request-id") {
            self.record.openai_request_id = Some(crate::audit::SafeId::new(id, policy));
        }
        if !end_of_stream {
            self.read_reply(headers, table);
        }
    }

    /// Sets up what reads the reply's body: the restorer (a success with `table`'s
    /// placeholders, in a content type and coding it reads) and the usage reader.
    fn read_reply(&mut self, headers: &HeaderPairs, table: Option<Table>) {
        let one = |name| head::single(headers, name).ok().flatten();
        let success = self.record.status.is_some_and(|s| (200..300).contains(&s));
        let table = table.filter(|_| success);
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
            self.record.add_restored(restorer.restored());
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

    /// How many of each response chunk's last bytes [`Self::on_response_body`] needs.
    pub fn response_bytes_wanted(&self) -> usize {
        self.response.reader.as_ref().map_or(0, UsageReader::wanted)
    }

    /// A response body chunk of `size` bytes passed on to the client (`chunk` holds its bytes,
    /// or its last [`Self::response_bytes_wanted`], when [`Self::wants_response_body`], else
    /// is empty). The response always goes on unchanged: a body that cannot be parsed only
    /// leaves the usage unknown.
    pub fn on_response_body(&mut self, size: usize, chunk: &[u8], end_of_stream: bool) {
        self.response_chunk(size, end_of_stream, |r| r.feed_end(size, chunk));
    }

    /// [`Self::on_response_body`] with the chunk's bytes handed over: the usage reader keeps
    /// a plain body's first chunk without copying it.
    pub fn on_response_body_owned(&mut self, size: usize, chunk: Vec<u8>, end_of_stream: bool) {
        self.response_chunk(size, end_of_stream, |r| r.feed_end_owned(size, chunk));
    }

    /// A response chunk of `size` bytes counted, fed to the usage reader by `feed`.
    fn response_chunk(
        &mut self,
        size: usize,
        end_of_stream: bool,
        feed: impl FnOnce(&mut UsageReader),
    ) {
        self.record.response_bytes = self.record.response_bytes.saturating_add(size as u64);
        if let Some(reader) = self.response.reader.as_mut() {
            feed(reader);
            if end_of_stream {
                self.finish_usage();
            }
        }
    }

    /// The usage reader's last word, into the record.
    pub(super) fn finish_usage(&mut self) {
        if let Some(mut reader) = self.response.reader.take() {
            if let Some(usage) = reader.finish() {
                self.record.usage = Some(usage);
            }
        }
    }

    /// Charges the reply's tokens to the resolved entry's throttle, once.
    pub(super) fn charge_tokens(&mut self, now_ms: u64) {
        if std::mem::replace(&mut self.controls.charged, true) || self.refused() {
            return;
        }
        let (Some(policy), Some(index), Some(usage)) =
            (&self.policy, self.in_force.project, self.record.usage)
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
}
