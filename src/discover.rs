//! From command-line paths to inputs: files, directories (gitignore-aware), globs, stdin.

use crate::engine::{Input, read_stdin};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

pub struct Discovered {
    pub inputs: Vec<Input>,
    /// Paths that do not exist or cannot be read: the run exits 2 after linting the rest.
    pub failures: Vec<String>,
    /// Helm chart templates met while walking: Go templates, not manifests.
    pub templates: usize,
}

/// `chart/templates/deployment.yaml` beside a `chart/Chart.yaml`: `helm template` renders
/// it; linted raw, every `{{ }}` would be a YAML error. Named explicitly, it is still read.
fn is_helm_template(p: &Path) -> bool {
    p.ancestors().skip(1).any(|dir| {
        dir.file_name().is_some_and(|n| n == "templates")
            && dir.parent().is_some_and(|c| c.join("Chart.yaml").is_file())
    })
}

pub fn exclude_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = Glob::new(p).map_err(|e| format!("--exclude {p}: {e}"))?;
        b.add(g);
        // `vendor` or `vendor/` also excludes what is below it.
        let trimmed = p.trim_end_matches('/');
        if !trimmed.contains("**")
            && let Ok(g) = Glob::new(&format!("{trimmed}/**"))
        {
            b.add(g);
        }
    }
    b.build().map_err(|e| e.to_string())
}

fn clean(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

fn is_manifest(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn excluded(set: &GlobSet, p: &Path) -> bool {
    !set.is_empty() && (set.is_match(p) || set.is_match(clean(p)))
}

fn walk(
    root: &Path,
    exclude: &GlobSet,
    found: &mut BTreeSet<PathBuf>,
    failures: &mut Vec<String>,
    templates: &mut usize,
) {
    let ex = exclude.clone();
    let base = root.to_path_buf();
    // `onus check repo --exclude charts` means repo/charts: match below the root too.
    let walker = ignore::WalkBuilder::new(root)
        .require_git(false)
        .filter_entry(move |e| {
            let inner = e.path().strip_prefix(&base).unwrap_or(e.path());
            !excluded(&ex, e.path()) && (inner.as_os_str().is_empty() || !excluded(&ex, inner))
        })
        .build();
    for entry in walker {
        match entry {
            Ok(e) => {
                if e.file_type().is_some_and(|t| t.is_file()) && is_manifest(e.path()) {
                    if is_helm_template(e.path()) {
                        *templates += 1;
                    } else {
                        found.insert(e.into_path());
                    }
                }
            }
            Err(err) => failures.push(err.to_string()),
        }
    }
}

fn glob_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

pub fn discover(paths: &[String], exclude: &GlobSet, stdin_name: Option<&str>) -> Discovered {
    let mut found: BTreeSet<PathBuf> = BTreeSet::new();
    let mut failures = Vec::new();
    let mut inputs = Vec::new();
    let mut templates = 0;
    let paths: Vec<String> = if paths.is_empty() {
        vec![".".into()]
    } else {
        paths.to_vec()
    };
    for arg in &paths {
        if arg == "-" {
            let name = stdin_name.unwrap_or("-").to_string();
            match read_stdin() {
                Ok(bytes) => inputs.push(Input::Text { name, bytes }),
                Err(e) => failures.push(format!("standard input: {e}")),
            }
            continue;
        }
        let path = Path::new(arg);
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => walk(path, exclude, &mut found, &mut failures, &mut templates),
            Ok(_) => {
                if !excluded(exclude, path) {
                    found.insert(path.to_path_buf());
                }
            }
            Err(_) if glob_meta(arg) => match glob(arg, exclude, &mut found, &mut failures) {
                Ok(0) => failures.push(format!("{arg}: the pattern matches no file")),
                Ok(_) => {}
                Err(e) => failures.push(e),
            },
            Err(e) => failures.push(format!("{arg}: {}", describe(&e))),
        }
    }
    inputs.extend(found.into_iter().map(|p| Input::Path {
        name: clean(&p),
        path: p,
    }));
    Discovered {
        inputs,
        failures,
        templates,
    }
}

fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Expand a glob: walk from its literal prefix, keep the files it matches.
fn glob(
    pattern: &str,
    exclude: &GlobSet,
    found: &mut BTreeSet<PathBuf>,
    failures: &mut Vec<String>,
) -> Result<usize, String> {
    let matcher = GlobBuilder::new(pattern.strip_prefix("./").unwrap_or(pattern))
        .literal_separator(true)
        .build()
        .map_err(|e| format!("{pattern}: {e}"))?
        .compile_matcher();
    let base: PathBuf = Path::new(pattern)
        .components()
        .take_while(|c| !glob_meta(&c.as_os_str().to_string_lossy()))
        .collect();
    let base = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    };
    let mut all = BTreeSet::new();
    let ex = exclude.clone();
    let walker = ignore::WalkBuilder::new(&base)
        .require_git(false)
        .filter_entry(move |e| !excluded(&ex, e.path()))
        .build();
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                if matcher.is_match(clean(e.path())) {
                    all.insert(e.into_path());
                }
            }
            Ok(_) => {}
            Err(err) => failures.push(err.to_string()),
        }
    }
    let n = all.len();
    found.extend(all);
    Ok(n)
}
