//! Two plain SVG charts for the report, written without a library: stacked bars (one bar per
//! period, one colour per key) and bars (one per key). Every label is escaped; the sizes are
//! fixed, so a chart of a year of hours stays readable by thinning the axis labels.

use super::doc::html_escape;
use std::collections::{BTreeMap, BTreeSet};

const PALETTE: &[&str] = &[
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];
const W: u64 = 760;
const H: u64 = 320;
const LEFT: u64 = 60;
const TOP: u64 = 40;
const PLOT_H: u64 = 200;

fn colour(i: usize) -> &'static str {
    PALETTE.get(i % PALETTE.len()).copied().unwrap_or("#888888")
}

fn header(title: &str, height: u64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{height}\" viewBox=\"0 0 {W} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{LEFT}\" y=\"20\" font-size=\"14\">{}</text>\n",
        html_escape(title)
    )
}

/// Stacked bars: `series` is (x label, key → value) in order.
pub fn stacked_bars(title: &str, series: &[(String, BTreeMap<String, u64>)]) -> String {
    let keys: BTreeSet<&String> = series.iter().flat_map(|(_, m)| m.keys()).collect();
    let max = series
        .iter()
        .map(|(_, m)| m.values().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = header(title, H + 20 * (keys.len() as u64).div_ceil(4));
    axis(&mut out, max);
    let n = series.len().max(1) as u64;
    let slot = (W - LEFT - 20) / n;
    let bar = (slot * 7 / 10).max(1);
    let every = n.div_ceil(12).max(1);
    for (i, (label, m)) in series.iter().enumerate() {
        let x = LEFT + slot * i as u64 + (slot - bar) / 2;
        let mut y = TOP + PLOT_H;
        for (k_i, k) in keys.iter().enumerate() {
            let v = m.get(*k).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let h = (v * PLOT_H).div_ceil(max);
            y = y.saturating_sub(h);
            out.push_str(&format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{bar}\" height=\"{h}\" fill=\"{}\"><title>{} {}: {v}</title></rect>\n",
                colour(k_i),
                html_escape(label),
                html_escape(k)
            ));
        }
        if (i as u64) % every == 0 {
            out.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                x + bar / 2,
                TOP + PLOT_H + 15,
                html_escape(label)
            ));
        }
    }
    legend(&mut out, keys.into_iter().map(String::as_str));
    out.push_str("</svg>\n");
    out
}

/// Bars: one per key, in key order.
pub fn bars(title: &str, values: &BTreeMap<String, u64>) -> String {
    let series: Vec<(String, BTreeMap<String, u64>)> = values
        .iter()
        .map(|(k, v)| (k.clone(), BTreeMap::from([(k.clone(), *v)])))
        .collect();
    if series.is_empty() {
        let mut out = header(title, 80);
        out.push_str(&format!(
            "<text x=\"{LEFT}\" y=\"55\">none recorded</text>\n</svg>\n"
        ));
        return out;
    }
    stacked_bars(title, &series)
}

fn axis(out: &mut String, max: u64) {
    out.push_str(&format!(
        "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{}\" stroke=\"#333\"/>\n\
         <line x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n",
        TOP + PLOT_H,
        TOP + PLOT_H,
        W - 20,
        TOP + PLOT_H
    ));
    for (frac, v) in [(0, 0), (2, max / 2), (4, max)] {
        let y = TOP + PLOT_H - PLOT_H * frac / 4;
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{v}</text>\n",
            LEFT - 6,
            y + 4
        ));
    }
}

fn legend<'a>(out: &mut String, keys: impl Iterator<Item = &'a str>) {
    for (i, k) in keys.enumerate() {
        let x = LEFT + (i as u64 % 4) * 170;
        let y = TOP + PLOT_H + 35 + (i as u64 / 4) * 20;
        out.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{y}\">{}</text>\n",
            y - 9,
            colour(i),
            x + 14,
            html_escape(k)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_escaped_labels() {
        let series = vec![
            (
                "2026-12-06".to_string(),
                BTreeMap::from([("allow".to_string(), 3), ("deny".to_string(), 1)]),
            ),
            ("<x>".to_string(), BTreeMap::from([("deny".to_string(), 4)])),
        ];
        let s = stacked_bars("t & t", &series);
        assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
        assert!(s.contains("&lt;x&gt;") && !s.contains("<x>") && s.contains("t &amp; t"));
        assert_eq!(s.matches("<rect x=").count(), 3 + 2, "{s}"); // bars + legend swatches
        assert!(bars("empty", &BTreeMap::new()).contains("none recorded"));
    }
}
