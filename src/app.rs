//! What each command does; main.rs only maps the result to an exit code.

use crate::baseline::{self, Baseline};
use crate::cli::{CheckArgs, Cli, ColorChoice, Command, FailOn, Format};
use crate::config::{self, Config};
use crate::discover::{discover, exclude_set};
use crate::engine::{self, Input, Settings};
use crate::finding::Severity;
use crate::model::Model;
use crate::registry::builtin_rules;
use crate::report::{self, Report, human};
use crate::rule::Rule;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Exit codes of spec/cli.md.
pub const CLEAN: u8 = 0;
pub const FINDINGS: u8 = 1;
pub const FAILURE: u8 = 2;

fn fail(msg: impl std::fmt::Display) -> u8 {
    eprintln!("error: {msg}");
    FAILURE
}

/// The model and the rules of this run: the built-in ones, then the team's from `dirs`.
fn load(dirs: &[PathBuf]) -> Result<(Model, Vec<Rule>), String> {
    let mut model = Model::builtin()?;
    let mut rules = builtin_rules().map_err(|e| e.to_string())?;
    crate::registry::load_user(dirs, &mut model, &mut rules).map_err(|e| e.join("\nerror: "))?;
    Ok((model, rules))
}

/// Write a report straight to its output (a file, created with its directory, or stdout).
fn emit_with(
    output: Option<&str>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    match output {
        Some(path) => {
            // `--output reports/onus.sarif` creates `reports/`.
            if let Some(dir) = Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot write {path}: {e}"))?;
            }
            let mut file =
                std::fs::File::create(path).map_err(|e| format!("cannot write {path}: {e}"))?;
            write(&mut file).map_err(|e| format!("cannot write {path}: {e}"))
        }
        None => {
            // A closed pipe (onus ... | head) is not an error of ours.
            let _ = write(&mut std::io::stdout().lock());
            Ok(())
        }
    }
}

fn emit(text: &str, output: Option<&str>) -> Result<(), String> {
    emit_with(output, |w| {
        w.write_all(text.as_bytes())?;
        w.flush()
    })
}

pub fn run(cli: Cli) -> u8 {
    // The configuration may name rule directories: read it first (`check --config`, else
    // the nearest `.onus.yaml`).
    let config_flag = match &cli.command {
        Command::Check(args) => args.config.clone(),
        _ => None,
    };
    let config = match configuration(config_flag.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{e}");
            return FAILURE;
        }
    };
    let mut dirs: Vec<PathBuf> = config.rules.iter().map(PathBuf::from).collect();
    dirs.extend(cli.rules.iter().map(PathBuf::from));
    if let Command::TestRules { dir } = &cli.command {
        dirs.push(PathBuf::from(dir));
    }
    // The same directory named twice (`policies`, `./policies`) is read once.
    let mut seen = std::collections::HashSet::new();
    dirs.retain(|d| seen.insert(std::fs::canonicalize(d).unwrap_or_else(|_| d.clone())));
    let (model, rules) = match load(&dirs) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let printed = match cli.command {
        Command::Check(args) => return check(*args, &model, rules, config),
        Command::TestRules { dir } => return test_rules(Path::new(&dir), &rules),
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
        Command::Init { force } => return init(force),
        Command::Build { dir, origins } => return build(Path::new(&dir), origins),
    };
    match emit(&printed, None) {
        Ok(()) => CLEAN,
        Err(e) => fail(e),
    }
}

/// `onus build DIR`: the rendered set on standard output; what was not rendered and why on
/// standard error; exit 2 when the build fails.
fn build(dir: &Path, origins: bool) -> u8 {
    let set = match crate::render::build(dir) {
        Ok(s) => s,
        // The message names the file, line and column it is about.
        Err(e) => return fail(e.message),
    };
    for u in &set.unsupported {
        eprintln!(
            "onus: {}",
            crate::render::describe(&set, u.origin, &u.reason)
        );
    }
    let text = if origins {
        crate::render::emit_with_origins(&set)
    } else {
        crate::render::emit::emit(&set.objects)
    };
    match emit(&text, None) {
        Ok(()) => CLEAN,
        Err(e) => fail(e),
    }
}

