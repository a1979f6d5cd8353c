//! The module graph of `src/`, derived from every path in the code (`use` trees, `crate::` and
//! `super::` paths in items and expressions, re-exports), checked against the layering table
//! of the README's code map: no cycle, no arrow upwards, rayon and the progress bars only in
//! the runner (`run`), no file I/O in the engines, the accumulators, the model or the
//! statistics ([`NO_FILES`]).
//!
//! Arrows the layout still has but must lose are listed in `KNOWN`; the test fails when an
//! arrow is neither allowed nor known, and when a known one has disappeared (so the list
//! shrinks as the layout improves, and never hides a new arrow).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use syn::visit::Visit;

use super::testutil::root;

/// Each top-level module and the modules it may use. `cli` may use everything.
const ALLOWED: &[(&str, &[&str])] = &[
    ("stats", &[]),
    ("limits", &[]),
    ("digest", &[]),
    ("suggest", &[]),
    ("dist", &["stats", "limits"]),
    ("model", &["dist", "stats", "limits"]),
    (
        "scenario",
        &["model", "dist", "stats", "limits", "digest", "suggest"],
    ),
    // How a run is cut into units: chunk size, shard ranges (read by the runner and the report).
    ("units", &["limits"]),
    ("tally", &["model", "dist", "stats", "limits"]),
    // What a region run produces (its accumulators, its results) and the insurer's figures as
    // pure functions of its losses.
    ("losses", &["model", "stats", "tally", "limits"]),
    // One incident, and one period of a region recording into the losses' accumulators.
    (
        "engine",
        &["model", "dist", "stats", "limits", "tally", "losses"],
    ),
    // The one runner: incident chunks and region periods behind one trait.
    (
        "run",
        &[
            "engine", "tally", "losses", "model", "dist", "stats", "limits", "units",
        ],
    ),
    // The fit of `lockout calibrate`: parameter sets simulated on the runner, weighted by the
    // targets' likelihood.
    (
        "fit",
        &[
            "run", "scenario", "engine", "tally", "model", "dist", "stats", "limits",
        ],
    ),
    // Every file written; it reads results, never the engines or the runner.
    (
        "report",
        &[
            "tally", "losses", "units", "model", "stats", "limits", "digest",
        ],
    ),
];

/// Modules that must not touch files (`std::fs`): the engines, the accumulators, the model and
/// the statistics compute; the report layer writes.
const NO_FILES: &[&str] = &["engine", "tally", "losses", "model", "stats"];

/// Arrows the layout still has that the table forbids: each must disappear, never grow. Empty:
/// a new exception needs a reason written here.
const KNOWN: &[&str] = &[];

/// Every path a file mentions, as the top-level module (or external crate path) it names.
struct Refs<'a> {
    /// The module the visited code is in, from the crate root.
    module: Vec<String>,
    /// Top-level modules of this crate that are referred to.
    modules: &'a mut BTreeSet<String>,
    /// External paths referred to (`rayon`, `indicatif`, `std::fs`).
    external: &'a mut BTreeSet<String>,
}

impl Refs<'_> {
    fn record(&mut self, segments: &[String]) {
        let Some(first) = segments.first() else {
            return;
        };
        let resolved: Option<Vec<String>> = match first.as_str() {
            "crate" => Some(segments[1..].to_vec()),
            "self" => Some(
                self.module
                    .iter()
                    .cloned()
                    .chain(segments[1..].iter().cloned())
                    .collect(),
            ),
            "super" => {
                let ups = segments.iter().take_while(|s| *s == "super").count();
                let keep = self.module.len().saturating_sub(ups);
                Some(
                    self.module[..keep]
                        .iter()
                        .cloned()
                        .chain(segments[ups..].iter().cloned())
                        .collect(),
                )
            }
            _ => None,
        };
        match resolved {
            Some(path) => {
                if let Some(top) = path.first() {
                    self.modules.insert(top.clone());
                }
            }
            None => {
                let joined = segments.join("::");
                for ext in ["rayon", "indicatif", "std::fs"] {
                    if joined == ext || joined.starts_with(&format!("{ext}::")) {
                        self.external.insert(ext.to_string());
                    }
                }
            }
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                let p = prefix.clone();
                self.record(&p);
                prefix.pop();
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                let p = prefix.clone();
                self.record(&p);
                prefix.pop();
            }
            syn::UseTree::Glob(_) => {
                let p = prefix.clone();
                self.record(&p);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string().contains("test"))
    })
}

