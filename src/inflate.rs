//! Streaming inflation of a `gzip` or `deflate` reply body, chunk by chunk as it passes, into
//! a sink (the usage scanner), in bounded memory: about 43 KiB of decompressor state (the
//! 32 KiB window included) and a 16 KiB scratch per reply, plus a gzip header while it
//! arrives.
//! Only the first gzip member is read; trailers and checksums are not verified (the client
//! checks its own copy, which is never touched). Anything that does not inflate stops the
//! inflater for good, and so does output past [`MAX_INFLATED`].

use crate::coding::Coding;
use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// Most bytes inflated from one reply (a larger one leaves the usage unknown).
pub const MAX_INFLATED: u64 = 64 * 1024 * 1024;
/// Longest gzip header held while it arrives (its optional extra field, up to 64 KiB, name
/// and comment).
const MAX_HEADER: usize = 128 * 1024;
/// Bytes inflated per step.
const SCRATCH: usize = 16 * 1024;

/// Where the inflater stands.
enum Stage {
    /// The wrapper's header is arriving (held until complete).
    Header(Vec<u8>),
    /// Inflating.
    Body(Box<InflateState>),
    /// The compressed stream ended: nothing more is read.
    Done,
    /// Not a stream this inflater can follow: nothing more is read.
    Failed,
}

/// One reply's inflater.
pub struct Inflater {
    coding: Coding,
    stage: Stage,
    scratch: Vec<u8>,
    produced: u64,
    /// Most bytes inflated ([`MAX_INFLATED`]).
    cap: u64,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stage = match self.stage {
            Stage::Header(_) => "header",
            Stage::Body(_) => "body",
            Stage::Done => "done",
            Stage::Failed => "failed",
        };
        f.debug_struct("Inflater")
            .field("coding", &self.coding)
            .field("stage", &stage)
            .field("produced", &self.produced)
            .finish()
    }
}