/// `onus test-rules DIR`: each rule of DIR against its fixtures; exit 1 when one fails.
fn test_rules(dir: &Path, rules: &[Rule]) -> u8 {
    let here = std::fs::canonicalize(dir).ok();
    let own: Vec<&Rule> = rules
        .iter()
        .filter(|r| {
            let parent = Path::new(&r.origin).parent();
            parent == Some(dir)
                || (here.is_some() && parent.and_then(|p| std::fs::canonicalize(p).ok()) == here)
        })
        .collect();
    if own.is_empty() {
        return fail(format!(
            "no rule files in {}: a rule file is a `<id>.yaml` like onus's rules/*.yaml",
            dir.display()
        ));
    }
    let results: Vec<crate::testing::RuleResult> = own
        .iter()
        .map(|r| crate::testing::test_rule(dir, Path::new(""), rules, r))
        .collect();
    let mut text = crate::testing::report(dir, &results);
    // Fixtures of no rule (a renamed or misspelt rule): never run, so said.
    let ids: Vec<&str> = own.iter().map(|r| r.id.as_str()).collect();
    let mut orphans: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().join("bad").is_dir() || e.path().join("good").is_dir())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| !ids.contains(&n.as_str()))
                .collect()
        })
        .unwrap_or_default();
    orphans.sort();
    for o in &orphans {
        text.push_str(&format!(
            "FAIL {}/{o}: fixtures of no rule (no rule file has `id: {o}`{})\n",
            dir.display(),
            crate::suppress::nearest(o, &ids)
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default()
        ));
    }
    if let Err(e) = emit(&text, None) {
        return fail(e);
    }
    if orphans.is_empty() && results.iter().all(|r| r.passed()) {
        CLEAN
    } else {
        FINDINGS
    }
}

/// `onus init`: write the commented starter `.onus.yaml` here.
fn init(force: bool) -> u8 {
    let path = Path::new(config::FILE_NAME);
    if path.exists() && !force {
        return fail(format!("{} exists; --force replaces it", config::FILE_NAME));
    }
    match std::fs::write(path, config::STARTER) {
        Ok(()) => {
            println!("wrote {}: every key is explained in it", config::FILE_NAME);
            CLEAN
        }
        Err(e) => fail(format!("cannot write {}: {e}", config::FILE_NAME)),
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

/// The rules this run evaluates: the most specific of `select` and `ignore` decides for each
/// (see `config::enabled`); every entry must name a rule, a responsibility or a section.
pub fn choose<'r>(
    rules: &'r [Rule],
    select: &[String],
    ignore: &[String],
) -> Result<Vec<&'r Rule>, String> {
    for s in select.iter().chain(ignore) {
        if s != "all" && !rules.iter().any(|r| config::specificity(s, r).is_some()) {
            return Err(format!(
                "`{s}` names no rule, responsibility or section{}",
                suggest(s, rules.iter().map(|r| r.id.as_str()))
            ));
        }
    }
    Ok(rules
        .iter()
        .filter(|r| config::enabled(r, select, ignore))
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

/// Colour for a report going to a terminal or not: `--color`/`--no-color` decide; in auto,
/// a non-empty NO_COLOR turns it off, CLICOLOR_FORCE or FORCE_COLOR (not `0`) on.
fn use_color(args: &CheckArgs, terminal: bool) -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0");
    if args.no_color {
        return false;
    }
    match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else {
                set("CLICOLOR_FORCE") || set("FORCE_COLOR") || terminal
            }
        }
    }
}

/// The width to wrap to: the terminal's (COLUMNS first), else 100.
fn width(terminal: bool) -> usize {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok());
    let detected = terminal
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(w, _)| usize::from(w.0));
    columns.or(detected).unwrap_or(100).clamp(60, 200)
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

