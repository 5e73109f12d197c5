//! What each command does; main.rs only maps the result to an exit code.

use crate::baseline::{self, Baseline};
use crate::cli::{CheckArgs, Cli, Command, FailOn, Format};
use crate::discover::{discover, exclude_set};
use crate::engine::{self, Settings};
use crate::finding::Severity;
use crate::model::Model;
use crate::report::{self, Report, human};
use crate::rule::{Rule, builtin_rules};
use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Exit codes of spec/cli.md.
pub const CLEAN: u8 = 0;
pub const FINDINGS: u8 = 1;
pub const FAILURE: u8 = 2;

fn fail(msg: impl std::fmt::Display) -> u8 {
    eprintln!("error: {msg}");
    FAILURE
}

fn load() -> Result<(Model, Vec<Rule>), String> {
    let model = Model::builtin()?;
    let rules = builtin_rules().map_err(|e| e.to_string())?;
    Ok((model, rules))
}

fn emit(text: &str, output: Option<&str>) -> Result<(), String> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("cannot write {path}: {e}")),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (onus ... | head) is not an error of ours.
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            Ok(())
        }
    }
}

pub fn run(cli: Cli) -> u8 {
    let (model, rules) = match load() {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let printed = match cli.command {
        Command::Check(args) => return check(*args, &model, &rules),
        Command::Rules { format } => crate::docs::rules(&rules, format),
        Command::Explain { rule, format } => match rules.iter().find(|r| r.id == rule) {
            Some(r) => crate::docs::explain(r, &model, format),
            None => {
                return fail(format!(
                    "no rule `{rule}`; `onus rules` lists them{}",
                    suggest(&rule, rules.iter().map(|r| r.id.as_str()))
                ));
            }
        },
        Command::Responsibilities { format } => {
            crate::docs::responsibilities(&model, &rules, format)
        }
    };
    match emit(&printed, None) {
        Ok(()) => CLEAN,
        Err(e) => fail(e),
    }
}

fn suggest<'a>(wrong: &str, known: impl Iterator<Item = &'a str>) -> String {
    let best = known
        .filter(|k| k.contains(wrong) || wrong.contains(*k) || common_prefix(k, wrong) >= 5)
        .collect::<Vec<_>>();
    if best.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", best.join(", "))
    }
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// Does `sel` (a rule id, a responsibility id, or a section like `3.1.4`) name this rule?
fn selects(sel: &str, rule: &Rule) -> bool {
    let section = rule.responsibility.split('/').next().unwrap_or("");
    sel == rule.id
        || sel == rule.responsibility
        || sel == section
        || section.starts_with(&format!("{sel}."))
}

/// The rules this run evaluates: `--select` replaces the default set, `--ignore` removes.
pub fn choose<'r>(
    rules: &'r [Rule],
    select: &[String],
    ignore: &[String],
) -> Result<Vec<&'r Rule>, String> {
    for s in select.iter().chain(ignore) {
        if !rules.iter().any(|r| selects(s, r)) {
            return Err(format!(
                "`{s}` names no rule, responsibility or section{}",
                suggest(s, rules.iter().map(|r| r.id.as_str()))
            ));
        }
    }
    Ok(rules
        .iter()
        .filter(|r| {
            if select.is_empty() {
                r.enabled
            } else {
                select.iter().any(|s| selects(s, r))
            }
        })
        .filter(|r| !ignore.iter().any(|s| selects(s, r)))
        .collect())
}

fn threshold(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    }
}

/// `--format`/`--output` pairs, in order: a format without an output (or with `-`) goes to
/// standard output; no format means `human`.
fn pairs(args: &CheckArgs) -> Result<Vec<(Format, Option<String>)>, String> {
    if args.output.len() > args.format.len().max(1) {
        return Err("each --output needs its own --format before it".into());
    }
    let formats = if args.format.is_empty() {
        vec![Format::Human]
    } else {
        args.format.clone()
    };
    Ok(formats
        .into_iter()
        .enumerate()
        .map(|(i, f)| (f, args.output.get(i).filter(|o| o.as_str() != "-").cloned()))
        .collect())
}

