//! `.onus.yaml`: which rules run (select/ignore, the most specific entry wins), their
//! severities and params, excluded paths, per-path ignores, the default namespace and the
//! context paths. Found by walking up from the current directory, or named by `--config`.
//! Every mistake is a diagnostic pointing into the file; flags override the file.

use crate::finding::{Finding, Severity};
use crate::rule::Rule;
use crate::source::SourceFile;
use crate::suppress::{Suppressed, SuppressionKind};
use crate::yaml::{self, NodeRef, Span};
use globset::{Glob, GlobMatcher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const FILE_NAME: &str = ".onus.yaml";

const KEYS: &[&str] = &[
    "select",
    "ignore",
    "severity",
    "params",
    "exclude",
    "per-path-ignores",
    "default-namespace",
    "kube-version",
    "context",
    "rules",
];

/// A mistake in the configuration, with the place that is wrong.
#[derive(Debug)]
pub struct ConfigError {
    pub source: Arc<SourceFile>,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl ConfigError {
    /// The diagnostic as miette draws it (with the snippet), for standard error.
    pub fn render(&self, color: bool) -> String {
        let label = miette::LabeledSpan::at(
            self.span.start..self.span.end.max(self.span.start),
            self.message.clone(),
        );
        let mut report =
            miette::MietteDiagnostic::new(format!("{}: {}", self.source.name, self.message))
                .with_labels([label])
                .with_code("onus::config");
        if let Some(h) = &self.help {
            report = report.with_help(h.clone());
        }
        let report = miette::Report::new(report).with_source_code(NamedSource(self.source.clone()));
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let mut out = String::new();
        let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            let (line, col) = self.source.position(self.span.start);
            out = format!("{}:{line}:{col}: {}\n", self.source.name, self.message);
        }
        out
    }
}

/// Our line-indexed source, named, for miette.
struct NamedSource(Arc<SourceFile>);

impl miette::SourceCode for NamedSource {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        self.0.read_span(span, before, after)
    }
}

/// What configured rule severity says: a severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

/// A loaded configuration. Values are checked when loaded; rule names when applied.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from (None: no configuration).
    pub source: Option<Arc<SourceFile>>,
    pub select: Vec<Entry>,
    pub ignore: Vec<Entry>,
    pub severity: Vec<(Entry, Level)>,
    /// Rules given `params` (read again from the file when applied).
    pub params: Vec<Entry>,
    pub exclude: Vec<String>,
    pub per_path_ignores: Vec<PathIgnore>,
    pub default_namespace: Option<String>,
    /// The Kubernetes release targeted, `(1, 31)`.
    pub kube_version: Option<(u32, u32)>,
    pub context: Vec<String>,
    /// Directories of the team's own rules, relative to the configuration file.
    pub rules: Vec<String>,
}

/// A string of the file and where it is written.
#[derive(Debug, Clone)]
pub struct Entry {
    pub text: String,
    pub span: Span,
}

#[derive(Debug)]
pub struct PathIgnore {
    pub glob: String,
    matcher: GlobMatcher,
    pub selectors: Vec<Entry>,
}

/// The nearest `.onus.yaml` from `dir` upwards.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

