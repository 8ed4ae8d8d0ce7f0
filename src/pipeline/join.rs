//! The joins of the scan: a value split across a run of message texts, each continuing the
//! one before (adjacent text parts of one message, consecutive messages of one role).
//!
//! A run is read as the model reads it, the texts one after the other with their separators,
//! but only in windows around its joins: [`JOIN_REACH`] bytes each side at first, every
//! window that overlaps another merged with it (a run of short texts is one window, so a
//! value split over three parts or more is read whole). A finding that reaches a window's cut
//! edge may be part of something longer: that side of the window is widened (four times, at
//! most [`MAX_REACH`] from the join, the reach of the PEM rule's body) and read again. At the
//! cap, the finding is kept as it is read.
//!
//! A finding is kept when it crosses a join and no text explains it on its own: a text
//! explains it when it holds a finding of its own of the same kind where the piece is, unless
//! that finding reaches the join the value crosses, lies within the piece, and the rest of the
//! value, in the other texts, looks random (the text alone found the start of a longer value,
//! `xoxb-…` or a key block cut in two: the longer reading wins, and the text's own finding
//! goes; but `jane@example.com` + `Thanks` is an address and a word). A finding of another
//! kind explains it only where it ends the text the reading began in (`KEY=sk-…` + `thanks!`
//! read as one assignment); elsewhere it is a part of the value read alone (an IBAN's last
//! digits read as a phone number, a JWT's payload as the address it holds) and goes. Of the
//! findings kept, the longest first, none overlapping another. A finding within one text near
//! a join, that the text does not hold on its own, is kept too: its name was in the text
//! before (`aws_secret_access_ke` + `y=…`).

use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;

use super::assemble::{Docs, Join, Plan};
use super::scan::{Hit, Scanner, Split};
use crate::detect::random_enough;

/// How much of each side of a join a window reads at first.
pub(super) const JOIN_REACH: usize = 512;

/// How far from its joins a window is widened at most.
pub(super) const MAX_REACH: usize = 64 * 1024;

/// A run of message texts, each continuing the one before.
#[derive(Debug)]
pub(super) struct Chain<'t> {
    /// The strings (indices into [`Plan::strings`]), in order.
    pub strings: Vec<usize>,
    /// Their texts.
    pub texts: Vec<&'t str>,
    /// What stands before each text in what the model reads (`""` before the first).
    pub seps: Vec<&'static str>,
    /// Which texts are opaque blobs: read only as the rest of a value that begins before them.
    pub blobs: Vec<bool>,
}

impl<'t> Chain<'t> {
    /// The runs of `plan`'s joins, each text read with `text`.
    pub fn all(plan: &Plan, text: impl Fn(usize) -> &'t str) -> Vec<Chain<'t>> {
        let mut out: Vec<Chain<'t>> = Vec::new();
        for &Join { first, second, sep } in &plan.joins {
            let goes_on = out.last().is_some_and(|c| c.strings.last() == Some(&first));
            let blob = |i: usize| plan.strings.get(i).is_some_and(|s| s.blob);
            if !goes_on {
                out.push(Chain {
                    strings: vec![first],
                    texts: vec![text(first)],
                    seps: vec![""],
                    blobs: vec![blob(first)],
                });
            }
            if let Some(c) = out.last_mut() {
                c.strings.push(second);
                c.texts.push(text(second));
                c.seps.push(sep);
                c.blobs.push(blob(second));
            }
        }
        out
    }

    /// The runs of the plan's joins over the texts of `docs`.
    pub fn of(plan: &'t Plan, docs: &'t Docs) -> Vec<Chain<'t>> {
        Self::all(plan, |i| plan.text(i, docs))
    }
}

/// A window over a run: bytes `lo..hi` of the run's text, around joins `joins` (join `k` is
/// the one before text `k`), reading `reach` bytes before its first join and after its last.
#[derive(Debug, Clone, Copy)]
struct Window {
    lo: usize,
    hi: usize,
    joins: (usize, usize),
    reach: (usize, usize),
}

/// A finding in the run's text.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    start: usize,
    end: usize,
    rule: crate::detect::RuleIdx,
    live: bool,
}