fn check(args: CheckArgs, model: &Model, rules: &[Rule]) -> u8 {
    let started = Instant::now();
    let outputs = match pairs(&args) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let chosen = match choose(rules, &args.select, &args.ignore) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let exclude = match exclude_set(&args.exclude) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.jobs {
        if n == 0 {
            return fail("--jobs must be at least 1");
        }
        pool = pool.num_threads(n);
    }
    let pool = match pool.build() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    // A rule that panics becomes a finding; the default hook would also print to stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let settings = Settings {
        default_namespace: args.default_namespace.clone(),
        known_rules: rules.iter().map(|r| r.id.clone()).collect(),
    };
    let (outcome, discovery_failures) = pool.install(|| {
        let found = discover(&args.paths, &exclude, args.stdin_filename.as_deref());
        let mut outcome = engine::run(&found.inputs, &chosen, &settings);
        // Files left unread while walking (Helm templates, FIFOs) are listed with the
        // skipped documents, never silently dropped.
        outcome.skipped.extend(found.skipped);
        outcome.skipped.sort();
        outcome.summary.skipped_documents = outcome.skipped.len();
        (outcome, found.failures)
    });
    let _ = std::panic::take_hook();

    let mut outcome = outcome;
    if let Some(path) = &args.baseline {
        let baseline = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the baseline {path}: {e}"))
            .and_then(|text| Baseline::parse(path, &text));
        match baseline {
            Ok(b) => {
                let gone = b.apply(&mut outcome.findings);
                if gone > 0 && !args.quiet {
                    eprintln!(
                        "note: {gone} finding{} recorded in {path} no longer occur{}; \
                         --write-baseline {path} drops {}",
                        if gone == 1 { "" } else { "s" },
                        if gone == 1 { "s" } else { "" },
                        if gone == 1 { "it" } else { "them" },
                    );
                }
            }
            Err(e) => return fail(e),
        }
    }
    if let Some(path) = &args.write_baseline {
        if let Err(e) = emit(&baseline::write(&outcome.findings), Some(path)) {
            return fail(e);
        }
        // What was just recorded is set aside, as the next run with --baseline would.
        if let Ok(b) = Baseline::parse(path, &baseline::write(&outcome.findings)) {
            b.apply(&mut outcome.findings);
        }
    }
    outcome.summary.count(&outcome.findings);
    let errors: Vec<String> = discovery_failures
        .iter()
        .chain(&outcome.failures)
        .cloned()
        .collect();
    let mut run_rules = chosen.clone();
    run_rules.sort_by(|a, b| a.id.cmp(&b.id));
    let report = Report {
        findings: &outcome.findings,
        files: &outcome.files,
        summary: outcome.summary,
        model,
        skipped: &outcome.skipped,
        errors: &errors,
        rules: &run_rules,
    };
    let mut written = Vec::new();
    for (format, output) in &outputs {
        let to_terminal = output.is_none() && std::io::stdout().is_terminal();
        let text = match format {
            Format::Json => report::json::render(&report),
            Format::Sarif => report::sarif::render(&report),
            Format::Junit => report::junit::render(&report),
            Format::Github => report::github::render(&report),
            Format::Concise => report::concise::render(&report),
            Format::Human => {
                let color = !args.no_color && std::env::var_os("NO_COLOR").is_none() && to_terminal;
                let style = human::Style { color, width: 100 };
                let opts = human::Options {
                    quiet: args.quiet,
                    show_skipped: args.show_skipped,
                    show_suppressed: args.show_suppressed,
                };
                let mut t = human::render(&report, &style, opts);
                if to_terminal && !args.quiet {
                    // Timing only on a terminal: piped output stays byte-identical across runs.
                    t.pop();
                    t.push_str(&format!(" · {:.2} s\n", started.elapsed().as_secs_f64()));
                }
                t
            }
        };
        written.push((text, output.clone()));
    }
    let mut failed = false;
    for f in &errors {
        eprintln!("error: {f}");
        failed = true;
    }
    for (text, output) in &written {
        if let Err(e) = emit(text, output.as_deref()) {
            return fail(e);
        }
    }
    if failed {
        return FAILURE;
    }
    // Suppressed findings never count.
    let hit = threshold(args.fail_on).is_some_and(|t| {
        outcome
            .findings
            .iter()
            .any(|f| f.suppressed.is_none() && f.severity >= t)
    });
    if hit { FINDINGS } else { CLEAN }
}