impl Config {
    /// Read and check a configuration file.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the configuration {}: {e}", path.display()))?;
        let name = path.to_string_lossy();
        let name = name.strip_prefix("./").unwrap_or(&name).to_string();
        Config::parse(SourceFile::new(name, text)).map_err(|e| e.render(false))
    }

    pub fn parse(source: SourceFile) -> Result<Config, ConfigError> {
        let source = Arc::new(source);
        let err = |span: Span, message: String, help: Option<String>| ConfigError {
            source: source.clone(),
            span,
            message,
            help,
        };
        let stream = yaml::parse_shared(&source.text);
        if let Some(e) = stream.errors.first() {
            return Err(err(
                Span::new(e.offset, e.offset),
                format!("not valid YAML: {}", e.message),
                None,
            ));
        }
        let mut config = Config {
            source: Some(source.clone()),
            ..Config::default()
        };
        let Some(doc) = stream.documents.first() else {
            return Ok(config);
        };
        let Some(root) = NodeRef::root(doc).filter(|r| !r.is_null()) else {
            return Ok(config);
        };
        if !root.is_map() {
            return Err(err(
                root.span(),
                "the configuration is a mapping".into(),
                None,
            ));
        }
        if let Some(dup) = doc.duplicates.first() {
            let span = NodeRef::new(doc, dup.second).span();
            return Err(err(span, "this key is written twice".into(), None));
        }
        for (k, v) in root.entries() {
            let key = k.as_str().unwrap_or("");
            match key {
                "select" => config.select = strings(v, key).map_err(|(s, m)| err(s, m, None))?,
                "ignore" => config.ignore = strings(v, key).map_err(|(s, m)| err(s, m, None))?,
                "exclude" => {
                    for e in strings(v, key).map_err(|(s, m)| err(s, m, None))? {
                        Glob::new(&e.text)
                            .map_err(|g| err(e.span, format!("not a glob: {g}"), None))?;
                        config.exclude.push(e.text);
                    }
                }
                "rules" => {
                    // Relative to the configuration file, wherever onus runs from.
                    let base = Path::new(&*source.name)
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default();
                    config.rules = strings(v, key)
                        .map_err(|(s, m)| err(s, m, None))?
                        .into_iter()
                        .map(|e| base.join(&e.text).to_string_lossy().into_owned())
                        .collect();
                }
                "context" => {
                    config.context = strings(v, key)
                        .map_err(|(s, m)| err(s, m, None))?
                        .into_iter()
                        .map(|e| e.text)
                        .collect();
                }
                "default-namespace" => {
                    let ns = v.as_str().filter(|s| is_dns_label(s)).ok_or_else(|| {
                        err(
                            v.span(),
                            "`default-namespace` must be a namespace name (a DNS label)".into(),
                            None,
                        )
                    })?;
                    config.default_namespace = Some(ns.to_string());
                }
                "kube-version" => {
                    let v = v
                        .as_str()
                        .and_then(crate::version::parse_version)
                        .ok_or_else(|| {
                            err(
                                v.span(),
                                "`kube-version` is a Kubernetes release, `X.Y` (quote it: \"1.30\")"
                                    .into(),
                                None,
                            )
                        })?;
                    config.kube_version = Some(v);
                }
                "severity" => {
                    for (rule, level) in mapping(v, key).map_err(|(s, m)| err(s, m, None))? {
                        let l = match level.as_str() {
                            Some("off") => Level::Off,
                            Some(s) => match s.parse::<Severity>() {
                                Ok(sev) => Level::On(sev),
                                Err(_) => {
                                    return Err(err(
                                        level.span(),
                                        format!("`{s}` is no severity"),
                                        Some("write error, warning, info or off".into()),
                                    ));
                                }
                            },
                            None => {
                                return Err(err(
                                    level.span(),
                                    "a severity is error, warning, info or off".into(),
                                    None,
                                ));
                            }
                        };
                        config.severity.push((rule, l));
                    }
                }
                "params" => {
                    for (rule, p) in mapping(v, key).map_err(|(s, m)| err(s, m, None))? {
                        if !p.is_map() {
                            return Err(err(
                                p.span(),
                                format!("the params of `{}` are a mapping", rule.text),
                                None,
                            ));
                        }
                        config.params.push(rule);
                    }
                }
                "per-path-ignores" => {
                    for (glob, list) in mapping(v, key).map_err(|(s, m)| err(s, m, None))? {
                        let matcher = Glob::new(&glob.text)
                            .map_err(|g| err(glob.span, format!("not a glob: {g}"), None))?
                            .compile_matcher();
                        let selectors =
                            strings(list, &glob.text).map_err(|(s, m)| err(s, m, None))?;
                        config.per_path_ignores.push(PathIgnore {
                            glob: glob.text,
                            matcher,
                            selectors,
                        });
                    }
                }
                _ => {
                    let near = crate::suppress::nearest(key, KEYS)
                        .map(|n| format!("did you mean `{n}`? "))
                        .unwrap_or_default();
                    return Err(err(
                        k.span(),
                        format!("unknown key `{key}`"),
                        Some(format!("{near}known keys: {}", KEYS.join(", "))),
                    ));
                }
            }
        }
        Ok(config)
    }

    /// A mistake at `span` of the file (entries exist only when a file was read).
    fn error(&self, span: Span, message: String, help: Option<String>) -> ConfigError {
        ConfigError {
            source: self
                .source
                .clone()
                .unwrap_or_else(|| Arc::new(SourceFile::new(FILE_NAME, ""))),
            span,
            message,
            help,
        }
    }

    /// Check every rule name against the rules, then set severities and params. Returns
    /// the ids of the rules turned `off`, which nothing selects back.
    pub fn apply(&self, rules: &mut [Rule]) -> Result<Vec<String>, ConfigError> {
        let mut off = Vec::new();
        let ids: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let selectors = self
            .select
            .iter()
            .chain(&self.ignore)
            .chain(self.per_path_ignores.iter().flat_map(|p| &p.selectors));
        for e in selectors {
            if e.text != "all" && !rules.iter().any(|r| specificity(&e.text, r).is_some()) {
                return Err(self.unknown(e, &id_refs, "names no rule, responsibility or section"));
            }
        }
        for (rule, level) in &self.severity {
            let r = rules.iter_mut().find(|r| r.id == rule.text);
            let Some(r) = r else {
                return Err(self.unknown(rule, &id_refs, "is no rule"));
            };
            match level {
                Level::Off => off.push(r.id.clone()),
                Level::On(s) => r.severity = *s,
            }
        }
        let Some(source) = &self.source else {
            return Ok(off);
        };
        let stream = yaml::parse_shared(&source.text);
        let root = stream.documents.first().and_then(NodeRef::root);
        for rule in &self.params {
            let node = root
                .and_then(|r| r.get("params"))
                .and_then(|p| p.get(&rule.text));
            let Some(r) = rules.iter_mut().find(|r| r.id == rule.text) else {
                return Err(self.unknown(rule, &id_refs, "is no rule"));
            };
            if let Some(node) = node
                && let Err(m) = r.configure(node)
            {
                // `param `x` ...`: at that param.
                let at = m
                    .strip_prefix("param `")
                    .and_then(|r| r.split_once('`'))
                    .and_then(|(k, _)| node.entry(k))
                    .map_or(node.span(), |(k, v)| k.span().to(v.span()));
                return Err(self.error(at, format!("params of `{}`: {m}", rule.text), None));
            }
        }
        Ok(off)
    }

    fn unknown(&self, e: &Entry, ids: &[&str], what: &str) -> ConfigError {
        let help = crate::suppress::nearest(&e.text, ids)
            .map(|n| format!("did you mean `{n}`? `onus rules` lists every rule"))
            .or_else(|| {
                Some(
                    "`onus rules` lists rule ids; `onus responsibilities` the responsibilities"
                        .into(),
                )
            });
        self.error(e.span, format!("`{}` {what}", e.text), help)
    }

    /// Mark a finding a per-path ignore covers (suppressed by `config`).
    pub fn mark(&self, rules: &[Rule], f: &mut Finding) {
        if self.per_path_ignores.is_empty() || f.suppressed.is_some() {
            return;
        }
        let Some(rule) = rules.iter().find(|r| *r.id == *f.rule) else {
            return;
        };
        let path = f.file.strip_prefix("./").unwrap_or(&f.file);
        let hit = self.per_path_ignores.iter().find(|p| {
            p.matcher.is_match(path)
                && p.selectors
                    .iter()
                    .any(|s| s.text == "all" || specificity(&s.text, rule).is_some())
        });
        if let Some(p) = hit {
            let name = self.source.as_ref().map_or(FILE_NAME, |s| &*s.name);
            f.suppressed = Some(Suppressed {
                kind: SuppressionKind::Config,
                reason: Some(format!("per-path-ignores `{}` in {name}", p.glob)),
            });
        }
    }
}

