//! Throttling per register entry: requests per minute and tokens per minute as token buckets
//! (a minute's worth may come at once, then the budget refills continuously, as OpenAI's own
//! limits do), tokens per day as a budget per UTC day. The state of each entry is one small
//! value in a [`SharedStore`], updated by compare-and-swap so that every worker of one proxy
//! (each its own VM) draws from the same budget; the adapter implements the store over
//! proxy-wasm shared data, tests over [`MemoryStore`].
//!
//! A request is admitted at its head when no budget is spent, and takes one request from the
//! request bucket. Tokens are known only from the reply, so they are charged when the exchange
//! ends: the token bucket may go below zero (a debt), and while it is not above zero the
//! entry's requests are refused, with a `Retry-After` that says when it will be.

pub use crate::config::controls::{Limits, MAX_LIMIT};
use std::collections::HashMap;
use std::sync::Mutex;

/// Ticks per unit in a per-minute bucket: refilling `limit` units a minute is `limit` ticks a
/// millisecond, so every step is integer arithmetic.
const TICKS: i64 = 60_000;
/// One UTC day in milliseconds.
const DAY_MS: u64 = 86_400_000;
/// Most compare-and-swap attempts for one update before giving up (contention).
pub const MAX_ATTEMPTS: u32 = 16;
/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `requests_per_minute`.
    RequestsPerMinute,
    /// `tokens_per_minute`.
    TokensPerMinute,
    /// `tokens_per_day`.
    TokensPerDay,
    /// The shared state could not be updated (too much contention, or the host refused):
    /// refused rather than let through unmetered.
    Unavailable,
}

impl Limit {
    /// The name recorded in the audit record's `rate_limit` and used in docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::RequestsPerMinute => "requests_per_minute",
            Limit::TokensPerMinute => "tokens_per_minute",
            Limit::TokensPerDay => "tokens_per_day",
            Limit::Unavailable => "unavailable",
        }
    }

    /// The error `type` of the 429, as OpenAI writes it for its own limits.
    fn error_type(self) -> &'static str {
        match self {
            Limit::TokensPerMinute | Limit::TokensPerDay => "tokens",
            Limit::RequestsPerMinute | Limit::Unavailable => "requests",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Limit::RequestsPerMinute => "This project's requests-per-minute limit under the compliance policy is reached; retry after the time in the Retry-After header.",
            Limit::TokensPerMinute => "This project's tokens-per-minute limit under the compliance policy is reached; retry after the time in the Retry-After header.",
            Limit::TokensPerDay => "This project's tokens-per-day limit under the compliance policy is reached; it resets at 00:00 UTC (see the Retry-After header).",
            Limit::Unavailable => "The compliance filter could not meter this request against the project's rate limit; retry after the time in the Retry-After header.",
        }
    }
}

/// The 429 body: OpenAI-shaped, code `rate_limited`, the `type` OpenAI uses for the kind of
/// limit (`requests` or `tokens`), a fixed message.
pub fn error_body(limit: Limit) -> String {
    serde_json::json!({
        "error": {
            "message": limit.message(),
            "type": limit.error_type(),
            "param": null,
            "code": super::Reason::RateLimited.code(),
        }
    })
    .to_string()
}

/// The answer to "may this request go?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Yes (one request taken from the request bucket).
    Allowed,
    /// No: `limit` is spent; it will not be for `retry_after_s` seconds (at least 1).
    Limited {
        /// The limit that refuses (the one with the longest wait, when several do).
        limit: Limit,
        /// Seconds until the request would be admitted, if nothing else is spent meanwhile.
        retry_after_s: u64,
    },
}

/// A store of small values shared by every worker of one proxy, with compare-and-swap:
/// proxy-wasm shared data (`get_shared_data` / `set_shared_data` with a cas token).
pub trait SharedStore {
    /// The value of `key` and its cas token (`(None, None)` when absent).
    fn get(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), StoreError>;
    /// Writes `value` if `key` still has cas token `cas` (`None`: unconditionally, as for a
    /// key that did not exist).
    fn set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), StoreError>;
}

/// Why a store call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError {
    /// Another worker wrote the key since it was read: read again and retry.
    CasMismatch,
    /// The host refused.
    Unavailable,
}

