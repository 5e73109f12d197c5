//! `--format human`: miette's graphical report, as an adapter over our findings.

use super::excerpts::{Excerpt, Excerpts};
use super::{Report, wrap};
use crate::finding::{Finding, Severity};
use crate::source::SourceFile;
use crate::suppress::SuppressionKind;
use crate::yaml::Span;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use std::fmt;
use std::io::Write as _;
use std::sync::Arc;

pub struct Style {
    pub color: bool,
    pub width: usize,
}

struct Diag<'a> {
    f: &'a Finding,
    /// None when the line is too long to show (minified JSON, a 200 KB nesting bomb).
    source: Option<Text<'a>>,
    message: String,
}

/// Longest line shown as a snippet; longer ones are named, not printed.
const MAX_SNIPPET_LINE: usize = 500;

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Diag<'_> {}

/// A snippet's text: the file's, or an excerpt of a large file's.
#[derive(Clone, Copy)]
enum Text<'a> {
    File(&'a SourceFile),
    Excerpt(&'a Excerpt),
}

impl<'a> Text<'a> {
    fn line_span(self, at: usize) -> Span {
        match self {
            Text::File(f) => f.line_span(at),
            Text::Excerpt(e) => e.line_span(at),
        }
    }

    fn code(self) -> &'a dyn SourceCode {
        match self {
            Text::File(f) => f,
            Text::Excerpt(e) => e,
        }
    }
}

/// A label on one line reads best: a span over a whole block keeps its first line.
fn first_line(source: Text, span: Span) -> Span {
    let line = source.line_span(span.start);
    Span::new(span.start, span.end.min(line.end.max(span.start)))
}

fn labeled(label: Option<String>, span: Span, primary: bool) -> LabeledSpan {
    let s = (span.start, span.end - span.start);
    if primary {
        LabeledSpan::new_primary_with_span(label, s)
    } else {
        LabeledSpan::new_with_span(label, s)
    }
}

impl Diagnostic for Diag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        // `error[host-path-volume]`: the severity in words, also without colour.
        Some(Box::new(format!("{}[{}]", self.f.severity, self.f.rule)))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.map(Text::code)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let source = self.source?;
        let mut labels = vec![labeled(
            self.f.label.clone(),
            first_line(source, self.f.span),
            true,
        )];
        for r in &self.f.related {
            labels.push(labeled(
                Some(r.label.clone()),
                first_line(source, r.span),
                false,
            ));
        }
        Some(Box::new(labels.into_iter()))
    }
}

pub fn render_finding(r: &Report, f: &Finding, style: &Style) -> String {
    let source = r.files.get(f.file_index).map(|s| Text::File(s));
    render_with(r, f, source, style)
}