/// The configuration: `--config FILE`, else the nearest `.onus.yaml` upwards, else none.
fn configuration(flag: Option<&str>) -> Result<Config, String> {
    let path = match flag {
        Some(p) => Some(PathBuf::from(p)),
        None => std::env::current_dir()
            .ok()
            .and_then(|d| config::discover(&d))
            .map(|p| {
                // Shown relative to the current directory when below it.
                std::env::current_dir()
                    .ok()
                    .and_then(|d| p.strip_prefix(&d).ok().map(Path::to_path_buf))
                    .unwrap_or(p)
            }),
    };
    match path {
        Some(p) => Config::load(&p),
        None => Ok(Config::default()),
    }
}

/// Two sizes from an environment variable, `a,b` (tests and benchmarks set them).
fn env_pair(name: &str) -> Option<(usize, usize)> {
    let v = std::env::var(name).ok()?;
    let (a, b) = v.split_once(',')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn check(args: CheckArgs, model: &Model, mut rules: Vec<Rule>, config: Config) -> u8 {
    let started = Instant::now();
    let outputs = match pairs(&args) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let color = use_color(&args, std::io::stderr().is_terminal());
    // Severities and params from the configuration apply to the rules of this run.
    let off = match config.apply(&mut rules) {
        Ok(off) => off,
        Err(e) => {
            eprint!("{}", e.render(color));
            return FAILURE;
        }
    };
    let rules = rules;
    // Flags override the file.
    let listed = |flag: &[String], file: &[config::Entry]| -> Vec<String> {
        if flag.is_empty() {
            file.iter().map(|e| e.text.clone()).collect()
        } else {
            flag.iter().flat_map(|s| config::split_list(s)).collect()
        }
    };
    let select = listed(&args.select, &config.select);
    let ignore = listed(&args.ignore, &config.ignore);
    let chosen: Vec<&Rule> = match choose(&rules, &select, &ignore) {
        Ok(c) => c.into_iter().filter(|r| !off.contains(&r.id)).collect(),
        Err(e) => return fail(e),
    };
    let excludes: Vec<String> = config
        .exclude
        .iter()
        .chain(&args.exclude)
        .cloned()
        .collect();
    let kube_version = match &args.kube_version {
        Some(v) => match crate::version::parse_version(v) {
            Some(v) => Some(v),
            None => return fail(format!("--kube-version {v}: a Kubernetes release is `X.Y`")),
        },
        None => config.kube_version,
    };
    let exclude = match exclude_set(&excludes) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    if args.jobs == Some(0) {
        return fail("--jobs must be at least 1");
    }
    let builder = || {
        let pool = rayon::ThreadPoolBuilder::new();
        match args.jobs {
            Some(n) => pool.num_threads(n),
            None => pool,
        }
    };
    // One thread: this one, with no hand-off to a worker (and where the system's allocator
    // is used, glibc's main heap grows in large steps where a worker's grows a page at a
    // time: 3,700 mprotect calls a run on the real corpus). With more, this thread walks
    // while the pool reads (making it a worker and walking beside it measured slower). A
    // thread already in a pool (a caller's) gets a pool of its own threads.
    let one = args.jobs == Some(1)
        || (args.jobs.is_none()
            && std::env::var_os("RAYON_NUM_THREADS").is_none()
            && std::thread::available_parallelism().is_ok_and(|n| n.get() == 1));
    let built = if one {
        builder()
            .use_current_thread()
            .build()
            .or_else(|_| builder().build())
    } else {
        builder().build()
    };
    let pool = match built {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    // A rule that panics becomes a finding; the default hook would also print to stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let settings = Settings {
        default_namespace: args
            .default_namespace
            .clone()
            .or_else(|| config.default_namespace.clone())
            .unwrap_or_else(|| "default".into()),
        known_rules: rules.iter().map(|r| r.id.clone()).collect(),
        kube_version,
        // How much the first pass keeps (tests and benchmarks set it; see engine::run).
        keep_bytes: std::env::var("ONUS_KEEP_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(engine::KEEP_BYTES),
        // The human report reads the texts of files with findings again, one at a time.
        snippets: false,
        large_set: Some(crate::memory::no_huge_pages),
        second_pass: Some(crate::memory::no_huge_pages),
        // Which files are read a window of documents at a time (tests set `from,bytes`).
        windows: env_pair("ONUS_WINDOWS").unwrap_or(Settings::default().windows),
        // Objects linted at a time in a file of many, and bytes of their findings held (tests
        // set `objects,bytes`).
        parts: env_pair("ONUS_PARTS").unwrap_or(Settings::default().parts),
    };
    let context: Vec<String> = config
        .context
        .iter()
        .chain(&args.context)
        .cloned()
        .collect();
    let stdin = crate::discover::Stdin {
        name: args.stdin_filename.as_deref(),
        spool_from: settings.windows.0,
    };
    let mut phases = crate::phases::Phases::start();
    // With more than one thread, files are read as the walk finds them: the walk (system
    // calls, mostly) overlaps the parsing.
    let (mut found, preloaded) = if pool.current_num_threads() > 1 {
        // Unbounded: the walk runs ahead of the readers, and the sooner the set's size is
        // known, the fewer trees are kept only to be dropped.
        let (tx, rx) = std::sync::mpsc::channel::<std::path::PathBuf>();
        let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        std::thread::scope(|scope| {
            let reads = engine::reads_of(&chosen);
            let counted = count.clone();
            let reader = scope
                .spawn(|| pool.install(|| engine::Preloaded::read(rx, &settings, reads, counted)));
            let found = crate::discover::discover_with(&args.paths, &exclude, stdin, &mut |p| {
                count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let _ = tx.send(p.to_path_buf());
            });
            drop(tx);
            let mut preloaded = reader.join().unwrap_or_default();
            drop(preloaded.take_paths());
            (found, preloaded)
        })
    } else {
        let found = pool.install(|| discover(&args.paths, &exclude, stdin));
        (found, engine::Preloaded::default())
    };
    phases.mark("discovery (and reading what it found)");
    // The baseline is read first: findings are marked as they come, in report order.
    let mut baseline = match &args.baseline {
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the baseline {path}: {e}"))
            .and_then(|text| Baseline::parse(path, &text))
        {
            Ok(b) => Some(b),
            Err(e) => return fail(e),
        },
        None => None,
    };
    // Past this many bytes, findings wait on disk for the report (tests set it to 0).
    let budget = std::env::var("ONUS_FINDINGS_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(crate::store::MEMORY_BYTES);
    let mut store = crate::store::Store::new(budget);
    let (outcome, discovery_failures) = pool.install(|| {
        for note in &found.notes {
            eprintln!("note: {note}");
        }
        if !context.is_empty() {
            // Context files join the set unreported; a file also linted stays linted.
            // A context `-` is dropped below: held, not spooled.
            let more = discover(
                &context,
                &exclude,
                crate::discover::Stdin {
                    spool_from: usize::MAX,
                    ..stdin
                },
            );
            found.failures.extend(more.failures);
            found
                .inputs
                .extend(more.inputs.into_iter().filter_map(|i| match i {
                    Input::Path { name, path, .. } => Some(Input::Path {
                        name,
                        path,
                        context: true,
                    }),
                    Input::Text { .. } | Input::Spooled { .. } => None,
                }));
            engine::dedup_inputs(&mut found.inputs);
        }
        // Counted as they come: the store is not read again for the summary.
        let mut counted = engine::Summary::default();
        let mut sink = |mut f: crate::finding::Finding| {
            config.mark(&rules, &mut f);
            if let Some(b) = &mut baseline {
                b.mark(&mut f);
            }
            counted.count_one(&f);
            store.push(f);
        };
        let mut outcome = engine::run_with(&found.inputs, preloaded, &chosen, &settings, &mut sink);
        if outputs.iter().any(|(f, _)| *f == Format::Human) {
            // A spooled input's descriptor is its text's only name: `found.inputs` lives until
            // the reports are written (the end of this function).
            engine::texts_of_stdin(&found.inputs, &mut outcome.files);
        }
        (
            outcome.summary.errors,
            outcome.summary.warnings,
            outcome.summary.infos,
            outcome.summary.suppressed,
        ) = (
            counted.errors,
            counted.warnings,
            counted.infos,
            counted.suppressed,
        );
        // Files left unread while walking (Helm templates, FIFOs) are listed with the
        // skipped documents, never silently dropped.
        outcome.skipped.extend(found.skipped);
        outcome.skipped.sort();
        outcome.summary.skipped_documents = outcome.skipped.len();
        (outcome, found.failures)
    });
    let _ = std::panic::take_hook();

    // Never dropped: the process ends soon after, and freeing a large set costs time.
    let outcome = &mut *Box::leak(Box::new(outcome));
    if let (Some(path), Some(b)) = (&args.baseline, &baseline) {
        let gone = b.left();
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
    if let Some(path) = &args.write_baseline {
        let text = baseline::write(store.iter());
        if let Err(e) = emit(&text, Some(path)) {
            return fail(e);
        }
        // What was just recorded is set aside, as the next run with --baseline would.
        if let Ok(mut b) = Baseline::parse(path, &text) {
            store = store.map(|f| b.mark(f));
            outcome.summary.count(store.iter());
        }
    }
    let store = &*Box::leak(Box::new(store));
    let errors: Vec<String> = discovery_failures
        .iter()
        .chain(&outcome.failures)
        .cloned()
        .collect();
    let mut run_rules = chosen.clone();
    run_rules.sort_by(|a, b| a.id.cmp(&b.id));
    let report = Report {
        findings: store.into(),
        files: &outcome.files,
        summary: outcome.summary,
        model,
        skipped: &outcome.skipped,
        errors: &errors,
        rules: &run_rules,
    };
    let mut failed = false;
    for f in &errors {
        eprintln!("error: {f}");
        failed = true;
    }
    let mut phases = crate::phases::Phases::start();
    // Every report is written as it is serialised: never held whole in memory.
    for (format, output) in &outputs {
        let to_terminal = output.is_none() && std::io::stdout().is_terminal();
        let out = output.as_deref();
        let res = match format {
            // Serialised on the run's threads (and only as many as asked for).
            Format::Json => pool.install(|| emit_with(out, |w| report::json::write(&report, w))),
            Format::Sarif => emit_with(out, |w| report::sarif::write(&report, w)),
            Format::Github => emit_with(out, |w| report::github::write(&report, w)),
            Format::Concise => emit_with(out, |w| report::concise::write(&report, w)),
            Format::Junit => emit_with(out, |w| report::junit::write(&report, w)),
            Format::Markdown => emit(&report::markdown::render(&report), out),
            Format::Human => {
                let style = human::Style {
                    color: use_color(&args, to_terminal),
                    width: width(to_terminal),
                };
                let opts = human::Options {
                    quiet: args.quiet,
                    show_skipped: args.show_skipped,
                    show_suppressed: args.show_suppressed,
                    statistics: args.statistics,
                    // The files the engine reads a window at a time.
                    excerpts_from: settings.windows.0,
                };
                // Timing only on a terminal: piped output stays byte-identical across runs.
                let elapsed = to_terminal.then(|| started.elapsed().as_secs_f64());
                emit_with(out, |w| human::write(&report, &style, opts, elapsed, w))
            }
        };
        if let Err(e) = res {
            return fail(e);
        }
    }
    phases.mark("report written");
    if let Some(e) = store.failure() {
        eprintln!("error: {e}");
        failed = true;
    }
    if failed {
        return FAILURE;
    }
    // Suppressed findings never count.
    let s = &outcome.summary;
    let hit = threshold(args.fail_on).is_some_and(|t| {
        (s.errors > 0 && Severity::Error >= t)
            || (s.warnings > 0 && Severity::Warning >= t)
            || (s.infos > 0 && Severity::Info >= t)
    });
    if hit { FINDINGS } else { CLEAN }
}