/// The shared-data key of a register entry's state (`ocf.throttle.v1.<entry>`). Entry names
/// are project ids (`[A-Za-z0-9._-]`) or `default`, so the key set is bounded by the policy.
pub fn key(entry: &str) -> String {
    format!("ocf.throttle.v1.{entry}")
}

/// One entry's state, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    /// Request bucket level, in ticks, and when it was last refilled (Unix ms).
    requests: i64,
    requests_at: u64,
    /// Token bucket level (may be below zero: a debt), in ticks, and its refill time.
    tokens: i64,
    tokens_at: u64,
    /// The UTC day (Unix ms / day) and the tokens charged in it.
    day: u64,
    day_tokens: u64,
}

impl State {
    /// Full buckets at `now`.
    fn fresh(limits: &Limits, now: u64) -> Self {
        Self {
            requests: capacity(limits.requests_per_minute),
            requests_at: now,
            tokens: capacity(limits.tokens_per_minute),
            tokens_at: now,
            day: now / DAY_MS,
            day_tokens: 0,
        }
    }

    fn encode(&self) -> Vec<u8> {
        format!(
            "v1 {} {} {} {} {} {}",
            self.requests, self.requests_at, self.tokens, self.tokens_at, self.day, self.day_tokens
        )
        .into_bytes()
    }

    /// `None` for anything this module did not write (then the entry starts afresh).
    fn decode(bytes: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut it = text.split(' ');
        if it.next()? != "v1" {
            return None;
        }
        let mut num = || it.next()?.parse::<i64>().ok();
        let requests = num()?;
        let requests_at = u64::try_from(num()?).ok()?;
        let tokens = num()?;
        let tokens_at = u64::try_from(num()?).ok()?;
        let day = u64::try_from(num()?).ok()?;
        let day_tokens = u64::try_from(num()?).ok()?;
        Some(Self {
            requests,
            requests_at,
            tokens,
            tokens_at,
            day,
            day_tokens,
        })
    }

    /// Refills both buckets up to `now` (a clock that went back refills nothing) and starts
    /// a new day's budget when the UTC day changed.
    fn refill(&mut self, limits: &Limits, now: u64) {
        refill(
            &mut self.requests,
            &mut self.requests_at,
            limits.requests_per_minute,
            now,
        );
        refill(
            &mut self.tokens,
            &mut self.tokens_at,
            limits.tokens_per_minute,
            now,
        );
        let day = now / DAY_MS;
        if day != self.day {
            self.day = day;
            self.day_tokens = 0;
        }
    }
}

fn capacity(limit: Option<u64>) -> i64 {
    limit.map_or(0, |l| ticks(l.min(MAX_LIMIT)))
}

fn ticks(units: u64) -> i64 {
    i64::try_from(units)
        .unwrap_or(i64::MAX)
        .saturating_mul(TICKS)
}

fn refill(level: &mut i64, at: &mut u64, limit: Option<u64>, now: u64) {
    let Some(limit) = limit else {
        return;
    };
    if now > *at {
        let elapsed = i64::try_from(now - *at).unwrap_or(i64::MAX);
        let rate = i64::try_from(limit.min(MAX_LIMIT)).unwrap_or(i64::MAX);
        *level = level
            .saturating_add(elapsed.saturating_mul(rate))
            .min(capacity(Some(limit)));
        *at = now;
    }
}

/// Milliseconds until a bucket at `level` refilling at `limit` ticks/ms reaches `target`.
fn wait_ms(level: i64, target: i64, limit: u64) -> u64 {
    let missing = u64::try_from(target.saturating_sub(level)).unwrap_or(0);
    missing.div_ceil(limit.clamp(1, MAX_LIMIT))
}

