//! The library's top-level modules form no circle: read from the crate's own source, every
//! `crate::<module>` path outside a comment is an edge from the module whose file holds it,
//! and the graph of those edges has no cycle. The ground floor (`document`, `http`, `json`,
//! `reason`) depends on no other module of the crate, and `detect` only on the document.
//! Every edge goes down the floors of the table in `ARCHITECTURE.md` (or, on one floor, to a
//! module listed before), so the page and the code cannot drift apart.
//! A path that names another module only in a comment or a doc link is not an edge.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file belongs to: `src/pipeline/scan.rs` → `pipeline`, `src/audit.rs` →
/// `audit`. `None` for the crate root and the binaries.
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "bin").then(|| name.to_string())
}

/// Every `crate::<ident>` on a line that is code (not a `//` comment).
fn crate_paths(line: &str) -> Vec<String> {
    let code = line.trim_start();
    if code.starts_with("//") {
        return Vec::new();
    }
    let code = code.split(" //").next().unwrap_or(code);
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        // `openai_compliance_filter::` or `my_crate::` end in `crate::` too.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !ident.is_empty() {
            out.push(ident);
        }
    }
    out
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut g = Graph::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap().to_path_buf();
        let Some(from) = module_of(&rel) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let edges = g.entry(from.clone()).or_default();
        for line in text.lines() {
            for to in crate_paths(line) {
                if to != from {
                    edges
                        .entry(to)
                        .or_default()
                        .insert(rel.display().to_string());
                }
            }
        }
    }
    g
}

/// A cycle through `start`, if there is one: the modules in order.
fn cycle_from(g: &Graph, start: &str) -> Option<Vec<String>> {
    fn walk(
        g: &Graph,
        at: &str,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in g.get(at).into_iter().flat_map(|e| e.keys()) {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(g, next, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    let mut seen = BTreeSet::new();
    walk(g, start, start, &mut path, &mut seen).then_some(path)
}

#[test]
fn no_module_depends_on_one_that_depends_back_on_it() {
    let g = graph();
    assert!(g.len() > 10, "the source tree was read: {:?}", g.keys());
    for module in g.keys() {
        if let Some(cycle) = cycle_from(&g, module) {
            let hops: Vec<String> = cycle
                .iter()
                .zip(cycle.iter().skip(1).chain(std::iter::once(&cycle[0])))
                .map(|(a, b)| format!("{a} -> {b} (in {:?})", g[a][b]))
                .collect();
            panic!("a circle of modules:\n  {}", hops.join("\n  "));
        }
    }
}

#[test]
fn the_ground_floor_depends_on_nothing_above_it() {
    let g = graph();
    let allowed: &[(&str, &[&str])] = &[
        ("document", &[]),
        ("http", &[]),
        ("json", &[]),
        ("reason", &[]),
        ("detect", &["document"]),
    ];
    for (module, may) in allowed {
        let uses: Vec<&String> = g
            .get(*module)
            .into_iter()
            .flat_map(|e| e.keys())
            .filter(|m| !may.contains(&m.as_str()))
            .collect();
        assert!(
            uses.is_empty(),
            "{module} depends on {uses:?}: {:?}",
            g[*module]
        );
    }
}

/// The floors of `ARCHITECTURE.md`'s table: each module's (floor, place in the table).
fn floors() -> BTreeMap<String, (u32, usize)> {
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md");
    let text = std::fs::read_to_string(page).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(floor), Some(modules)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let Ok(floor) = floor.parse::<u32>() else {
            continue;
        };
        for name in modules.split('`').skip(1).step_by(2) {
            let name = name.trim_end_matches('/').trim_end_matches(".rs");
            let place = out.len();
            out.insert(name.to_string(), (floor, place));
        }
    }
    out
}

#[test]
fn every_edge_goes_down_the_floors_of_architecture_md() {
    let g = graph();
    let floors = floors();
    assert!(floors.len() > 10, "the table was read: {floors:?}");
    for (from, edges) in &g {
        let Some(&(floor, place)) = floors.get(from) else {
            panic!("`{from}` has no floor in ARCHITECTURE.md");
        };
        for (to, files) in edges {
            let Some(&(to_floor, to_place)) = floors.get(to) else {
                panic!("`{to}` has no floor in ARCHITECTURE.md");
            };
            assert!(
                to_floor < floor || (to_floor == floor && to_place < place),
                "{from} (floor {floor}) uses {to} (floor {to_floor}) in {files:?}"
            );
        }
    }
}

#[test]
fn the_reader_finds_edges_in_code_and_not_in_comments() {
    assert_eq!(crate_paths("use crate::json::{parse, Limits};"), ["json"]);
    assert_eq!(
        crate_paths("    let r = crate::reason::Reason::InvalidJson; // see crate::policy"),
        ["reason"]
    );
    assert!(crate_paths("//! Read through [`crate::policy`].").is_empty());
    assert!(crate_paths("use openai_compliance_filter::config::Policy;").is_empty());
    // A circle is found, and a chain is not one.
    let mut g = Graph::new();
    let edge = |g: &mut Graph, a: &str, b: &str| {
        g.entry(a.into()).or_default().entry(b.into()).or_default();
    };
    edge(&mut g, "a", "b");
    edge(&mut g, "b", "c");
    assert_eq!(cycle_from(&g, "a"), None);
    edge(&mut g, "c", "a");
    assert_eq!(cycle_from(&g, "a").unwrap(), ["a", "b", "c"]);
}