/// Where each text of a run lies in the run's text.
struct Layout<'c, 't> {
    chain: &'c Chain<'t>,
    starts: Vec<usize>,
    len: usize,
}

impl<'c, 't> Layout<'c, 't> {
    fn new(chain: &'c Chain<'t>) -> Self {
        let mut starts = Vec::with_capacity(chain.texts.len());
        let mut at = 0;
        for (t, s) in chain.texts.iter().zip(&chain.seps) {
            at += s.len();
            starts.push(at);
            at += t.len();
        }
        Self {
            chain,
            starts,
            len: at,
        }
    }

    fn start(&self, k: usize) -> usize {
        self.starts.get(k).copied().unwrap_or(self.len)
    }

    /// Whether text `k` is an opaque blob.
    fn blob(&self, k: usize) -> bool {
        self.chain.blobs.get(k).copied().unwrap_or(false)
    }

    fn text(&self, k: usize) -> &'t str {
        self.chain.texts.get(k).copied().unwrap_or("")
    }

    fn end(&self, k: usize) -> usize {
        self.start(k) + self.text(k).len()
    }

    /// The text whose bytes or separator hold position `pos` (the last text for the end).
    fn at(&self, pos: usize) -> usize {
        let k = self.starts.partition_point(|&s| s <= pos);
        k.saturating_sub(1)
    }

    /// `pos` moved back to a char boundary of the text it falls in.
    fn floor(&self, pos: usize) -> usize {
        let k = self.at(pos);
        let (s, t) = (self.start(k), self.text(k));
        if pos <= s || pos >= s + t.len() {
            return pos;
        }
        s + floor_char_boundary(t, pos - s)
    }

    /// The window around joins `first..=last` reading `reach` bytes out.
    fn window(&self, joins: (usize, usize), reach: (usize, usize)) -> Window {
        let lo = self.end(joins.0.saturating_sub(1)).saturating_sub(reach.0);
        let hi = (self.start(joins.1) + reach.1).min(self.len);
        Window {
            lo: self.floor(lo),
            hi: self.floor(hi),
            joins,
            reach,
        }
    }

    /// The run's text from `lo` to `hi`, into `out`.
    fn read(&self, lo: usize, hi: usize, out: &mut String) {
        out.clear();
        let texts = self.chain.texts.iter().zip(&self.chain.seps).enumerate();
        for (k, (&t, &sep)) in texts.skip(self.at(lo)) {
            let start = self.start(k);
            if start + t.len() < lo {
                continue;
            }
            if start - sep.len() >= hi {
                break;
            }
            let part = |from: usize, s: &'t str| {
                let (a, b) = (lo.max(from), hi.min(from + s.len()));
                (a < b).then(|| s.get(a - from..b - from)).flatten()
            };
            out.push_str(part(start - sep.len(), sep).unwrap_or(""));
            out.push_str(part(start, t).unwrap_or(""));
        }
    }

    /// Whether `c` crosses one of the joins of the run: it reaches into the text after the
    /// first one that ends after it starts (a search, not a walk over the run's texts: a run
    /// of many short parts holds as many findings).
    fn crosses(&self, c: &Candidate) -> bool {
        let k = self.at(c.start);
        let first = if c.start < self.end(k) { k } else { k + 1 };
        first + 1 < self.chain.texts.len() && c.end > self.start(first + 1)
    }

    /// How the pieces of `c` outside text `k` read: (like the rest of a value, a key, a
    /// token, a key block's body, hex digits or `:` groups; like more digit groups of a
    /// number). Neither: words or a number that follow a value complete in `k` (`Thanks`, `2
    /// items`). Digit groups continue only a value of another kind than text `k`'s own (a
    /// card whose first groups alone read as a phone): after a phone complete in `k`, ` 2024`
    /// is a number of its own.
    fn rest_reads(&self, c: &Candidate, k: usize) -> (bool, bool) {
        let mut rest = Vec::new();
        for (j, span) in self.pieces(c).filter(|(j, _)| *j != k) {
            rest.extend_from_slice(self.text(j).as_bytes().get(span).unwrap_or(&[]));
        }
        (
            random_enough(&rest) || key_like(&rest) || hex_like(&rest),
            digit_groups(&rest),
        )
    }

    /// The pieces of `c`: (text, span in that text), the empty ones left out.
    fn pieces(&self, c: &Candidate) -> impl Iterator<Item = (usize, Range<usize>)> + '_ {
        let (s, e) = (c.start, c.end);
        (self.at(s)..self.chain.texts.len())
            .take_while(move |&k| self.start(k) < e)
            .filter_map(move |k| {
                let (ts, te) = (self.start(k), self.end(k));
                let (a, b) = (s.max(ts), e.min(te));
                (a < b).then(|| (k, a - ts..b - ts))
            })
    }
}