/// The admission decision on `state` at `now`; on `Allowed` the state has the request taken.
fn decide(limits: &Limits, state: &mut State, now: u64) -> Admission {
    state.refill(limits, now);
    let mut worst: Option<(Limit, u64)> = None;
    let mut note = |limit: Limit, ms: u64| {
        if worst.is_none_or(|(_, w)| ms > w) {
            worst = Some((limit, ms));
        }
    };
    if let Some(tpd) = limits.tokens_per_day {
        if state.day_tokens >= tpd {
            note(Limit::TokensPerDay, DAY_MS - now % DAY_MS);
        }
    }
    if let Some(tpm) = limits.tokens_per_minute {
        if state.tokens <= 0 {
            // Admitted once the level is above zero: one tick more than the debt.
            note(Limit::TokensPerMinute, wait_ms(state.tokens, 1, tpm));
        }
    }
    if let Some(rpm) = limits.requests_per_minute {
        if state.requests < TICKS {
            note(
                Limit::RequestsPerMinute,
                wait_ms(state.requests, TICKS, rpm),
            );
        }
    }
    match worst {
        Some((limit, ms)) => Admission::Limited {
            limit,
            retry_after_s: ms.div_ceil(1000).max(1),
        },
        None => {
            if limits.requests_per_minute.is_some() {
                state.requests -= TICKS;
            }
            Admission::Allowed
        }
    }
}

/// Reads the state of `key`, lets `change` decide and change it, writes it back with the cas
/// token it was read with; on a cas mismatch (another worker wrote in between) reads again,
/// at most [`MAX_ATTEMPTS`] times.
fn update<T>(
    store: &dyn SharedStore,
    key: &str,
    limits: &Limits,
    now: u64,
    mut change: impl FnMut(&mut State) -> (bool, T),
) -> Result<T, StoreError> {
    for _ in 0..MAX_ATTEMPTS {
        let (bytes, cas) = store.get(key)?;
        let mut state = bytes
            .as_deref()
            .and_then(State::decode)
            .unwrap_or_else(|| State::fresh(limits, now));
        let (write, out) = change(&mut state);
        if !write {
            return Ok(out);
        }
        match store.set(key, &state.encode(), cas) {
            Ok(()) => return Ok(out),
            Err(StoreError::CasMismatch) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::CasMismatch)
}

/// May a request of the entry stored at `key` go now? Takes one request from its bucket when
/// it may. A store that cannot be updated refuses (`Limit::Unavailable`, retry in 1 s).
pub fn admit(store: &dyn SharedStore, key: &str, limits: &Limits, now_ms: u64) -> Admission {
    let result = update(store, key, limits, now_ms, |state| {
        let decision = decide(limits, state, now_ms);
        // A refusal changes nothing worth writing (the refill is recomputed next time).
        (decision == Admission::Allowed, decision)
    });
    result.unwrap_or(Admission::Limited {
        limit: Limit::Unavailable,
        retry_after_s: 1,
    })
}

/// Creates the state of `key` with full budgets if it does not exist yet. The host cannot
/// compare-and-swap a key that does not exist, so the adapter creates every throttled
/// entry's key when a VM is configured, before any request: workers configured at the same
/// time write the same fresh state, and no request's update is lost to a creation race.
pub fn ensure(
    store: &dyn SharedStore,
    key: &str,
    limits: &Limits,
    now_ms: u64,
) -> Result<(), StoreError> {
    match store.get(key)? {
        (Some(_), _) => Ok(()),
        (None, _) => store.set(key, &State::fresh(limits, now_ms).encode(), None),
    }
}

/// Charges `tokens` (a finished reply's `total_tokens`) to the entry stored at `key`.
pub fn charge(
    store: &dyn SharedStore,
    key: &str,
    limits: &Limits,
    tokens: u64,
    now_ms: u64,
) -> Result<(), StoreError> {
    if tokens == 0 || !limits.counts_tokens() {
        return Ok(());
    }
    update(store, key, limits, now_ms, |state| {
        state.refill(limits, now_ms);
        if limits.tokens_per_minute.is_some() {
            state.tokens = state.tokens.saturating_sub(ticks(tokens));
        }
        state.day_tokens = state.day_tokens.saturating_add(tokens);
        (true, ())
    })
}

/// A [`SharedStore`] in memory, with the host's cas semantics (every write gets a new token;
/// a write with a stale token fails): for tests, and any host without shared data.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Entries>,
}

/// Each key's value and cas token, and the last token given out.
type Entries = (HashMap<String, (Vec<u8>, u32)>, u32);

impl SharedStore for MemoryStore {
    fn get(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), StoreError> {
        let guard = self.inner.lock().map_err(|_| StoreError::Unavailable)?;
        Ok(match guard.0.get(key) {
            Some((v, cas)) => (Some(v.clone()), Some(*cas)),
            None => (None, None),
        })
    }

