//! The model's modules import each other without a cycle (ARCHITECTURE.md): the counters and the
//! op have their own modules, below the rules and the state, so a change to one layer never
//! needs the one above it.
//!
//! The graph is read from the sources: every `crate::<module>` path outside comments and outside
//! `#[cfg(test)]` modules is an edge from the file's top-level module to `<module>`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The top-level module a file under `src/` belongs to: `rules/erc20.rs` is `rules`.
fn module_of(relative: &Path) -> String {
    let first = relative.components().next().expect("a path under src/");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

fn collect(dir: &Path, src: &Path, graph: &mut Graph) {
    for entry in fs::read_dir(dir).expect("model/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(&path, src, graph);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let from = module_of(path.strip_prefix(src).expect("under src/"));
        let text = fs::read_to_string(&path).expect("a source file is UTF-8");
        let code = text.split("#[cfg(test)]\nmod ").next().unwrap_or_default();
        let edges = graph.entry(from.clone()).or_default();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (at, _) in line.match_indices("crate::") {
                let rest = &line[at + "crate::".len()..];
                let name: String =
                    rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                let braced = rest.starts_with('{');
                if !name.is_empty() && name != from {
                    edges.insert(name);
                }
                // `use crate::{a::X, b};` names several modules.
                if braced {
                    let group = &rest[1..rest.find('}').unwrap_or(rest.len())];
                    for part in group.split(',') {
                        let name = part.trim().split("::").next().unwrap_or_default();
                        if !name.is_empty() && name != from {
                            edges.insert(name.to_string());
                        }
                    }
                }
            }
        }
    }
}

/// A cycle through `start`, as the list of modules along it, if there is one.
fn cycle_through(graph: &Graph, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((module, path)) = stack.pop() {
        for next in graph.get(&module).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if graph.contains_key(next) && seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

fn model_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = Graph::new();
    collect(&src, &src, &mut graph);
    graph.remove("lib");
    graph
}

#[test]
fn the_model_modules_import_each_other_without_a_cycle() {
    let graph = model_graph();
    let cycles: Vec<String> =
        graph.keys().filter_map(|m| cycle_through(&graph, m)).map(|c| c.join(" -> ")).collect();
    assert!(cycles.is_empty(), "import cycles in model/src: {cycles:#?}");
}

#[test]
fn the_graph_reader_sees_the_layers_and_would_see_a_cycle() {
    let mut graph = model_graph();
    // The edges the layering rests on are read at all.
    for (from, to) in [("state", "rules"), ("rules", "counters"), ("verdict", "counters")] {
        assert!(graph[from].contains(to), "{from} -> {to} not read: {graph:#?}");
    }
    // The import the refactor removed would close a cycle again.
    graph.get_mut("verdict").expect("verdict").insert("state".to_string());
    let cycle = cycle_through(&graph, "state").expect("state -> ... -> verdict -> state");
    assert_eq!(cycle.first(), cycle.last());
}