/// The spans of the findings kept so far in a window (start → end, none overlapping another),
/// so that whether a finding overlaps one is a search: a window over a run of many short
/// parts may keep as many findings.
#[derive(Default)]
struct Taken(BTreeMap<usize, usize>);

impl Taken {
    fn clashes(&self, c: &Candidate) -> bool {
        let before = self.0.range(..c.end).next_back();
        before.is_some_and(|(_, &end)| end > c.start)
    }

    fn take(&mut self, c: &Candidate) {
        self.0.insert(c.start, c.end);
    }
}

/// A value split across texts, with its pieces.
pub(super) type SplitValue = (Split, Vec<Hit>);

/// The findings each text of a run holds on its own, read once when needed.
pub(super) type OwnOf<'a, 'p> = dyn FnMut(&mut Scanner<'p>, usize) -> Vec<Hit> + 'a;

impl<'p> Scanner<'p> {
    /// The values split across the texts of `chain`, each with its pieces (split index 0,
    /// piece index in order), reading only the windows that hold a text `touched` says to
    /// read. `own` gives the findings a text (a plan index) holds on its own.
    pub fn chain(
        &mut self,
        chain: &Chain,
        own: &mut OwnOf<'_, 'p>,
        touched: &dyn Fn(usize) -> bool,
    ) -> Vec<SplitValue> {
        let n = chain.texts.len();
        if n < 2 {
            return Vec::new();
        }
        let lay = Layout::new(chain);
        let mut cache: Vec<Option<Vec<Hit>>> = vec![None; n];
        let mut queue = self.first_windows(&lay, own, &mut cache, touched);
        let mut done: Vec<(Window, Vec<SplitValue>)> = Vec::new();
        let mut text = String::new();
        while let Some(mut w) = queue.pop_front() {
            let texts = lay.at(w.lo)..=lay.at(w.hi.saturating_sub(1));
            let read = texts
                .clone()
                .any(|k| chain.strings.get(k).is_some_and(|&i| touched(i)));
            if !read {
                done.push((w, Vec::new()));
                continue;
            }
            lay.read(w.lo, w.hi, &mut text);
            let found = self.read_window(&text, w.lo);
            let (crossing, inside): (Vec<Candidate>, Vec<Candidate>) =
                found.into_iter().partition(|c| lay.crosses(c));
            // A finding at a cut edge may go on past it: widen that side and read again.
            let cut_lo = w.lo > 0 && crossing.iter().any(|c| c.start == w.lo);
            let cut_hi = w.hi < lay.len && crossing.iter().any(|c| c.end == w.hi);
            let wider = |r: usize, cut: bool| match cut && r < MAX_REACH {
                true => (r * 4).min(MAX_REACH),
                false => r,
            };
            let reach = (wider(w.reach.0, cut_lo), wider(w.reach.1, cut_hi));
            if reach != w.reach {
                w = lay.window(w.joins, reach);
                // Merged with the windows it now overlaps, and read again.
                while let Some((prev, _)) = done.last() {
                    if prev.hi < w.lo {
                        break;
                    }
                    w = lay.window((prev.joins.0, w.joins.1), (prev.reach.0, w.reach.1));
                    done.pop();
                }
                while let Some(next) = queue.front() {
                    if next.lo > w.hi {
                        break;
                    }
                    w = lay.window((w.joins.0, next.joins.1), (w.reach.0, next.reach.1));
                    queue.pop_front();
                }
                queue.push_front(w);
                continue;
            }
            let mut kept = self.keep(&lay, crossing, own, &mut cache);
            let cut =
                |c: &Candidate| (w.lo > 0 && c.start == w.lo) || (w.hi < lay.len && c.end == w.hi);
            let inside = inside.into_iter().filter(|c| !cut(c)).collect();
            let mut taken = Taken::default();
            kept.iter().for_each(|c| taken.take(c));
            kept.extend(self.named_across(&lay, inside, &mut taken, own, &mut cache));
            kept.sort_by_key(|c| c.start);
            let splits = kept
                .into_iter()
                .map(|c| split_of(&lay, &c, &text, w.lo))
                .collect();
            done.push((w, splits));
        }
        done.into_iter().flat_map(|(_, s)| s).collect()
    }

    /// The first windows over run `lay`: [`JOIN_REACH`] bytes each side of each join, more
    /// where a token or a text's own finding runs across it, merged where they meet.
    fn first_windows(
        &mut self,
        lay: &Layout,
        own: &mut OwnOf<'_, 'p>,
        cache: &mut [Option<Vec<Hit>>],
        touched: &dyn Fn(usize) -> bool,
    ) -> VecDeque<Window> {
        let chain = lay.chain;
        let mut queue: VecDeque<Window> = VecDeque::new();
        for k in 1..chain.texts.len() {
            let (a, b) = (k - 1, k);
            let read = [a, b]
                .iter()
                .any(|&k| chain.strings.get(k).is_some_and(|&i| touched(i)));
            // A text's own finding at the join, longer than the reach, is read whole: it may be
            // the start (or the end) of a longer value (a key block cut in two).
            let mut reach = (JOIN_REACH, JOIN_REACH);
            // A join inside one long token (a JWT cut in two) reads the whole token.
            if chain.seps.get(b).is_some_and(|s| s.is_empty()) {
                let (back, ahead) = token_around(lay.text(a), lay.text(b));
                let wide = |n: usize| (n + TOKEN_CONTEXT).min(MAX_REACH);
                reach = (reach.0.max(wide(back)), reach.1.max(wide(ahead)));
            }
            if read {
                let a_len = lay.text(a).len();
                for h in self.own_hits(lay, a, own, cache) {
                    if h.end == a_len {
                        reach.0 = reach.0.max((a_len - h.start).min(MAX_REACH));
                    }
                }
                for h in self.own_hits(lay, b, own, cache) {
                    if h.start == 0 {
                        reach.1 = reach.1.max(h.end.min(MAX_REACH));
                    }
                }
            }
            let w = lay.window((k, k), reach);
            match queue.back_mut() {
                Some(prev) if w.lo <= prev.hi => {
                    *prev = lay.window((prev.joins.0, k), (prev.reach.0, reach.1));
                }
                _ => queue.push_back(w),
            }
        }
        queue
    }

    /// Of `crossing`, the findings no text explains, the longest first, none overlapping.
    fn keep(
        &mut self,
        lay: &Layout,
        mut crossing: Vec<Candidate>,
        own: &mut OwnOf<'_, 'p>,
        cache: &mut [Option<Vec<Hit>>],
    ) -> Vec<Candidate> {
        crossing.sort_by_key(|c| (std::cmp::Reverse(c.end - c.start), c.start));
        let mut kept: Vec<Candidate> = Vec::new();
        let mut taken = Taken::default();
        for c in crossing {
            // A value begins in a text: one read from inside a blob is the blob's bytes.
            if taken.clashes(&c) || lay.blob(lay.at(c.start)) {
                continue;
            }
            let mut explained = false;
            for (k, piece) in lay.pieces(&c) {
                let hits = self.own_hits(lay, k, own, cache);
                let len = lay.text(k).len();
                // The value goes on past this text's end, or began before its start.
                let (goes_on, came_in) = (c.end > lay.end(k), c.start < lay.start(k));
                let mut rest_reads = None;
                explained = hits.iter().any(|h| {
                    let overlaps = h.start < piece.end && piece.start < h.end;
                    let within = piece.start <= h.start && h.end <= piece.end;
                    // (A separator or two may stand between the text's own finding and the
                    // join: `2001:db8::8a2e:` + `370:7334`.)
                    let text = lay.text(k).as_bytes();
                    let at_join = (goes_on && only_punct(text.get(h.end..).unwrap_or(&[])))
                        || (came_in && only_punct(text.get(..h.start).unwrap_or(&[])));
                    let mut rest = || *rest_reads.get_or_insert_with(|| lay.rest_reads(&c, k));
                    // A value of another kind explains the join only where it ends this text,
                    // the reading began in it and runs on into the next with what does not
                    // continue a value (`KEY=sk-…` + `thanks!`, read as one assignment):
                    // elsewhere it is a part of the longer value read alone (a JWT's payload,
                    // an IBAN's or a card's last digits read as a phone number; a key read as
                    // a named secret, cut before its last hex digits).
                    let relevant = match h.rule == c.rule {
                        true => overlaps,
                        false => {
                            overlaps && goes_on && !came_in && h.end == len && {
                                let (value, digits) = rest();
                                !(value || digits)
                            }
                        }
                    };
                    relevant && !(within && at_join && rest().0)
                });
                if explained {
                    break;
                }
            }
            if !explained {
                taken.take(&c);
                kept.push(c);
            }
        }
        kept.sort_by_key(|c| c.start);
        kept
    }

    /// Of `inside` (findings within one text of the run), those the text does not hold on its
    /// own and that lie near one of its joins, none overlapping `kept`: a value whose name or
    /// context is in the text before or after (`aws_secret_access_ke` + `y=…`), found only
    /// because the run is read across the join. Kept as a value of one piece.
    fn named_across(
        &mut self,
        lay: &Layout,
        inside: Vec<Candidate>,
        taken: &mut Taken,
        own: &mut OwnOf<'_, 'p>,
        cache: &mut [Option<Vec<Hit>>],
    ) -> Vec<Candidate> {
        let mut out: Vec<Candidate> = Vec::new();
        for c in inside {
            let k = lay.at(c.start);
            if lay.blob(k) {
                continue;
            }
            let (ts, te) = (lay.start(k), lay.end(k));
            let after_join = k > 0 && c.start < ts + TOKEN_CONTEXT;
            let before_join = k + 1 < lay.chain.texts.len() && c.end + TOKEN_CONTEXT > te;
            if !(after_join || before_join) || c.start < ts || c.end > te || taken.clashes(&c) {
                continue;
            }
            let (s, e) = (c.start - ts, c.end - ts);
            // What the text finds there on its own stands, unless it is a reading of another
            // kind inside the value (`ess_key=…` read as a generic secret).
            let hits = self.own_hits(lay, k, own, cache);
            let stands = |h: &Hit| {
                h.start < e && s < h.end && (h.rule == c.rule || h.start < s || e < h.end)
            };
            if !hits.iter().any(stands) {
                taken.take(&c);
                out.push(c);
            }
        }
        out
    }

    /// The findings text `k` of the run holds on its own (read once, kept in `cache`).
    fn own_hits<'c>(
        &mut self,
        lay: &Layout,
        k: usize,
        own: &mut OwnOf<'_, 'p>,
        cache: &'c mut [Option<Vec<Hit>>],
    ) -> &'c [Hit] {
        let Some(slot) = cache.get_mut(k) else {
            return &[];
        };
        match slot {
            Some(h) => h,
            None => slot.insert(own(self, lay.chain.strings.get(k).copied().unwrap_or(0))),
        }
    }

    /// The findings of a window's `text`, whose first byte is byte `lo` of the run.
    fn read_window(&mut self, text: &str, lo: usize) -> Vec<Candidate> {
        self.scan_text(text)
            .into_iter()
            .map(|(f, live)| Candidate {
                start: lo + f.start,
                end: lo + f.end,
                rule: f.rule,
                live,
            })
            .collect()
    }
}