/// A finding with its file's text (`source`) for the snippet.
fn render_with(r: &Report, f: &Finding, source: Option<Text>, style: &Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    let mut out = String::new();
    // `error[rule]: message` on one line (wrapped as a whole); then miette's snippet.
    let header = format!("{}[{}]: {}", f.severity, f.rule, f.message);
    let header = wrap(&header, style.width, "", "  ");
    let prefix_len = f.severity.as_str().len();
    out.push_str(&if style.color {
        let color = match f.severity {
            Severity::Error => "\x1b[1;31m",
            Severity::Warning => "\x1b[1;33m",
            Severity::Info => "\x1b[1;36m",
        };
        // The severity in its colour, the rest bold.
        format!(
            "{color}{}\x1b[0m\x1b[1m{}\x1b[0m",
            header.get(..prefix_len).unwrap_or(""),
            header.get(prefix_len..).unwrap_or("")
        )
    } else {
        header
    });
    out.push('\n');
    if let Some(source) = source {
        let line = source.line_span(f.span.start);
        let long = line.end - line.start > MAX_SNIPPET_LINE;
        if long {
            out.push_str(&format!(
                "    at {}:{}:{} (a line of {} bytes, not shown)\n",
                f.file,
                f.line,
                f.column,
                line.end - line.start
            ));
        } else {
            let diag = Diag {
                f,
                source: Some(source),
                message: f.message.clone(),
            };
            let mut full = String::new();
            match handler.render_report(&mut full, &diag) {
                // Only the snippet: the header and message are ours, above.
                Ok(()) => match full.find("╭─[") {
                    Some(at) => {
                        let from = full
                            .get(..at)
                            .and_then(|h| h.rfind('\n'))
                            .map_or(0, |i| i + 1);
                        out.push_str(full.get(from..).unwrap_or(""));
                    }
                    None => out.push_str(&format!("    at {}:{}:{}\n", f.file, f.line, f.column)),
                },
                Err(_) => out.push_str(&format!("    at {}:{}:{}\n", f.file, f.line, f.column)),
            }
        }
    }
    // Our own wrap keeps `code` whole, where miette's would split it.
    out.push_str(&wrap(&f.help, style.width, "  help: ", "        "));
    out.push('\n');
    if let Some(a) = r.model.get(&f.responsibility) {
        // Both parties' roles, `—` where one has none.
        let role = |r: &str| {
            if r.is_empty() {
                "—".to_string()
            } else {
                r.to_string()
            }
        };
        // The roles stay together on one line (glued while wrapping).
        let roles = format!(
            "· Customer: {} · {}: {}",
            role(&a.customer),
            r.model.provider,
            role(&a.provider)
        )
        .replace(' ', "\u{e000}");
        let text = format!("{} — \"{}\" {roles}", a.section, a.activity);
        let wrapped = wrap(&text, style.width, "  responsibility ", "        ");
        out.push_str(&wrapped.replace('\u{e000}', " "));
        out.push('\n');
    }
    if let Some(s) = &f.suppressed {
        let by = match s.kind {
            SuppressionKind::Comment => "an `onus: ignore` comment",
            SuppressionKind::Annotation => "the `onus.dev/ignore` annotation",
            SuppressionKind::Config => "the configuration",
            SuppressionKind::Baseline => "the baseline",
        };
        let why = s.reason.as_deref().unwrap_or("no reason given");
        out.push_str(&wrap(
            &format!("by {by}: {why}"),
            style.width,
            "  suppressed ",
            "        ",
        ));
        out.push('\n');
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `--statistics`: findings (not suppressed) by rule, then by responsibility, most first.
fn statistics(r: &Report) -> String {
    use std::collections::BTreeMap;
    let mut by_rule: BTreeMap<(String, &str), usize> = BTreeMap::new();
    let mut by_duty: BTreeMap<String, usize> = BTreeMap::new();
    for f in r.findings.iter().filter(|f| f.suppressed.is_none()) {
        *by_rule
            .entry((f.rule.to_string(), f.severity.as_str()))
            .or_default() += 1;
        *by_duty.entry(f.responsibility.to_string()).or_default() += 1;
    }
    let sorted = |m: Vec<(String, usize)>| {
        let mut v = m;
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    };
    let mut out = String::from("findings by rule:\n");
    for (name, n) in sorted(
        by_rule
            .into_iter()
            .map(|((rule, sev), n)| (format!("{rule} ({sev})"), n))
            .collect(),
    ) {
        out.push_str(&format!("{n:>6}  {name}\n"));
    }
    out.push_str("findings by responsibility:\n");
    for (id, n) in sorted(by_duty.into_iter().collect()) {
        let name = r.model.get(&id).map_or(id.clone(), |a| {
            format!("{id} ({}: {})", a.section, a.roles(&r.model.provider))
        });
        out.push_str(&format!("{n:>6}  {name}\n"));
    }
    out.push('\n');
    out
}

pub fn summary_line(r: &Report) -> String {
    let s = r.summary;
    let mut line = format!(
        "{}, {}",
        plural(s.errors, "error"),
        plural(s.warnings, "warning")
    );
    if s.infos > 0 {
        line.push_str(&format!(", {}", plural(s.infos, "info")));
    }
    line.push_str(&format!(
        " in {} ({}, {} skipped",
        plural(s.files, "file"),
        plural(s.resources, "resource"),
        plural(s.skipped_documents, "document")
    ));
    if s.suppressed > 0 {
        line.push_str(&format!(", {} suppressed", s.suppressed));
    }
    line.push(')');
    line
}

/// What the human report includes besides the findings that count.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Only findings and errors: no summary line.
    pub quiet: bool,
    /// The files and documents not linted, with the reason.
    pub show_skipped: bool,
    /// Suppressed findings too, each with what suppressed it.
    pub show_suppressed: bool,
    /// Counts by rule and by responsibility after the findings.
    pub statistics: bool,
    /// Files not kept in memory from this size on show excerpts read as the findings come
    /// (the engine reads such files a window at a time too); smaller ones are read whole.
    pub excerpts_from: usize,
}

/// A file's text for its findings' snippets: whole, or read in excerpts.
enum Held {
    Whole(Arc<SourceFile>),
    Read(Excerpts),
}

/// A file's text read again whole when the engine did not keep it (or its name's empty text).
fn whole(s: &Arc<SourceFile>) -> Arc<SourceFile> {
    if s.text.is_empty() {
        crate::engine::read_again(s).unwrap_or_else(|| s.clone())
    } else {
        s.clone()
    }
}

pub fn render(r: &Report, style: &Style, opts: Options) -> String {
    super::to_string(r, |r, w| write(r, style, opts, None, w))
}

/// Write the report as the findings come (one at a time in memory). `elapsed`: the run's
/// time, said at the end of the summary line (on a terminal only: piped output stays
/// byte-identical across runs).
pub fn write(
    r: &Report,
    style: &Style,
    opts: Options,
    elapsed: Option<f64>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let (quiet, show_skipped) = (opts.quiet, opts.show_skipped);
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    // Findings come file by file: each file's text is read again at most once, when the
    // engine did not keep it; a large one in excerpts, as its findings come (in file order).
    let mut current: Option<(usize, Held)> = None;
    for f in r.findings.iter() {
        if f.suppressed.is_some() && !opts.show_suppressed {
            continue;
        }
        if current.as_ref().is_none_or(|(i, _)| *i != f.file_index) {
            current = r.files.get(f.file_index).map(|s| {
                let excerpts = s
                    .text
                    .is_empty()
                    .then(|| Excerpts::open(s, opts.excerpts_from))
                    .flatten();
                let held = match excerpts {
                    Some(x) => Held::Read(x),
                    None => Held::Whole(whole(s)),
                };
                (f.file_index, held)
            });
        }
        let mut excerpt = None;
        if let Some((i, held)) = current.as_mut()
            && let Held::Read(x) = held
        {
            // The lines of every place the finding labels.
            let starts =
                || std::iter::once(f.span.start).chain(f.related.iter().map(|r| r.span.start));
            let lo = starts().min().unwrap_or(f.span.start);
            let hi = starts().max().unwrap_or(f.span.start);
            match x.excerpt(lo, hi) {
                Some(e) => excerpt = Some(e),
                // Not to be read in excerpts (bytes not UTF-8 on the way, a line too long):
                // whole from here.
                None => {
                    if let Some(s) = r.files.get(*i) {
                        *held = Held::Whole(whole(s));
                    }
                }
            }
        }
        let source = match (&excerpt, &current) {
            (Some(e), _) => Some(Text::Excerpt(e)),
            (None, Some((_, Held::Whole(s)))) => Some(Text::File(s)),
            _ => None,
        };
        w.write_all(render_with(r, &f, source, style).as_bytes())?;
        w.write_all(b"\n")?;
    }
    let mut out = String::new();
    if opts.statistics {
        out.push_str(&statistics(r));
    }
    if show_skipped {
        for s in r.skipped {
            let at = match s.line {
                Some(line) => format!("{}:{line}", s.file),
                None => s.file.clone(),
            };
            let kind = s
                .kind
                .as_deref()
                .map(|k| format!(" ({k})"))
                .unwrap_or_default();
            out.push_str(&format!("skipped {at}{kind}: {}\n", s.reason));
        }
        if !r.skipped.is_empty() {
            out.push('\n');
        }
    }
    if !quiet {
        out.push_str(&summary_line(r));
        if let Some(t) = elapsed {
            out.push_str(&format!(" · {t:.2} s"));
        }
        out.push('\n');
    }
    w.write_all(out.as_bytes())?;
    w.flush()
}