/// A list of strings, or one string (a comma-separated list).
fn strings(v: NodeRef, key: &str) -> Result<Vec<Entry>, (Span, String)> {
    if let Some(s) = v.as_str().filter(|_| !v.is_seq()) {
        return Ok(split_list(s)
            .into_iter()
            .map(|text| Entry {
                text,
                span: v.span(),
            })
            .collect());
    }
    if v.is_null() {
        return Ok(Vec::new());
    }
    if !v.is_seq() {
        return Err((v.span(), format!("`{key}` is a list of strings")));
    }
    v.items()
        .map(|i| match i.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(Entry {
                text: s.trim().to_string(),
                span: i.span(),
            }),
            _ => Err((i.span(), format!("`{key}` is a list of strings"))),
        })
        .collect()
}

/// A mapping of string keys.
fn mapping<'a>(v: NodeRef<'a>, key: &str) -> Result<Vec<(Entry, NodeRef<'a>)>, (Span, String)> {
    if v.is_null() {
        return Ok(Vec::new());
    }
    if !v.is_map() {
        return Err((v.span(), format!("`{key}` is a mapping")));
    }
    v.entries()
        .map(|(k, val)| match k.as_str() {
            Some(s) => Ok((
                Entry {
                    text: s.to_string(),
                    span: k.span(),
                },
                val,
            )),
            None => Err((k.span(), format!("the keys of `{key}` are strings"))),
        })
        .collect()
}

/// `host-port, host-path-volume,` → the ids (spaces and a trailing comma accepted).
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// How specifically `sel` names `rule` (higher is more specific), or None: the rule id 5,
/// its responsibility 4, its section 1 to 3 (`3` < `3.1` < `3.1.5`), `all` 0.
pub fn specificity(sel: &str, rule: &Rule) -> Option<u8> {
    let section = rule.responsibility.split('/').next().unwrap_or("");
    if sel == rule.id {
        Some(5)
    } else if sel == rule.responsibility {
        Some(4)
    } else if sel == section || section.starts_with(&format!("{sel}.")) {
        Some(sel.split('.').count().min(3) as u8)
    } else if sel == "all" {
        Some(0)
    } else {
        None
    }
}

/// Does the rule run? The most specific entry of `select` and `ignore` that names it decides
/// (`ignore` on a tie; a selected rule runs even if off by default); named by neither, it
/// runs if `select` is empty and it is enabled.
pub fn enabled(rule: &Rule, select: &[String], ignore: &[String]) -> bool {
    let best = |list: &[String]| list.iter().filter_map(|s| specificity(s, rule)).max();
    match (best(select), best(ignore)) {
        (Some(s), Some(i)) => s > i,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => select.is_empty() && rule.enabled,
    }
}

/// The commented starter file `onus init` writes.
pub const STARTER: &str = include_str!("../schemas/starter.onus.yaml");