/// The split value `c`, read in the window `text` that starts at byte `lo` of the run.
fn split_of(lay: &Layout, c: &Candidate, text: &str, lo: usize) -> (Split, Vec<Hit>) {
    let value = text.get(c.start - lo..c.end - lo);
    debug_assert!(value.is_some(), "a finding lies inside its window");
    let mut pieces = Vec::new();
    let mut hits = Vec::new();
    for (k, span) in lay.pieces(c) {
        let at = lay.start(k) + span.start - c.start;
        pieces.push(at..at + span.len());
        hits.push(Hit {
            string: lay.chain.strings.get(k).copied().unwrap_or(0),
            start: span.start,
            end: span.end,
            rule: c.rule,
            split: Some((0, hits.len())),
            live: c.live,
        });
    }
    let split = Split {
        value: value.unwrap_or("").to_owned(),
        pieces,
    };
    (split, hits)
}

/// How much is read before and after a token that crosses a join (the context words of a
/// value before it: a secret's name, `Bearer`).
const TOKEN_CONTEXT: usize = 256;

/// The bytes of the token that runs across the end of `a` and the start of `b` (no blank in
/// it), on each side: (in `a`, in `b`), each at most [`MAX_REACH`].
fn token_around(a: &str, b: &str) -> (usize, usize) {
    let blank = |c: &u8| c.is_ascii_whitespace();
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (last, first) = (a.last(), b.first());
    if last.is_none_or(blank) || first.is_none_or(blank) {
        return (0, 0);
    }
    let tail = a.get(a.len().saturating_sub(MAX_REACH)..).unwrap_or(a);
    let head = b.get(..b.len().min(MAX_REACH)).unwrap_or(b);
    let back = tail.iter().rev().position(blank).unwrap_or(tail.len());
    let ahead = head.iter().position(blank).unwrap_or(head.len());
    (back, ahead)
}

