//! Throughput benchmark of the detector core (native): MB/s on typical chat text with every
//! detector on, then the slowdown from 10 to 200 customer patterns and from no keywords to
//! 100 000 keywords. Run with `cargo run --release --bin bench_core`.

use openai_compliance_filter::config::detectors::RawDetectors;
use openai_compliance_filter::detect::corpus::{chat_text, Rng};
use openai_compliance_filter::detect::{DetectorSet, Finding, Scratch};
use std::time::{Duration, Instant};

const TEXT_BYTES: usize = 4 << 20;

fn compile(json: &str) -> Result<(DetectorSet, Duration), String> {
    let cfg: RawDetectors = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let set = DetectorSet::compile(&cfg).map_err(|e| e.to_string())?;
    Ok((set, t.elapsed()))
}

/// Throughput in MB/s of each set, measured interleaved (set A, set B, A, B, ...) and taking
/// each set's best of 7 passes, so drift from other load on the machine hits both alike.
fn mbps_many(sets: &[&DetectorSet], pieces: &[&str], bytes: usize) -> Vec<(f64, usize)> {
    let mut scratch = Scratch::default();
    let mut out: Vec<Finding> = Vec::new();
    let mut best = vec![f64::MAX; sets.len()];
    let mut findings = vec![0usize; sets.len()];
    for _ in 0..7 {
        for (k, set) in sets.iter().enumerate() {
            let t = Instant::now();
            let mut n = 0;
            for p in pieces {
                out.clear();
                set.scan(p, &mut scratch, &mut out);
                n += out.len();
            }
            let el = t.elapsed().as_secs_f64();
            if let Some(b) = best.get_mut(k) {
                *b = b.min(el);
            }
            if let Some(f) = findings.get_mut(k) {
                *f = n;
            }
        }
    }
    best.iter()
        .zip(findings)
        .map(|(b, f)| (bytes as f64 / b / 1e6, f))
        .collect()
}

fn mbps(set: &DetectorSet, pieces: &[&str], bytes: usize) -> (f64, usize) {
    mbps_many(&[set], pieces, bytes)
        .first()
        .copied()
        .unwrap_or((0.0, 0))
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

    // `bench_core keywords` or `bench_core patterns` runs one section (for profiling).
    let only = std::env::args().nth(1).unwrap_or_default();
    if only == "keywords" {
        let (k, _) = compile(&keywords_json(100_000))?;
        let (v, _) = mbps(&k, &pieces, bytes);
        println!("100000 keywords: {v:.0} MB/s");
        return Ok(());
    }
    let (base, t) = compile("{}")?;
    let (v, n) = mbps(&base, &pieces, bytes);
    println!(
        "all built-in detectors ({} rules, compiled in {:.1} ms): {v:.0} MB/s ({n} findings)",
        base.rules().len(),
        t.as_secs_f64() * 1e3
    );

    let (p10, _) = compile(&patterns_json(10))?;
    let (p200, t200) = compile(&patterns_json(200))?;
    let r = mbps_many(&[&p10, &p200], &pieces, bytes);
    let (v10, v200) = (
        r.first().map_or(0.0, |x| x.0),
        r.get(1).map_or(0.0, |x| x.0),
    );
    println!(
        "10 patterns: {v10:.0} MB/s; 200 patterns (compiled in {:.1} ms): {v200:.0} MB/s; slowdown 10→200: {:.3}x",
        t200.as_secs_f64() * 1e3,
        v10 / v200
    );

    let (k1, _) = compile(&keywords_json(1))?;
    let (k100k, tk) = compile(&keywords_json(100_000))?;
    let r = mbps_many(&[&base, &k1, &k100k], &pieces, bytes);
    let (v0, v1, vk) = (
        r.first().map_or(0.0, |x| x.0),
        r.get(1).map_or(0.0, |x| x.0),
        r.get(2).map_or(0.0, |x| x.0),
    );
    println!(
        "no keywords: {v0:.0} MB/s; 1 keyword: {v1:.0} MB/s; 100000 keywords (compiled in {:.0} ms): {vk:.0} MB/s",
        tk.as_secs_f64() * 1e3
    );
    println!(
        "slowdown none→100000 keywords: {:.3}x; 1→100000 keywords: {:.3}x",
        v0 / vk,
        v1 / vk
    );
    Ok(())
}
