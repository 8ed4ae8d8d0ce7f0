//! Throughput benchmark of the detector core (native): MB/s on typical chat text with every
//! detector on, then the slowdown from 10 to 200 customer patterns and from no keywords to
//! 100 000 keywords. Run with `make bench-core`
//! (`cargo run --release -p ocf-devkit --bin bench_core`).

use ocf_devkit::corpus::{chat_text, Rng};
use openai_compliance_filter::config::detectors::RawDetectors;
use openai_compliance_filter::detect::{DetectorSet, Finding, Scratch};
use std::time::{Duration, Instant};

const TEXT_BYTES: usize = 4 << 20;

fn compile(json: &str) -> Result<(DetectorSet, Duration), String> {
    let cfg: RawDetectors = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let set = DetectorSet::compile(&cfg).map_err(|e| e.to_string())?;
    Ok((set, t.elapsed()))
}

/// Interleaved rounds: each round scans the text once with every set, in an order that
/// rotates from round to round.
const ROUNDS: usize = 21;

/// What [`measure`] saw.
struct Measured {
    /// Per set: seconds per round.
    secs: Vec<Vec<f64>>,
    /// Per set: findings in one scan of the text.
    findings: Vec<usize>,
    bytes: usize,
}

impl Measured {
    /// Best throughput of set `k` in MB/s.
    fn mbps(&self, k: usize) -> f64 {
        let best = self
            .secs
            .get(k)
            .map_or(f64::MAX, |v| v.iter().copied().fold(f64::MAX, f64::min));
        self.bytes as f64 / best / 1e6
    }

    /// Slowdown of set `b` against set `a`: the median over rounds of their time ratio (both
    /// measured moments apart, so drift in the machine's speed cancels out).
    fn slowdown(&self, a: usize, b: usize) -> f64 {
        let (Some(ta), Some(tb)) = (self.secs.get(a), self.secs.get(b)) else {
            return f64::NAN;
        };
        let mut r: Vec<f64> = ta.iter().zip(tb).map(|(x, y)| y / x).collect();
        r.sort_by(f64::total_cmp);
        r.get(r.len() / 2).copied().unwrap_or(f64::NAN)
    }
}

/// Times every set over the text for [`ROUNDS`] interleaved rounds (after one warm-up scan).
fn measure(sets: &[&DetectorSet], pieces: &[&str], bytes: usize) -> Measured {
    let mut scratch = Scratch::default();
    let mut out: Vec<Finding> = Vec::new();
    let mut secs = vec![Vec::with_capacity(ROUNDS); sets.len()];
    let mut findings = vec![0usize; sets.len()];
    for round in 0..=ROUNDS {
        for j in 0..sets.len() {
            let k = (round + j) % sets.len();
            let Some(set) = sets.get(k) else { continue };
            let t = Instant::now();
            let mut n = 0;
            for p in pieces {
                out.clear();
                set.scan(p, &mut scratch, &mut out);
                n += out.len();
            }
            let el = t.elapsed().as_secs_f64();
            if round > 0 {
                if let Some(v) = secs.get_mut(k) {
                    v.push(el);
                }
            }
            if let Some(f) = findings.get_mut(k) {
                *f = n;
            }
        }
    }
    Measured {
        secs,
        findings,
        bytes,
    }
}

fn patterns_json(n: usize) -> String {
    let pats: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id":"p{i}","regex":"X{i:03}Q-[0-9]{{6}}\\b"}}"#))
        .collect();
    format!(r#"{{"patterns":[{}]}}"#, pats.join(","))
}

fn keywords_json(n: usize) -> String {
    let mut r = Rng::new(42);
    let letters = b"abcdefghijklmnopqrstuvwxyz";
    let mut terms = Vec::with_capacity(n);
    for i in 0..n {
        let len = r.range(5, 12);
        let w: String = (0..len).map(|_| char::from(*r.pick(letters))).collect();
        if i % 5 == 0 {
            let len2 = r.range(4, 9);
            let w2: String = (0..len2).map(|_| char::from(*r.pick(letters))).collect();
            terms.push(format!("\"{w} {w2}\""));
        } else {
            terms.push(format!("\"{w}\""));
        }
    }
    format!(
        r#"{{"keywords":[{{"id":"terms","terms":[{}]}}]}}"#,
        terms.join(",")
    )
}

fn main() -> Result<(), String> {
    let text = chat_text(1, TEXT_BYTES);
    // Chat-message-sized pieces (~2 KiB, cut on char boundaries).
    let mut pieces = Vec::new();
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let mut cut = rest.len().min(2048);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (a, b) = rest.split_at(cut);
        pieces.push(a);
        rest = b;
    }
    let bytes = text.len();
    println!(
        "text: {:.1} MiB of chat text in {} pieces",
        bytes as f64 / 1048576.0,
        pieces.len()
    );

    // `bench_core keywords [N [R]]` prints R figures (default 10), each the best of 21 scans,
    // with N keywords only (default 100 000; 0: none), for profiling.
    let only = std::env::args().nth(1).unwrap_or_default();
    if only == "keywords" {
        let n: usize = std::env::args()
            .nth(2)
            .and_then(|a| a.parse().ok())
            .unwrap_or(100_000);
        let (k, _) = compile(&if n > 0 { keywords_json(n) } else { "{}".into() })?;
        let rounds: usize = std::env::args()
            .nth(3)
            .and_then(|a| a.parse().ok())
            .unwrap_or(10);
        for _ in 0..rounds {
            let m = measure(&[&k], &pieces, bytes);
            println!("{n} keywords: {:.0} MB/s", m.mbps(0));
        }
        return Ok(());
    }
    let (base, t) = compile("{}")?;
    let m = measure(&[&base], &pieces, bytes);
    println!(
        "all built-in detectors ({} rules, compiled in {:.1} ms): {:.0} MB/s ({} findings)",
        base.rules().len(),
        t.as_secs_f64() * 1e3,
        m.mbps(0),
        m.findings.first().copied().unwrap_or(0)
    );

    let (p10, _) = compile(&patterns_json(10))?;
    let (p200, t200) = compile(&patterns_json(200))?;
    let m = measure(&[&p10, &p200], &pieces, bytes);
    println!(
        "10 patterns: {:.0} MB/s; 200 patterns (compiled in {:.1} ms): {:.0} MB/s; slowdown 10→200: {:.3}x",
        m.mbps(0),
        t200.as_secs_f64() * 1e3,
        m.mbps(1),
        m.slowdown(0, 1)
    );

    let (k1, _) = compile(&keywords_json(1))?;
    let (k100k, tk) = compile(&keywords_json(100_000))?;
    let m = measure(&[&base, &k1, &k100k], &pieces, bytes);
    println!(
        "no keywords: {:.0} MB/s; 1 keyword: {:.0} MB/s; 100000 keywords (compiled in {:.0} ms): {:.0} MB/s",
        m.mbps(0),
        m.mbps(1),
        tk.as_secs_f64() * 1e3,
        m.mbps(2)
    );
    println!(
        "slowdown none→100000 keywords: {:.3}x; 1→100000 keywords: {:.3}x (medians of {ROUNDS} interleaved rounds)",
        m.slowdown(0, 2),
        m.slowdown(1, 2)
    );
    Ok(())
}