/// Whether `v`, eight bytes or more that [`random_enough`] finds too plain, still reads as
/// the rest of a key rather than a word glued to it: its letters change from lower to upper
/// case twice or more (`kvswfAoQXcFNYWPy`, where a word changes once at most: `JavaScript`),
/// or it mixes digits with letters of both cases, two or more of each (`l86ADlygml`). A
/// shorter rest (`_v2`, `-dev`, `s`) is not told from a word, and stays where it is.
fn key_like(v: &[u8]) -> bool {
    if v.len() < 8 {
        return false;
    }
    let letters = v.iter().filter(|b| b.is_ascii_alphabetic());
    let mut rises = 0;
    let mut prev_lower = false;
    for b in letters {
        rises += usize::from(prev_lower && b.is_ascii_uppercase());
        prev_lower = b.is_ascii_lowercase();
    }
    let count = |f: fn(&u8) -> bool| v.iter().filter(|b| f(b)).count();
    rises >= 2
        || (count(u8::is_ascii_digit) > 0
            && count(u8::is_ascii_uppercase) >= 2
            && count(u8::is_ascii_lowercase) >= 2)
}

/// Whether `v` is at most two separator characters (`:`, `-`, `.`, `/`, ...; no blank): what
/// may stand between a text's own finding and the join a longer reading runs across.
fn only_punct(v: &[u8]) -> bool {
    v.len() <= 2 && v.iter().all(u8::is_ascii_punctuation)
}

/// Whether `v` is a run of hex digits, eight or more, with digits and letters, or in
/// `:`-separated groups (the rest of a hex key, `c783cf4439f`; of an IPv6 address,
/// `a2e:370:7334`, `370:7334`).
fn hex_like(v: &[u8]) -> bool {
    v.len() >= 8
        && v.iter().all(|b| b.is_ascii_hexdigit() || *b == b':')
        && v.iter().any(u8::is_ascii_digit)
        && v.iter().any(|b| b.is_ascii_alphabetic() || *b == b':')
}

/// Whether `v` is digit groups, three digits or more, with single separators (` `, `-`, `.`,
/// `:`, `/`): the rest of a number cut in its groups (` 4242 4242`, `370:7334`).
fn digit_groups(v: &[u8]) -> bool {
    v.iter().filter(|b| b.is_ascii_digit()).count() >= 3
        && v.iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'.' | b':' | b'/'))
        && !v.windows(2).any(|w| !w.iter().any(u8::is_ascii_digit))
}

/// The largest char boundary of `s` at or before `i`.
pub(super) fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