/// How much of `b` a gzip header takes: `Ok(None)` while incomplete, `Err` if it is none.
fn gzip_header_len(b: &[u8]) -> Result<Option<usize>, ()> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    for (i, want) in [0x1f, 0x8b, 8].into_iter().enumerate() {
        match b.get(i) {
            Some(&x) if x != want => return Err(()),
            None => return Ok(None),
            Some(_) => {}
        }
    }
    let Some(&flags) = b.get(3) else {
        return Ok(None);
    };
    if flags & 0xe0 != 0 {
        return Err(());
    }
    let mut pos = 10usize;
    if flags & FEXTRA != 0 {
        let (Some(&lo), Some(&hi)) = (b.get(pos), b.get(pos + 1)) else {
            return Ok(None);
        };
        pos += 2 + usize::from(u16::from_le_bytes([lo, hi]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            match b
                .get(pos..)
                .and_then(|rest| rest.iter().position(|&x| x == 0))
            {
                Some(nul) => pos += nul + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & FHCRC != 0 {
        pos += 2;
    }
    Ok((pos <= b.len()).then_some(pos))
}

/// The format of a `deflate` body from its first two bytes: zlib when they are a valid zlib
/// header (CM 8, a window of at most 32 KiB, FCHECK right), else raw DEFLATE.
fn deflate_format(b: &[u8]) -> Option<DataFormat> {
    let (&cmf, &flg) = (b.first()?, b.get(1)?);
    let zlib = cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0;
    Some(if zlib {
        DataFormat::ZLibIgnoreChecksum
    } else {
        DataFormat::Raw
    })
}

impl Inflater {
    /// An inflater for a reply in `coding` (`Gzip` or `Deflate`; `Identity` passes bytes on).
    pub fn new(coding: Coding) -> Self {
        Self {
            coding,
            stage: Stage::Header(Vec::new()),
            scratch: Vec::new(),
            produced: 0,
            cap: MAX_INFLATED,
        }
    }

    /// Has the inflater given up (not a stream it can follow, or too much output)?
    pub fn failed(&self) -> bool {
        matches!(self.stage, Stage::Failed)
    }

    /// The next chunk of the reply: whatever it inflates to goes to `sink`, in pieces.
    pub fn feed(&mut self, chunk: &[u8], sink: &mut dyn FnMut(&[u8])) {
        match &mut self.stage {
            Stage::Header(held) => {
                if self.coding == Coding::Identity {
                    sink(chunk);
                    return;
                }
                held.extend_from_slice(chunk);
                let start = match self.coding {
                    Coding::Gzip => gzip_header_len(held).map(|n| n.map(|n| (n, DataFormat::Raw))),
                    _ => Ok(deflate_format(held).map(|f| (0, f))),
                };
                match start {
                    Ok(None) if held.len() <= MAX_HEADER => {}
                    Ok(Some((n, format))) => {
                        let held = std::mem::take(held);
                        self.stage = Stage::Body(InflateState::new_boxed(format));
                        self.scratch = vec![0; SCRATCH];
                        let body = held.get(n..);
                        debug_assert!(body.is_some(), "a whole header is in what is held");
                        self.inflate(body.unwrap_or_default(), sink);
                    }
                    Ok(None) | Err(()) => self.stage = Stage::Failed,
                }
            }
            Stage::Body(_) => self.inflate(chunk, sink),
            Stage::Done | Stage::Failed => {}
        }
    }

    /// Inflates `input` into the sink.
    fn inflate(&mut self, mut input: &[u8], sink: &mut dyn FnMut(&[u8])) {
        let Stage::Body(state) = &mut self.stage else {
            return;
        };
        loop {
            let r = inflate(state, input, &mut self.scratch, MZFlush::None);
            let rest = input.get(r.bytes_consumed..);
            debug_assert!(rest.is_some(), "the inflater consumes at most its input");
            input = rest.unwrap_or_default();
            self.produced = self.produced.saturating_add(r.bytes_written as u64);
            if self.produced > self.cap {
                self.stage = Stage::Failed;
                return;
            }
            if let Some(out) = self
                .scratch
                .get(..r.bytes_written)
                .filter(|o| !o.is_empty())
            {
                sink(out);
            }
            match r.status {
                Ok(MZStatus::StreamEnd) => {
                    self.stage = Stage::Done;
                    return;
                }
                // Only a call that made no progress ends the loop: with all input taken, output
                // can still be waiting in the window (a match that wraps it).
                Ok(MZStatus::Ok) => {
                    if r.bytes_consumed == 0 && r.bytes_written == 0 {
                        return;
                    }
                }
                // No progress without more input.
                Err(MZError::Buf) => return,
                Ok(MZStatus::NeedDict) | Err(_) => {
                    self.stage = Stage::Failed;
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use miniz_oxide::deflate::{compress_to_vec, compress_to_vec_zlib};
    use ocf_devkit::corpus::Rng;

    /// A gzip member of `data` with the given header flags' fields.
    pub(crate) fn gzip(
        data: &[u8],
        name: Option<&str>,
        extra: Option<&[u8]>,
        hcrc: bool,
    ) -> Vec<u8> {
        let mut flags = 0u8;
        flags |= if hcrc { 2 } else { 0 };
        flags |= if extra.is_some() { 4 } else { 0 };
        flags |= if name.is_some() { 8 } else { 0 };
        let mut out = vec![0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 255];
        if let Some(x) = extra {
            out.extend_from_slice(&(x.len() as u16).to_le_bytes());
            out.extend_from_slice(x);
        }
        if let Some(n) = name {
            out.extend_from_slice(n.as_bytes());
            out.push(0);
        }
        if hcrc {
            out.extend_from_slice(&[0xAB, 0xCD]);
        }
        out.extend_from_slice(&compress_to_vec(data, 6));
        // CRC-32 and size: not checked by the inflater.
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out
    }

    fn run(coding: Coding, body: &[u8], chunk: usize) -> (Vec<u8>, bool) {
        let mut inf = Inflater::new(coding);
        let mut got = Vec::new();
        for c in body.chunks(chunk.max(1)) {
            inf.feed(c, &mut |o| got.extend_from_slice(o));
        }
        (got, inf.failed())
    }

    fn text(n: usize) -> Vec<u8> {
        let mut r = Rng::new(1);
        (0..n)
            .map(|i| {
                // Half repetitive, half noise: both literal and back-reference paths.
                if i % 2000 < 1000 {
                    b"{\"usage\":{\"total_tokens\":7}} "[i % 29]
                } else {
                    r.below(251) as u8
                }
            })
            .collect()
    }

    #[test]
    fn gzip_and_both_deflate_formats_inflate_at_any_chunking() {
        let data = text(100_000);
        let bodies = [
            (Coding::Gzip, gzip(&data, None, None, false)),
            (
                Coding::Gzip,
                gzip(&data, Some("reply.json"), Some(b"xx\0yy"), true),
            ),
            (Coding::Deflate, compress_to_vec_zlib(&data, 6)),
            (Coding::Deflate, compress_to_vec(&data, 1)),
        ];
        for (coding, body) in &bodies {
            for chunk in [1, 2, 7, 10, 11, 4096, body.len()] {
                let (got, failed) = run(*coding, body, chunk);
                assert!(!failed, "{coding:?} chunk {chunk}");
                assert!(got == data, "{coding:?} chunk {chunk}: {} bytes", got.len());
            }
        }
    }

    #[test]
    fn every_split_of_a_long_stream_inflates_whole() {
        // Output past the 32 KiB window, in every format, cut at random places: the end of a
        // raw stream (no trailer left to feed) must come out too.
        let data = text(150_000);
        let zeros = vec![0u8; 98_505];
        let mut r = Rng::new(2);
        for plain in [&data, &zeros] {
            let bodies = [
                (Coding::Gzip, gzip(plain, None, None, false)),
                (Coding::Deflate, compress_to_vec_zlib(plain, 6)),
                (Coding::Deflate, compress_to_vec(plain, 1)),
                (Coding::Deflate, compress_to_vec(plain, 9)),
            ];
            for (coding, body) in &bodies {
                for _ in 0..40 {
                    let a = r.below(body.len());
                    let b = r.range(a, body.len());
                    let mut inf = Inflater::new(*coding);
                    let mut got = Vec::new();
                    for piece in [&body[..a], &body[a..b], &body[b..]] {
                        inf.feed(piece, &mut |o| got.extend_from_slice(o));
                    }
                    assert!(!inf.failed());
                    assert!(
                        got == *plain,
                        "{coding:?} split {a} {b}: {} bytes",
                        got.len()
                    );
                }
            }
        }
        // The case found in review: raw, level 1, cut at 259.
        let body = compress_to_vec(&zeros, 1);
        let mut got = 0;
        let mut inf = Inflater::new(Coding::Deflate);
        inf.feed(&body[..259], &mut |o| got += o.len());
        inf.feed(&body[259..], &mut |o| got += o.len());
        assert_eq!(got, zeros.len());
    }

    #[test]
    fn identity_passes_bytes_on() {
        assert_eq!(
            run(Coding::Identity, b"plain", 2),
            (b"plain".to_vec(), false)
        );
    }

    #[test]
    fn what_does_not_inflate_stops_the_inflater_without_panicking() {
        let data = text(5_000);
        let good = gzip(&data, None, None, false);
        let mut r = Rng::new(3);
        for _ in 0..2_000 {
            let mut bad = good.clone();
            let i = r.below(bad.len());
            bad[i] ^= r.range(1, 255) as u8;
            // Corrupt anywhere: either it fails, or it yields some bytes; never a panic.
            let _ = run(Coding::Gzip, &bad, r.range(1, 64));
            let _ = run(Coding::Deflate, &bad, 5);
        }
        assert!(run(Coding::Gzip, b"{\"not\":\"gzip\"}", 3).1);
        assert!(run(Coding::Gzip, &[0x1f, 0x8b, 8, 0xff, 0, 0, 0, 0, 0, 0], 3).1);
        // A header that never ends is not held past its cap.
        let mut endless = vec![0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 255];
        endless.extend(std::iter::repeat_n(b'n', MAX_HEADER + 10));
        assert!(run(Coding::Gzip, &endless, 1000).1);
    }

    #[test]
    fn output_past_the_cap_stops_the_inflater() {
        let cap = 1 << 20;
        let zeros = vec![0u8; cap + SCRATCH * 2];
        let body = compress_to_vec_zlib(&zeros, 6);
        let mut inf = Inflater::new(Coding::Deflate);
        inf.cap = cap as u64;
        let mut got = 0usize;
        inf.feed(&body, &mut |o| got += o.len());
        assert!(inf.failed());
        assert!(got <= cap);
        let mut inf = Inflater::new(Coding::Deflate);
        inf.cap = (cap + SCRATCH * 2) as u64;
        inf.feed(&body, &mut |_| {});
        assert!(!inf.failed());
    }

    #[test]
    fn only_the_first_member_is_read() {
        let mut body = gzip(b"first", None, None, false);
        body.extend(gzip(b"second", None, None, false));
        assert_eq!(run(Coding::Gzip, &body, 3), (b"first".to_vec(), false));
    }
}