    fn set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), StoreError> {
        let mut guard = self.inner.lock().map_err(|_| StoreError::Unavailable)?;
        let (map, next) = &mut *guard;
        if let (Some(want), Some((_, have))) = (cas, map.get(key)) {
            if want != *have {
                return Err(StoreError::CasMismatch);
            }
        }
        *next = next.wrapping_add(1).max(1);
        map.insert(key.to_string(), (value.to_vec(), *next));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::sync::Arc;

    const T0: u64 = 1_800_000_000_000; // some day, 00:00 + x

    fn rpm(n: u64) -> Limits {
        Limits {
            requests_per_minute: Some(n),
            ..Limits::default()
        }
    }

    #[test]
    fn a_minute_of_requests_then_a_steady_rate() {
        let store = MemoryStore::default();
        let l = rpm(3);
        for _ in 0..3 {
            assert_eq!(admit(&store, "k", &l, T0), Admission::Allowed);
        }
        // One request refills in 20 s.
        assert_eq!(
            admit(&store, "k", &l, T0),
            Admission::Limited {
                limit: Limit::RequestsPerMinute,
                retry_after_s: 20
            }
        );
        assert_eq!(
            admit(&store, "k", &l, T0 + 19_001),
            Admission::Limited {
                limit: Limit::RequestsPerMinute,
                retry_after_s: 1
            }
        );
        assert_eq!(admit(&store, "k", &l, T0 + 20_000), Admission::Allowed);
        assert!(matches!(
            admit(&store, "k", &l, T0 + 20_000),
            Admission::Limited { .. }
        ));
        // Never more than a minute's worth, however long it rested.
        let later = T0 + 3_600_000;
        for _ in 0..3 {
            assert_eq!(admit(&store, "k", &l, later), Admission::Allowed);
        }
        assert!(matches!(
            admit(&store, "k", &l, later),
            Admission::Limited { .. }
        ));
        // Entries do not share budgets.
        assert_eq!(admit(&store, "other", &l, later), Admission::Allowed);
    }

    #[test]
    fn tokens_are_charged_after_the_reply_and_a_debt_is_waited_out() {
        let store = MemoryStore::default();
        let l = Limits {
            tokens_per_minute: Some(600),
            ..Limits::default()
        };
        assert_eq!(admit(&store, "k", &l, T0), Admission::Allowed);
        charge(&store, "k", &l, 500, T0).unwrap();
        assert_eq!(admit(&store, "k", &l, T0), Admission::Allowed);
        charge(&store, "k", &l, 400, T0).unwrap();
        // 300 tokens of debt at 10 tokens/s: 30 s (and one tick) until the level is above 0.
        assert_eq!(
            admit(&store, "k", &l, T0 + 1),
            Admission::Limited {
                limit: Limit::TokensPerMinute,
                retry_after_s: 30
            }
        );
        assert_eq!(admit(&store, "k", &l, T0 + 30_001), Admission::Allowed);
    }

    #[test]
    fn a_day_budget_resets_at_midnight_utc() {
        let store = MemoryStore::default();
        let l = Limits {
            tokens_per_day: Some(1000),
            ..Limits::default()
        };
        let day_start = T0 - T0 % DAY_MS;
        let noon = day_start + DAY_MS / 2;
        charge(&store, "k", &l, 999, noon).unwrap();
        assert_eq!(admit(&store, "k", &l, noon), Admission::Allowed);
        charge(&store, "k", &l, 1, noon).unwrap();
        assert_eq!(
            admit(&store, "k", &l, noon),
            Admission::Limited {
                limit: Limit::TokensPerDay,
                retry_after_s: DAY_MS / 2 / 1000
            }
        );
        assert_eq!(
            admit(&store, "k", &l, day_start + DAY_MS),
            Admission::Allowed
        );
    }

    #[test]
    fn the_longest_wait_is_the_one_reported() {
        let store = MemoryStore::default();
        let l = Limits {
            requests_per_minute: Some(1),
            tokens_per_minute: Some(60),
            tokens_per_day: None,
        };
        assert_eq!(admit(&store, "k", &l, T0), Admission::Allowed);
        charge(&store, "k", &l, 6000, T0).unwrap();
        // Requests: 60 s; tokens: 5940 of debt at one a second.
        assert_eq!(
            admit(&store, "k", &l, T0),
            Admission::Limited {
                limit: Limit::TokensPerMinute,
                retry_after_s: 5941
            }
        );
    }

    #[test]
    fn a_clock_that_goes_back_refills_nothing_and_garbage_state_starts_afresh() {
        let store = MemoryStore::default();
        let l = rpm(1);
        assert_eq!(admit(&store, "k", &l, T0), Admission::Allowed);
        assert!(matches!(
            admit(&store, "k", &l, T0 - 50_000),
            Admission::Limited { .. }
        ));
        store.set("k", b"v1 garbage", None).unwrap();
        assert_eq!(admit(&store, "k", &l, T0), Admission::Allowed);
        let s = State::fresh(&l, T0);
        assert_eq!(State::decode(&s.encode()), Some(s));
        assert_eq!(State::decode(b"v2 1 2 3 4 5 6"), None);
        assert_eq!(State::decode(b"v1 1 -2 3 4 5 6"), None);
    }

    /// A store where another worker writes between this worker's read and write, `n` times.
    struct Racing<'a> {
        inner: &'a MemoryStore,
        races: Cell<u32>,
    }

    impl SharedStore for Racing<'_> {
        fn get(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), StoreError> {
            let got = self.inner.get(key)?;
            if self.races.get() > 0 {
                self.races.set(self.races.get() - 1);
                // The other worker admits one request (its own read-modify-write).
                assert_eq!(admit(self.inner, key, &rpm(10), T0), Admission::Allowed);
            }
            Ok(got)
        }
        fn set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), StoreError> {
            self.inner.set(key, value, cas)
        }
    }

    #[test]
    fn a_cas_mismatch_is_retried_and_no_request_is_lost() {
        let inner = MemoryStore::default();
        // Create the key first (the host cannot compare-and-swap a key that does not exist).
        assert_eq!(admit(&inner, "k", &rpm(10), T0), Admission::Allowed);
        let racing = Racing {
            inner: &inner,
            races: Cell::new(3),
        };
        assert_eq!(admit(&racing, "k", &rpm(10), T0), Admission::Allowed);
        // 1 + 3 racing + 1 = 5 taken; 5 left.
        for _ in 0..5 {
            assert_eq!(admit(&inner, "k", &rpm(10), T0), Admission::Allowed);
        }
        assert!(matches!(
            admit(&inner, "k", &rpm(10), T0),
            Admission::Limited { .. }
        ));
        // Endless contention: refused, never let through unmetered.
        struct Always<'a>(&'a MemoryStore);
        impl SharedStore for Always<'_> {
            fn get(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), StoreError> {
                self.0.get(key)
            }
            fn set(&self, _: &str, _: &[u8], _: Option<u32>) -> Result<(), StoreError> {
                Err(StoreError::CasMismatch)
            }
        }
        let far = rpm(1_000_000);
        assert_eq!(
            admit(&Always(&inner), "z", &far, T0),
            Admission::Limited {
                limit: Limit::Unavailable,
                retry_after_s: 1
            }
        );
    }

    #[test]
    fn workers_on_threads_never_admit_more_than_the_budget() {
        let store = Arc::new(MemoryStore::default());
        let l = rpm(1000);
        // The key exists before the workers start (the adapter creates it at configure time).
        ensure(&*store, "k", &l, T0).unwrap();
        ensure(&*store, "k", &l, T0 + 5).unwrap();
        assert_eq!(
            store.get("k").unwrap().1,
            Some(1),
            "ensure never overwrites"
        );
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    (0..400)
                        .filter(|_| admit(&*store, "k", &l, T0) == Admission::Allowed)
                        .count()
                })
            })
            .collect();
        let admitted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(admitted, 1000);
    }

    #[test]
    fn the_429_body_is_openai_shaped() {
        let v: serde_json::Value =
            serde_json::from_str(&error_body(Limit::TokensPerMinute)).unwrap();
        assert_eq!(v["error"]["code"], "rate_limited");
        assert_eq!(v["error"]["type"], "tokens");
        assert!(v["error"]["param"].is_null());
        let v: serde_json::Value =
            serde_json::from_str(&error_body(Limit::RequestsPerMinute)).unwrap();
        assert_eq!(v["error"]["type"], "requests");
    }
}