impl<'ast> Visit<'ast> for Refs<'_> {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        self.record(&segments);
        syn::visit::visit_path(self, p);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut prefix = Vec::new();
        self.use_tree(&mut prefix, &u.tree);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if is_cfg_test(&m.attrs) || m.content.is_none() {
            return;
        }
        self.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.module.pop();
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_cfg_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }
}

/// The module path of a source file: `src/a/b.rs` is `a::b`, `src/a/mod.rs` is `a`.
fn module_of(file: &Path, src: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The arrows between top-level modules, and the external paths each uses.
fn graph() -> (
    BTreeMap<String, BTreeSet<String>>,
    BTreeMap<String, BTreeSet<String>>,
) {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut arrows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut external: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(file, &src);
        let Some(top) = module.first().cloned() else {
            continue; // lib.rs and main.rs only declare and call modules
        };
        let ast = syn::parse_file(&std::fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut modules = BTreeSet::new();
        let mut ext = BTreeSet::new();
        Refs {
            module,
            modules: &mut modules,
            external: &mut ext,
        }
        .visit_file(&ast);
        modules.remove(&top);
        arrows.entry(top.clone()).or_default().extend(modules);
        external.entry(top).or_default().extend(ext);
    }
    (arrows, external)
}

#[test]
fn modules_follow_the_layering_table() {
    let (arrows, external) = graph();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut found = BTreeSet::new();
    let mut unknown = Vec::new();
    for (from, tos) in &arrows {
        for to in tos {
            if !arrows.contains_key(to) {
                continue; // not a module of this crate (a local item or a macro)
            }
            let ok = from == "cli"
                || allowed
                    .get(from.as_str())
                    .is_some_and(|a| a.contains(&to.as_str()));
            if !ok {
                let arrow = format!("{from} -> {to}");
                if KNOWN.contains(&arrow.as_str()) {
                    found.insert(arrow);
                } else {
                    unknown.push(arrow);
                }
            }
        }
        assert!(
            from == "cli" || allowed.contains_key(from.as_str()),
            "module {from} is not in the layering table"
        );
    }
    for (module, exts) in &external {
        for ext in exts {
            let ok = match ext.as_str() {
                "rayon" | "indicatif" => module == "run",
                "std::fs" => !NO_FILES.contains(&module.as_str()),
                _ => true,
            };
            if !ok {
                let use_ = format!("{module} uses {ext}");
                if KNOWN.contains(&use_.as_str()) {
                    found.insert(use_);
                } else {
                    unknown.push(use_);
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "arrows against the layering table: {unknown:?}"
    );
    let gone: Vec<&&str> = KNOWN.iter().filter(|k| !found.contains(**k)).collect();
    assert!(
        gone.is_empty(),
        "known arrows that no longer exist (remove them from KNOWN): {gone:?}"
    );
}

#[test]
fn the_module_graph_has_no_cycle() {
    let (arrows, _) = graph();
    // Depth-first search for a back edge.
    fn visit<'a>(
        m: &'a str,
        arrows: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) {
        match state.get(m) {
            Some(2) => return,
            Some(1) => panic!("import cycle: {} -> {m}", stack.join(" -> ")),
            _ => {}
        }
        state.insert(m, 1);
        stack.push(m);
        for to in arrows.get(m).into_iter().flatten() {
            if arrows.contains_key(to) {
                visit(to, arrows, state, stack);
            }
        }
        stack.pop();
        state.insert(m, 2);
    }
    let mut state = BTreeMap::new();
    for m in arrows.keys() {
        visit(m, &arrows, &mut state, &mut Vec::new());
    }
}
