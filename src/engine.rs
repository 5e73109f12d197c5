//! Read and parse files in parallel, build the index of the set, run every rule on
//! every object in parallel, and sort: the output is the same whatever the thread count.

use crate::finding::{Finding, Related, Severity};
use crate::index::{Gathered, Index};
use crate::kustomize;
use crate::object::{Resource, is_config_file, is_list};
use crate::rule::{Cx, FileFacts, Hit, Rule};
use crate::source::SourceFile;
use crate::suppress::{self, Suppression, SuppressionKind};
use crate::yaml::{self, NodeRef, Span, SyntaxError};
use rayon::prelude::*;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;

mod sets;
mod window;

/// Files larger than this are reported, not parsed: memory stays bounded.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Something to lint.
pub enum Input {
    /// A file, with the name the report uses for it. A context file is read into the
    /// linted set (cross-object rules see it) but its own findings are not reported.
    Path {
        name: Arc<str>,
        path: PathBuf,
        context: bool,
    },
    /// Text already in memory (standard input).
    Text { name: String, bytes: Vec<u8> },
    /// Standard input past the windowing size, written to a temporary file: read like a
    /// file (in windows, and again), but never a kustomization's directory or a context.
    Spooled {
        name: String,
        spool: crate::spool::Spool,
    },
}

/// Drop inputs named twice (`examples` and `./examples/` both given), keeping the first,
/// and a context file when the same file is also linted.
pub fn dedup_inputs(inputs: &mut Vec<Input>) {
    // Names borrowed, not copied: a large set has tens of thousands.
    let keep: Vec<bool> = {
        let linted: std::collections::HashSet<&str> = inputs
            .iter()
            .filter(|i| !i.is_context())
            .map(Input::name)
            .collect();
        let mut seen = std::collections::HashSet::with_capacity(inputs.len());
        inputs
            .iter()
            .map(|i| !(i.is_context() && linted.contains(i.name())) && seen.insert(i.name()))
            .collect()
    };
    let mut keep = keep.into_iter();
    inputs.retain(|_| keep.next().unwrap_or(true));
}

impl Input {
    fn is_context(&self) -> bool {
        matches!(self, Input::Path { context: true, .. })
    }

    /// The name, shared (a set has many files: one copy of each name).
    pub fn shared_name(&self) -> Arc<str> {
        match self {
            Input::Path { name, .. } => name.clone(),
            Input::Text { name, .. } | Input::Spooled { name, .. } => Arc::from(name.as_str()),
        }
    }

    fn name(&self) -> &str {
        match self {
            Input::Path { name, .. } => name,
            Input::Text { name, .. } | Input::Spooled { name, .. } => name,
        }
    }

    /// Where the input is read from.
    fn bytes(&self) -> Bytes<'_> {
        match self {
            Input::Path { path, .. } => Bytes::File(path),
            Input::Spooled { spool, .. } => Bytes::File(spool.path()),
            Input::Text { bytes, .. } => Bytes::Memory(bytes),
        }
    }
}

/// Where an input's bytes are.
enum Bytes<'a> {
    File(&'a std::path::Path),
    Memory(&'a [u8]),
}

struct Loaded {
    source: Arc<SourceFile>,
    stream: yaml::Stream,
    load_errors: Vec<SyntaxError>,
    /// `# onus: ignore` comments of the file.
    suppressions: Vec<Suppression>,
    /// A large file read from its input a window of documents at a time (`each_window`):
    /// its text, stream and comments left empty. None for a file parsed whole.
    windowed: Option<Windowed>,
}

/// How a windowed file is read.
#[derive(Clone, Copy, Debug)]
struct Windowed {
    /// Its size when it was opened (its merge budget is that of the whole).
    len: usize,
    /// About how many bytes a window holds.
    window: usize,
}

/// Files from this size on are read a window of documents at a time, each window's text
/// and tree dropped before the next is read: a file's tree takes about three times its
/// text, and one large stream (a cluster's dump) would otherwise hold all of it at once.
const WINDOWED_FROM: usize = 4 << 20;

/// Objects of a file linted at a time, past which its findings are set down part by part
/// (about 10 findings an object, a few hundred bytes each).
const PART_OBJECTS: usize = 1024;

/// The findings of a file linted in parts kept in memory before the rest goes to disk.
const PART_BYTES: usize = 1 << 20;

/// About how many bytes of a windowed file are parsed (in parallel pieces) and linted at a
/// time.
const WINDOW_BYTES: usize = 1 << 20;

impl Loaded {
    /// Call `f` with each window of a windowed file, in order, as a file of its own: the
    /// window's text (its offsets and lines counted from its start, which `f` is told),
    /// documents and comments. The next window is read and parsed while `f` reads one (two
    /// windows at most). False, once `f` has seen some windows perhaps, when a window
    /// cannot be read alone (an error, a merge bomb, bytes that are not UTF-8): the caller
    /// reads `whole()`.
    fn each_window(
        &self,
        input: &Input,
        f: &mut (dyn FnMut(&Loaded, window::Base) + Send),
    ) -> bool {
        self.each_window_then(input, f, &mut || {})
    }

    /// `each_window`, calling `then` on this thread once `f` is done with each window.
    fn each_window_then(
        &self,
        input: &Input,
        f: &mut (dyn FnMut(&Loaded, window::Base) + Send),
        then: &mut dyn FnMut(),
    ) -> bool {
        let Some(w) = self.windowed else {
            return false;
        };
        let read: Box<dyn Read + Send + '_> = match input.bytes() {
            Bytes::File(path) => match open_nonblocking(path) {
                Ok(file) if file.metadata().is_ok_and(|m| m.is_file()) => Box::new(file),
                _ => return false,
            },
            Bytes::Memory(bytes) => Box::new(bytes),
        };
        let mut cutter = window::Cutter::new(read, w.window, MAX_FILE_BYTES);
        // Documents the windows have given: past `MAX_DOCUMENTS` in all, the whole says so.
        let mut given = 0;
        let name = self.source.name.clone();
        let mut next = read_window(&mut cutter, &name, yaml::window_budget(w.len), &mut given);
        loop {
            let (window, base, left) = match next {
                Some(Some(w)) => w,
                Some(None) => return true,
                None => return false,
            };
            let (parsed, ()) = rayon::join(
                || read_window(&mut cutter, &name, left, &mut given),
                || f(&window, base),
            );
            then();
            next = parsed;
        }
    }

    /// A windowed file, as `load` gives it: its name, no text, no tree.
    fn handle(name: Arc<str>, windowed: Windowed) -> Loaded {
        Loaded {
            source: Arc::new(SourceFile::new(name, empty_text())),
            stream: yaml::Stream::default(),
            load_errors: Vec::new(),
            suppressions: Vec::new(),
            windowed: Some(windowed),
        }
    }

    /// A windowed file read again whole, as `load` reads any other (what cannot be read
    /// becomes the file's error).
    fn whole(&self, input: &Input) -> Loaded {
        match load(input, None) {
            Ok(l) => l,
            Err(e) => unreadable(self.source.name.clone(), e),
        }
    }
}

/// The next window, parsed, with what it left of the merge budget; `Some(None)` at the
/// end, None when it cannot be read alone.
#[allow(clippy::option_option)]
fn read_window(
    cutter: &mut window::Cutter<impl Read>,
    name: &Arc<str>,
    budget: usize,
    given: &mut usize,
) -> Option<Option<(Loaded, window::Base, usize)>> {
    let (text, base) = match cutter.next() {
        window::Next::Window(text, base) => (text, base),
        window::Next::End => return Some(None),
        window::Next::Fail => return None,
    };
    let source = Arc::new(SourceFile::new(name.clone(), text));
    // Its own documents, the line after them in view.
    let (stream, left) = catch_unwind(AssertUnwindSafe(|| {
        yaml::parse_window(&source.text, 0, base.len, budget)
    }))
    .ok()
    .flatten()?;
    *given += stream.documents.len();
    if *given > yaml::MAX_DOCUMENTS {
        return None;
    }
    let mut suppressions = suppress::comments(&source);
    suppressions.retain(|c| c.span.start < base.len);
    suppress::attach_regions(&mut suppressions, &source, &stream.documents);
    Some(Some((
        Loaded {
            source,
            stream,
            load_errors: Vec::new(),
            suppressions,
            windowed: None,
        },
        base,
        left,
    )))
}

/// Whether a file of this name and size is read a window at a time: a large YAML file. Not
/// a JSON file (its grammar is checked on the whole) nor a kustomization (the renderer
/// reads its tree).
fn windowed(name: &str, len: u64, windows: Option<(usize, usize)>) -> Option<Windowed> {
    let (from, window) = windows?;
    let len = usize::try_from(len).ok()?;
    (len >= from
        && len > 0
        && !name.to_ascii_lowercase().ends_with(".json")
        && !kustomize::has_kustomization_name(name))
    .then_some(Windowed { len, window })
}

/// A file's stream; a panic of the parser becomes the file's one error.
fn parse_caught(source: &Arc<SourceFile>) -> yaml::Stream {
    match catch_unwind(AssertUnwindSafe(|| parse(source))) {
        Ok(s) => s,
        Err(p) => yaml::Stream {
            documents: Vec::new(),
            errors: vec![SyntaxError::new(
                0,
                format!("internal error while parsing: {}", panic_message(&*p)),
            )],
        },
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub resources: usize,
    pub skipped_documents: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings a comment, annotation, configuration or baseline set aside.
    pub suppressed: usize,
}

impl Summary {
    /// Count findings by severity, the suppressed apart (they never count toward the exit code).
    pub fn count<F: std::ops::Deref<Target = Finding>>(
        &mut self,
        findings: impl IntoIterator<Item = F>,
    ) {
        (self.errors, self.warnings, self.infos, self.suppressed) = (0, 0, 0, 0);
        for f in findings {
            self.count_one(&f);
        }
    }

    /// Count one more finding.
    pub fn count_one(&mut self, f: &Finding) {
        if f.suppressed.is_some() {
            self.suppressed += 1;
            return;
        }
        match f.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
}

/// A file or document left unlinted, and why (`--show-skipped`, JSON `skipped`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub file: String,
    /// Where the document starts; None for a whole file.
    pub line: Option<usize>,
    /// The document's `kind`, when it names one.
    pub kind: Option<String>,
    pub reason: String,
}

impl Skipped {
    pub fn file(file: String, reason: String) -> Self {
        Skipped {
            file,
            line: None,
            kind: None,
            reason,
        }
    }
}

pub struct Outcome {
    pub files: Vec<Arc<SourceFile>>,
    pub findings: Vec<Finding>,
    /// Documents not linted, with the reason, in file and line order.
    pub skipped: Vec<Skipped>,
    pub summary: Summary,
    /// Failures of the run itself (unreadable paths): exit code 2.
    pub failures: Vec<String>,
}

pub struct Settings {
    pub default_namespace: String,
    /// Every rule id that exists (run or not), to tell a suppression naming a rule this run
    /// does not evaluate from one naming no rule at all. Empty: the rules given to `run`.
    pub known_rules: Vec<String>,
    /// The Kubernetes release the manifests target (None: each rule's default).
    pub kube_version: Option<(u32, u32)>,
    /// The text (and trees) kept between the two passes; beyond it files are read again.
    pub keep_bytes: usize,
    /// Keep the text of the files with findings that were read again, for snippets (the
    /// human report); other reports need only the findings.
    pub snippets: bool,
    /// Called once, from any thread, when the keep budget first refuses or drops a tree: the
    /// set is a large one, whose memory the budget bounds from then on (the binary stops
    /// huge pages there).
    pub large_set: Option<fn()>,
    /// Called once when the second pass begins: from there memory grows by findings made and
    /// freed a chunk at a time, not by trees parsed at once (the binary stops huge pages).
    pub second_pass: Option<fn()>,
    /// Files of at least `.0` bytes are read a window of documents of about `.1` bytes at a
    /// time (`WINDOWED_FROM`, `WINDOW_BYTES`; tests make them small).
    pub windows: (usize, usize),
    /// A file of more than `.0` objects is linted that many at a time, each part's findings
    /// set down (`.1` bytes of them in memory, the rest on disk) before the next
    /// (`PART_OBJECTS`, `PART_BYTES`; tests make them small).
    pub parts: (usize, usize),
}

impl Default for Settings {
    /// The `default` namespace, every rule's own Kubernetes release, the engine's bound.
    fn default() -> Self {
        Settings {
            default_namespace: "default".into(),
            known_rules: Vec::new(),
            kube_version: None,
            keep_bytes: KEEP_BYTES,
            snippets: true,
            large_set: None,
            second_pass: None,
            windows: (WINDOWED_FROM, WINDOW_BYTES),
            parts: (PART_OBJECTS, PART_BYTES),
        }
    }
}

/// A suppression of a file, with which of its rule ids set a finding aside.
type Applied = (usize, Suppression, Vec<bool>);

/// Record that suppression `s` covers `rule`; true when it does.
fn mark_used(s: &Suppression, used: &mut [bool], rule: &str) -> bool {
    let mut hit = false;
    for (id, u) in s.rules.iter().zip(used.iter_mut()) {
        if id == rule || (id == "all" && s.covers(rule)) {
            *u = true;
            hit = true;
        }
    }
    hit
}

/// Mark one file's findings (sorted by span start) with the comments that cover them, and
/// add the comments, with the ids that marked something, to `out`.
fn mark_comments(
    comments: &[Suppression],
    group: &mut [Finding],
    out: &mut Vec<(usize, Suppression, Vec<bool>, SuppressionKind)>,
    file: usize,
) {
    if comments.is_empty() {
        return;
    }
    let mut used = unused_flags(comments);
    mark_by_comments(&suppress::CommentMatcher::new(comments), group, &mut used);
    out.extend(
        comments
            .iter()
            .cloned()
            .zip(used)
            .map(|(c, u)| (file, c, u, SuppressionKind::Comment)),
    );
}

/// For each suppression, which of its ids marked something: none yet.
fn unused_flags(comments: &[Suppression]) -> Vec<Vec<bool>> {
    comments
        .iter()
        .map(|c| vec![false; c.rules.len()])
        .collect()
}

/// `mark_comments`, recording in `used` (one entry per comment) the ids that marked
/// something: a file marked a part at a time adds up what each part used.
fn mark_by_comments(
    matcher: &suppress::CommentMatcher,
    group: &mut [Finding],
    used: &mut [Vec<bool>],
) {
    let comments = matcher.comments();
    let mut marks: Vec<Option<usize>> = vec![None; group.len()];
    let items = group
        .iter()
        .enumerate()
        .map(|(i, f)| (i, f.span, f.line, &*f.rule));
    matcher.run(items, |i, c| {
        if let (Some(comment), Some(u)) = (comments.get(c), used.get_mut(c))
            && let Some(f) = group.get(i)
        {
            mark_used(comment, u, &f.rule);
        }
        if let Some(m) = marks.get_mut(i) {
            m.get_or_insert(c);
        }
    });
    for (f, m) in group.iter_mut().zip(marks) {
        if f.suppressed.is_none()
            && let Some(c) = m.and_then(|c| comments.get(c))
        {
            f.suppressed = Some(c.mark(SuppressionKind::Comment));
        }
    }
}

/// Standard input as an input named `name`, with the same size bound as files: in memory
/// under `spool_from` bytes, from there on spooled to a temporary file where one can be made.
pub fn read_stdin(name: String, spool_from: usize) -> std::io::Result<Input> {
    let taken = crate::spool::read(&mut std::io::stdin().lock(), spool_from, MAX_FILE_BYTES)?;
    Ok(match taken {
        crate::spool::Taken::Held(bytes) => Input::Text { name, bytes },
        crate::spool::Taken::Spooled(spool) => Input::Spooled { name, spool },
    })
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Read and parse one input; a large YAML file (`windowed`, at the sizes `windows` says) is
/// only looked at: `each_window` reads it.
fn load(input: &Input, windows: Option<(usize, usize)>) -> Result<Loaded, String> {
    let name = input.shared_name();
    let bytes = match input.bytes() {
        Bytes::File(path) => {
            // Named on the command line (walking skips them), a Helm template is one finding.
            if matches!(input, Input::Path { .. }) && crate::discover::is_helm_template(path) {
                let mut l = unreadable(
                    name,
                    "this is a Helm chart template (Go template syntax), not a manifest".into(),
                );
                if let Some(e) = l.load_errors.first_mut() {
                    e.help =
                        Some("lint what the chart renders: `helm template <chart> | onus check -`");
                }
                return Ok(l);
            }
            let (file, len) = open_file(path, &name)?;
            if len <= MAX_FILE_BYTES
                && let Some(w) = windowed(&name, len, windows)
            {
                // Read a window at a time, as each pass comes to it.
                return Ok(Loaded::handle(name, w));
            }
            match read_opened(file, len, &name)? {
                Ok(bytes) => bytes,
                Err(len) => return Ok(too_large(name, len)),
            }
        }
        Bytes::Memory(bytes) => {
            if bytes.len() as u64 > MAX_FILE_BYTES {
                return Ok(too_large(name, bytes.len() as u64));
            }
            if let Some(w) = windowed(&name, bytes.len() as u64, windows) {
                // Its windows are read from the bytes in memory, not from a copy.
                return Ok(Loaded::handle(name, w));
            }
            bytes.to_vec()
        }
    };
    // A binary file (NUL bytes, and not UTF-16) is one finding, not a page of YAML errors.
    if utf16_body(&bytes).is_none() && memchr::memchr(0, &bytes).is_some() {
        let mut l = unreadable(
            name,
            "this file is binary (it holds NUL bytes), not a YAML or JSON manifest".into(),
        );
        if let Some(e) = l.load_errors.first_mut() {
            e.help = Some(
                "lint manifests only: rename the file, or leave it out with --exclude or \
                 `exclude:` in .onus.yaml",
            );
        }
        return Ok(l);
    }
    let Decoded {
        text,
        bad,
        file_error,
    } = decode(bytes);
    let source = Arc::new(SourceFile::new(name, text));
    let mut stream = parse_caught(&source);
    let mut load_errors = Vec::new();
    if source.name.to_ascii_lowercase().ends_with(".json")
        && stream.errors.is_empty()
        && let Some(e) = json_error(&source)
    {
        // YAML accepts `{"a": 1,}`; kubectl's JSON decoder does not.
        load_errors.push(e);
    }
    load_errors.extend(file_error);
    if !bad.is_empty() {
        // Each spoiled document is reported once, at its first bad character, and dropped.
        // `bad` and the documents are both in text order: one merge-like walk.
        let mut keep = vec![true; stream.documents.len()];
        let mut reported_before_first = false;
        let mut d = 0;
        for (p, message) in bad {
            while stream
                .documents
                .get(d + 1)
                .is_some_and(|next| next.start <= p)
            {
                d += 1;
            }
            let spoiled = match stream.documents.get(d) {
                Some(doc) if doc.start <= p => keep.get_mut(d),
                _ => None,
            };
            let first = match spoiled {
                Some(k) => std::mem::replace(k, false),
                None => !std::mem::replace(&mut reported_before_first, true),
            };
            if first {
                let mut e = SyntaxError::new(p, message);
                e.help = Some(ENCODING_HELP);
                load_errors.push(e);
            }
        }
        let mut flags = keep.into_iter();
        stream.documents.retain(|_| flags.next().unwrap_or(true));
    }
    let mut suppressions = suppress::comments(&source);
    suppress::attach_regions(&mut suppressions, &source, &stream.documents);
    Ok(Loaded {
        source,
        stream,
        load_errors,
        suppressions,
        windowed: None,
    })
}

/// A regular file's bytes, opened without blocking; `Ok(Err(len))` when it is larger than
/// `MAX_FILE_BYTES` (not read past it); `Err` when it cannot be read or is not a file.
fn read_bounded(path: &std::path::Path, name: &str) -> Result<Result<Vec<u8>, u64>, String> {
    let (file, len) = open_file(path, name)?;
    read_opened(file, len, name)
}

/// A regular file opened without blocking, with its size; `Err` when it cannot be opened
/// or is not a file.
fn open_file(path: &std::path::Path, name: &str) -> Result<(std::fs::File, u64), String> {
    let file = open_nonblocking(path).map_err(|e| format!("{name}: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("{name}: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "{name}: {}, not a regular file",
            crate::discover::describe_special(meta.file_type())
        ));
    }
    Ok((file, meta.len()))
}

/// `read_bounded` of a file `open_file` opened (`len` its size then).
fn read_opened(
    mut file: std::fs::File,
    len: u64,
    name: &str,
) -> Result<Result<Vec<u8>, u64>, String> {
    if len > MAX_FILE_BYTES {
        return Ok(Err(len));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    // The size it had when opened: no read past it only to meet the end (a system call per
    // file). A file that says it is empty (some virtual files do) is read to its end.
    let limit = if len > 0 { len } else { MAX_FILE_BYTES + 1 };
    file.by_ref()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name}: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Ok(Err(bytes.len() as u64));
    }
    Ok(Ok(bytes))
}

/// Open for reading without ever blocking: a FIFO put where a file was found opens at
/// once (and is then refused) instead of waiting for a writer.
fn open_nonblocking(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// A `.json` file is held to JSON's grammar (a stream of values, as kubectl reads it).
fn json_error(source: &SourceFile) -> Option<SyntaxError> {
    // A byte-order mark is not JSON, but kubectl strips it before decoding.
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    let bom = source.text.len() - text.len();
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    let err = values.find_map(Result::err)?;
    let line_start =
        source.offset_of_line(err.line()).unwrap_or(0) + if err.line() == 1 { bom } else { 0 };
    let mut offset = (line_start + err.column().saturating_sub(1)).min(source.text.len());
    while !source.text.is_char_boundary(offset) {
        offset -= 1;
    }
    let message = err.to_string();
    let mut message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    let before = source.text.get(..offset).unwrap_or("").trim_end();
    if before.ends_with(',') {
        message = "a trailing comma".into();
    }
    Some(SyntaxError::new(
        offset,
        format!("this file is not valid JSON: {message}"),
    ))
}

/// Parse a file. A `.json` file that YAML rejects may be a JSON stream (objects one after
/// another, as `jq -c` writes and kubectl reads): then each value is parsed on its own.
fn parse(source: &Arc<SourceFile>) -> yaml::Stream {
    let stream = source.parse();
    if stream.errors.is_empty() || !source.name.to_ascii_lowercase().ends_with(".json") {
        return stream;
    }
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    let bom = source.text.len() - text.len();
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    let mut ranges = Vec::new();
    let mut from = 0;
    let mut over = None;
    while let Some(v) = values.next() {
        if v.is_err() {
            return stream;
        }
        if ranges.len() == yaml::MAX_DOCUMENTS {
            // The rest is not read, as in a YAML stream: where the next value starts.
            let rest = text.get(from..).unwrap_or_default();
            over = Some(bom + from + (rest.len() - rest.trim_start().len()));
            break;
        }
        let to = values.byte_offset();
        ranges.push((bom + from, bom + to));
        from = to;
    }
    if ranges.len() < 2 {
        return stream;
    }
    let mut joined = yaml::Stream::default();
    for (a, b) in ranges {
        let part = yaml::parse_range(&source.text, a, b);
        joined.documents.extend(part.documents);
        joined.errors.extend(part.errors);
    }
    joined.errors.extend(over.map(yaml::too_many_documents));
    joined
}

/// A file's text, decoded as kubectl would read it.
struct Decoded {
    text: String,
    /// Where the text could not be decoded (a replacement character stands there), and
    /// why: the documents holding these are dropped and reported.
    bad: Vec<(usize, &'static str)>,
    /// A problem of the whole file that still lets it be read (UTF-16 without a BOM).
    file_error: Option<SyntaxError>,
}

const NOT_UTF8: &str = "this document is not valid UTF-8, which Kubernetes manifests must be";

/// Help for a text that is not in an encoding kubectl reads.
const ENCODING_HELP: &str = "save the file as UTF-8 (your editor's \"encoding\" setting, or \
     `iconv -f LATIN1 -t UTF-8`): kubectl reads nothing else";

/// Windows tools write UTF-16 with a byte-order mark; kubectl decodes it, and so do we
/// (positions are then those of the decoded text, which is what the report shows).
/// Invalid UTF-8 spoils only the documents that hold it, as kubectl splits documents
/// before decoding them.
fn decode(bytes: Vec<u8>) -> Decoded {
    if let Some((little, body, bom)) = utf16_body(&bytes) {
        let (text, bad) = decode_utf16(body, little);
        let file_error = (!bom).then(|| {
            let mut e = SyntaxError::new(
                0,
                format!(
                    "this file is UTF-16 ({}) without a byte-order mark, which kubectl cannot \
                     read: save it as UTF-8 (onus read it as UTF-16)",
                    if little {
                        "little-endian"
                    } else {
                        "big-endian"
                    }
                ),
            );
            e.help = Some(ENCODING_HELP);
            e
        });
        return Decoded {
            text,
            bad,
            file_error,
        };
    }
    match String::from_utf8(bytes) {
        Ok(text) => Decoded {
            text,
            bad: Vec::new(),
            file_error: None,
        },
        Err(e) => {
            let (text, bad) = lossy(e.as_bytes());
            Decoded {
                text,
                bad: bad.into_iter().map(|p| (p, NOT_UTF8)).collect(),
                file_error: None,
            }
        }
    }
}

/// The UTF-16 body of a file: after a byte-order mark, or, without one, when the first
/// character is ASCII with its zero byte beside it (NUL is never in UTF-8 YAML or JSON).
/// Returns (little-endian, body, had a BOM).
pub(crate) fn utf16_body(bytes: &[u8]) -> Option<(bool, &[u8], bool)> {
    match bytes {
        [0xFF, 0xFE, body @ ..] => Some((true, body, true)),
        [0xFE, 0xFF, body @ ..] => Some((false, body, true)),
        [a, 0, ..] if *a != 0 && a.is_ascii() => Some((true, bytes, false)),
        [0, b, ..] if *b != 0 && b.is_ascii() => Some((false, bytes, false)),
        _ => None,
    }
}

/// Decode UTF-16; each unpaired surrogate and a trailing odd byte become a replacement
/// character whose offset is reported.
fn decode_utf16(body: &[u8], little: bool) -> (String, Vec<(usize, &'static str)>) {
    let units = body.chunks_exact(2).map(|c| {
        let pair = [
            c.first().copied().unwrap_or(0),
            c.get(1).copied().unwrap_or(0),
        ];
        if little {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    let mut text = String::with_capacity(body.len() / 2);
    let mut bad = Vec::new();
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => text.push(c),
            Err(_) => {
                bad.push((
                    text.len(),
                    "this document is not valid UTF-16: an unpaired surrogate",
                ));
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    if body.len() % 2 == 1 {
        bad.push((
            text.len(),
            "this file ends in the middle of a UTF-16 character (an odd number of bytes)",
        ));
    }
    (text, bad)
}

/// Lossy UTF-8 decoding, with the offset of each replacement character in the result.
fn lossy(bytes: &[u8]) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(bytes.len());
    let mut bad = Vec::new();
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            bad.push(text.len());
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    (text, bad)
}

fn unreadable(name: Arc<str>, message: String) -> Loaded {
    Loaded {
        source: Arc::new(SourceFile::new(name, "")),
        stream: yaml::Stream::default(),
        load_errors: vec![SyntaxError::new(0, message)],
        suppressions: Vec::new(),
        windowed: None,
    }
}

fn too_large(name: Arc<str>, len: u64) -> Loaded {
    unreadable(
        name,
        format!(
            "this file is {} MiB, more than the {} MiB limit",
            len / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
}

/// A document (or list item) that is not linted as an object: its kind, and why.
type NotAnObject<'a> = (NodeRef<'a>, Option<&'a str>, String);

/// The object a node holds, or why it is not one.
fn object_of<'a>(
    file: usize,
    node: NodeRef<'a>,
    namespaces: (&'a str, Option<&'a str>),
    in_list: bool,
    typed: Option<(&'a str, &'a str)>,
) -> Result<Resource<'a>, NotAnObject<'a>> {
    let kind = node.get("kind").and_then(|k| k.as_str());
    match Resource::from_node(file, node, namespaces.0, namespaces.1, in_list, typed) {
        Some(r) if is_config_file(r.api_version, r.kind) => Err((
            node,
            Some(r.kind),
            format!(
                "{} ({}) configures a tool, it is not a cluster object",
                r.kind, r.api_version
            ),
        )),
        Some(r) => Ok(r),
        None if !node.is_map() => Err((node, None, "not a Kubernetes object".into())),
        // A team's rule pack walked with the manifests: onus's own files, said as such.
        None if ["id", "check", "responsibility"]
            .iter()
            .all(|k| node.get(k).is_some()) =>
        {
            Err((node, None, "an onus rule file, not a cluster object".into()))
        }
        None if node.get("activities").is_some() && node.get("apiVersion").is_none() => Err((
            node,
            None,
            "a responsibility model (onus), not a cluster object".into(),
        )),
        None => {
            let missing = match (node.get("apiVersion").is_some(), kind.is_some()) {
                (true, false) => "no kind",
                (false, true) => "no apiVersion",
                _ => "no apiVersion and kind",
            };
            Err((node, kind, format!("not a Kubernetes object ({missing})")))
        }
    }
}

/// Objects of one document: the object itself, or each item of a `kind: *List`.
fn objects<'a>(
    file: usize,
    root: NodeRef<'a>,
    namespaces: (&'a str, Option<&'a str>),
    out: &mut Vec<Resource<'a>>,
    skipped: &mut Vec<NotAnObject<'a>>,
) {
    let mut push = |r| match r {
        Ok(r) => out.push(r),
        Err(why) => skipped.push(why),
    };
    if is_list(root) {
        // Lists may hold lists: flattened depth first, in document order, with a stack of
        // items still to see, so that nesting costs no recursion.
        let mut todo: Vec<(NodeRef, Option<(&str, &str)>)> = Vec::new();
        let expand =
            |list: NodeRef<'a>, todo: &mut Vec<(NodeRef<'a>, Option<(&'a str, &'a str)>)>| {
                // `kind: DeploymentList` lends apps/v1 Deployment to items that name neither.
                let list_kind = list.get("kind").and_then(|k| k.as_str()).unwrap_or("");
                let typed = match (
                    list.get("apiVersion").and_then(|v| v.as_str()),
                    list_kind.strip_suffix("List"),
                ) {
                    (Some(v), Some(k)) if !k.is_empty() => Some((v, k)),
                    _ => None,
                };
                let items: Vec<NodeRef> =
                    list.get("items").iter().flat_map(|i| i.items()).collect();
                todo.extend(items.into_iter().rev().map(|i| (i, typed)));
            };
        expand(root, &mut todo);
        while let Some((item, typed)) = todo.pop() {
            if item.is_map() && is_list(item) {
                expand(item, &mut todo);
            } else {
                push(object_of(file, item, namespaces, true, typed));
            }
        }
        return;
    }
    push(object_of(file, root, namespaces, false, None));
}

/// The text the first pass keeps, with its tree, by default: a set this size is read once;
/// beyond it, a file's tree and text are dropped after the first pass and the file is read
/// again when its rules run, so memory stays bounded whatever the set's size.
pub const KEEP_BYTES: usize = 12 * 1024 * 1024;

/// What each file of the set takes from that budget: every file costs memory of its own
/// (its name, slot and facts; about 1 KB resident with the allocator's slack, measured on
/// 16 copies of the real corpus), so the more files, the fewer trees kept, and memory stays
/// about the same up to the size where no tree is kept (about 12,000 files).
pub const KEEP_COST_PER_FILE: usize = 1024;

fn allowed(settings: &Settings, files: usize) -> usize {
    settings
        .keep_bytes
        .saturating_sub(files.saturating_mul(KEEP_COST_PER_FILE))
}

/// The trees the first pass keeps, within a budget that shrinks as files are read (the set's
/// size is not known while the walk goes on): past it, the latest kept trees are dropped.
#[derive(Default)]
struct Kept {
    /// Bytes of every file read.
    read: std::sync::atomic::AtomicUsize,
    files: std::sync::atomic::AtomicUsize,
    /// The number of files of the set, once known (0 before).
    known: std::sync::atomic::AtomicUsize,
    /// Files the walk has found so far (it runs ahead of the readers).
    found: Arc<std::sync::atomic::AtomicUsize>,
    trees: std::sync::Mutex<Trees>,
    /// A tree was refused or dropped: `Settings::large_set` was called.
    large: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct Trees {
    /// Bytes of text of the trees in `list`.
    bytes: usize,
    /// By the hash of the file's name.
    list: Vec<(u64, Box<Loaded>)>,
    /// Kustomizations (every file's objects read them), standard input (it cannot be read
    /// again) and windowed files' handles: always kept, never counted.
    kustomizations: Vec<(u64, Box<Loaded>)>,
}

impl Trees {
    /// Drop the latest trees until what is kept fits `allowed`; the caller frees them.
    fn evict(&mut self, allowed: usize) -> Vec<(u64, Box<Loaded>)> {
        let mut dropped = Vec::new();
        while self.bytes > allowed {
            let Some(last) = self.list.pop() else { break };
            self.bytes = self.bytes.saturating_sub(last.1.source.text.len());
            dropped.push(last);
        }
        dropped
    }
}

impl Kept {
    fn allowed(&self, settings: &Settings) -> usize {
        use std::sync::atomic::Ordering::Relaxed;
        let files = self
            .files
            .load(Relaxed)
            .max(self.known.load(Relaxed))
            .max(self.found.load(Relaxed));
        allowed(settings, files)
    }

    /// Whether a file of `bytes` would be kept now: a large file the budget keeps is parsed
    /// whole, once (its tree held either way); one it would not is read in windows twice.
    fn would_keep(&self, bytes: usize, settings: &Settings) -> bool {
        let allowed = self.allowed(settings);
        self.trees
            .lock()
            .is_ok_and(|t| t.bytes.saturating_add(bytes) <= allowed)
    }

    /// Offer a file's tree: kept if the budget allows (or `always`); trees
    /// the budget no longer allows are dropped.
    fn offer(&self, loaded: Loaded, always: bool, settings: &Settings) {
        use std::sync::atomic::Ordering::Relaxed;
        let bytes = loaded.source.text.len();
        self.read.fetch_add(bytes, Relaxed);
        self.files.fetch_add(1, Relaxed);
        let allowed = self.allowed(settings);
        let key = name_hash(&loaded.source.name);
        let Ok(mut t) = self.trees.lock() else {
            return;
        };
        let refused = if always {
            t.kustomizations.push((key, Box::new(loaded)));
            false
        } else if t.bytes.saturating_add(bytes) <= allowed {
            t.bytes += bytes;
            t.list.push((key, Box::new(loaded)));
            false
        } else {
            true
        };
        let dropped = t.evict(allowed);
        drop(t);
        if refused || !dropped.is_empty() {
            self.mark_large(settings);
        }
        // Freed outside the lock.
        drop(dropped);
    }

    fn mark_large(&self, settings: &Settings) {
        use std::sync::atomic::Ordering::Relaxed;
        if let Some(hook) = settings.large_set
            && !self.large.swap(true, Relaxed)
        {
            hook();
        }
    }

    /// The set has `files` files: drop what that allows no more.
    fn settle(&self, files: usize, settings: &Settings) {
        use std::sync::atomic::Ordering::Relaxed;
        self.known.store(files, Relaxed);
        let allowed = self.allowed(settings);
        let dropped = self.trees.lock().map(|mut t| t.evict(allowed));
        if dropped.as_ref().is_ok_and(|d| !d.is_empty()) {
            self.mark_large(settings);
        }
        drop(dropped);
    }

    /// Every kept tree, by the hash of its file's name.
    fn take(&self) -> std::collections::HashMap<u64, Box<Loaded>> {
        let Ok(mut t) = self.trees.lock() else {
            return std::collections::HashMap::new();
        };
        let t = std::mem::take(&mut *t);
        t.list.into_iter().chain(t.kustomizations).collect()
    }
}

fn name_hash(name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    name.hash(&mut h);
    h.finish()
}

/// A file after the first pass: its tree kept, or dropped to be read again.
pub struct Slot {
    /// Its position in the inputs.
    input: usize,
    /// The file (its text empty when not kept).
    source: Arc<SourceFile>,
    /// Its tree, when kept between the passes.
    loaded: Option<Box<Loaded>>,
    /// It holds a kustomization (then it is always kept).
    kust: bool,
    /// What its objects give the index, gathered when it was first read (file index 0,
    /// no kustomization applied).
    early: Option<Box<Early>>,
    context: bool,
}

/// The trees the first pass kept, by file name: kustomizations render from them.
struct KeptTrees<'a>(std::collections::HashMap<&'a str, &'a Loaded>);

impl crate::render::build::Known for KeptTrees<'_> {
    fn known(&self, name: &str) -> Option<(Arc<SourceFile>, &yaml::Stream)> {
        // A file with load errors (undecodable bytes, JSON grammar) is read by the renderer
        // itself, which fails on it as kustomize would; so is a windowed one (no tree kept).
        self.0
            .get(name)
            .filter(|l| l.load_errors.is_empty() && l.windowed.is_none())
            .map(|l| (l.source.clone(), &l.stream))
    }
}

/// What a file's objects give the index, and what is not an object.
struct Early {
    count: usize,
    gathered: Gathered,
    skipped: Vec<Skipped>,
}

/// The objects of a file, with its ordinals from `offset`, and what is not an object.
struct FileObjects<'a> {
    resources: Vec<Resource<'a>>,
    skipped: Vec<Skipped>,
    skaffold: Vec<NodeRef<'a>>,
}

/// How kustomizations of the set change a file's objects.
#[derive(Default)]
struct KustView {
    patches: std::collections::HashSet<usize>,
    namespaces: std::collections::HashMap<usize, String>,
    /// Files whose objects are linted as a rendered set deploys them, not as written.
    rendered: std::collections::HashSet<usize>,
}

impl KustView {
    /// A kustomization says something of file `i` (its objects are read differently).
    fn names(&self, i: usize) -> bool {
        self.patches.contains(&i) || self.namespaces.contains_key(&i) || self.rendered.contains(&i)
    }
}

fn file_objects<'a>(
    i: usize,
    f: &'a Loaded,
    kust: &'a KustView,
    settings: &'a Settings,
    offset: usize,
) -> FileObjects<'a> {
    if kust.rendered.contains(&i) {
        return FileObjects {
            resources: Vec::new(),
            skipped: Vec::new(),
            skaffold: Vec::new(),
        };
    }
    let patch = kust.patches.contains(&i);
    let namespaces = (
        settings.default_namespace.as_str(),
        kust.namespaces.get(&i).map(String::as_str),
    );
    let mut resources = Vec::new();
    let mut skaffold = Vec::new();
    let mut not_objects = Vec::new();
    for doc in &f.stream.documents {
        let Some(root) = NodeRef::root(doc) else {
            continue;
        };
        if root
            .get("apiVersion")
            .and_then(|v| v.as_str())
            .is_some_and(|v| v.starts_with("skaffold/"))
        {
            skaffold.push(root);
        }
        if patch && !root.is_null() {
            let why = "a patch of a kustomization, applied to an object of its base".into();
            not_objects.push((root, root.get("kind").and_then(|k| k.as_str()), why));
        } else if root.is_map() {
            objects(i, root, namespaces, &mut resources, &mut not_objects);
        } else if root.is_seq() {
            // A bare list of objects (invalid-manifest reports it): lint what it holds.
            for item in root.items() {
                match object_of(i, item, namespaces, true, None) {
                    Ok(r) => resources.push(r),
                    Err(why) => not_objects.push(why),
                }
            }
        } else if !root.is_null() {
            not_objects.push((root, None, "not a Kubernetes object".into()));
        }
    }
    for (n, r) in resources.iter_mut().enumerate() {
        r.ordinal = offset + n;
    }
    let skipped = not_objects
        .into_iter()
        .map(|(node, kind, reason)| Skipped {
            file: f.source.name.to_string(),
            line: Some(f.source.position(node.span().start).0),
            kind: kind.map(str::to_string),
            reason,
        })
        .collect();
    FileObjects {
        resources,
        skipped,
        skaffold,
    }
}

/// What the second pass gives of one file.
struct FileResult {
    /// Runs of findings: what rendered sets found, the file's, each object's, ... (one run
    /// when comments mark them). Runs are not copied into one: a file of many objects
    /// would hold its findings twice.
    findings: Vec<Vec<Finding>>,
    annotations: Vec<Applied>,
    /// The file read again, when its tree had been dropped.
    reloaded: Option<Arc<SourceFile>>,
    failure: Option<String>,
}

/// Lint a set of inputs with the given rules, in two passes over the files: the first reads
/// them and gathers what rules need of the whole set (the index), the second runs the rules
/// file by file. Trees beyond `Settings::keep_bytes` are not kept between the passes.
pub fn run(inputs: &[Input], rules: &[&Rule], settings: &Settings) -> Outcome {
    run_preloaded(inputs, Preloaded::default(), rules, settings)
}

/// The sets of kinds the rules read (a CEL rule's `reads`): their objects are gathered.
pub fn reads_of(rules: &[&Rule]) -> Vec<Vec<String>> {
    let mut reads: Vec<Vec<String>> = Vec::new();
    for r in rules {
        let kinds = r.check.reads();
        if !kinds.is_empty() && !reads.iter().any(|k| k.as_slice() == kinds) {
            reads.push(kinds.to_vec());
        }
    }
    reads
}

/// Files read (in the first pass) while discovery was still walking, by path.
#[derive(Default)]
pub struct Preloaded {
    /// By the hash of the path (sorted): a path per file would cost more than the slot.
    read: Vec<(u64, Option<Result<Slot, String>>)>,
    kept: Kept,
    /// What the early facts were gathered for (`reads_of` the rules).
    reads: Vec<Vec<String>>,
    paths: Vec<PathBuf>,
}

impl Preloaded {
    /// Read the files sent on `paths` as they come (in parallel), until the sender is gone,
    /// gathering what their objects give the index for rules that read `reads`. `found`
    /// counts the files the walk has found so far: the more, the fewer trees are kept.
    pub fn read(
        paths: std::sync::mpsc::Receiver<PathBuf>,
        settings: &Settings,
        reads: Vec<Vec<String>>,
        found: Arc<std::sync::atomic::AtomicUsize>,
    ) -> Preloaded {
        use rayon::iter::ParallelBridge;
        let kept = Kept {
            found,
            ..Kept::default()
        };
        let read = paths
            .into_iter()
            .par_bridge()
            .map(|path| {
                let input = Input::Path {
                    name: crate::discover::name_of(&path).into(),
                    path,
                    context: false,
                };
                let slot = first_read(0, &input, settings, &kept, &reads);
                match input {
                    Input::Path { path, .. } => ((path_hash(&path), Some(slot)), path),
                    Input::Text { .. } | Input::Spooled { .. } => ((0, None), PathBuf::new()),
                }
            })
            .collect::<Vec<_>>();
        // The paths were made by the walking thread: they are handed back to it to free.
        // Freed here, each would go to this thread's allocator cache, and the buffers
        // later grown from it (a parse's arrays) would lock the walking thread's arena at
        // every growth, the two readers contending for it (x1.3 on large files).
        let (mut read, paths): (Vec<_>, Vec<_>) = read.into_iter().unzip();
        read.sort_unstable_by_key(|r| r.0);
        Preloaded {
            read,
            kept,
            reads,
            paths,
        }
    }

    /// The paths the walk sent, to be freed by the thread that made them.
    pub fn take_paths(&mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.paths)
    }

    fn take(&mut self, input: &Input) -> Option<Result<Slot, String>> {
        match input {
            Input::Path {
                path,
                context: false,
                ..
            } => {
                let key = path_hash(path);
                let at = self.read.binary_search_by(|(p, _)| p.cmp(&key)).ok()?;
                let slot = self.read.get_mut(at).and_then(|(_, slot)| slot.take())?;
                // Two paths of one hash: the file is read again rather than mistaken.
                match &slot {
                    Ok(s) if *s.source.name != *input.name() => None,
                    Err(e) if !e.starts_with(input.name()) => None,
                    _ => Some(slot),
                }
            }
            _ => None,
        }
    }
}

/// What the objects of file `i` give the index, and what is not an object.
fn gather(
    i: usize,
    loaded: &Loaded,
    input: &Input,
    view: &KustView,
    settings: &Settings,
    reads: &[Vec<String>],
) -> Early {
    gather_seeing(i, loaded, input, view, settings, reads, &mut |_| {}).0
}

/// `gather`, showing `see` each window of a windowed file as it is read (or the whole, when
/// the windows cannot be read alone: then given back too).
fn gather_seeing(
    i: usize,
    loaded: &Loaded,
    input: &Input,
    view: &KustView,
    settings: &Settings,
    reads: &[Vec<String>],
    see: &mut (dyn FnMut(&Loaded) + Send),
) -> (Early, Option<Loaded>) {
    if loaded.windowed.is_none() {
        return (gather_tree(i, loaded, view, settings, reads, 0), None);
    }
    let mut early = Early {
        count: 0,
        gathered: Gathered::new(reads.len()),
        skipped: Vec::new(),
    };
    let read = loaded.each_window(input, &mut |w, base| {
        see(w);
        // Ordinals go on from the windows before; lines from the window's start.
        let e = gather_tree(i, w, view, settings, reads, early.count);
        early.gathered.append(e.gathered, 0);
        early.count += e.count;
        early.skipped.extend(e.skipped.into_iter().map(|mut s| {
            s.line = s.line.map(|l| l + base.lines);
            s
        }));
    });
    if read {
        (early, None)
    } else {
        let whole = loaded.whole(input);
        see(&whole);
        let early = gather_tree(i, &whole, view, settings, reads, 0);
        (early, Some(whole))
    }
}

/// `gather` of one tree, its objects' ordinals from `offset`.
fn gather_tree(
    i: usize,
    loaded: &Loaded,
    view: &KustView,
    settings: &Settings,
    reads: &[Vec<String>],
    offset: usize,
) -> Early {
    let objs = file_objects(i, loaded, view, settings, offset);
    let mut gathered = Gathered::new(reads.len());
    for r in &objs.resources {
        gathered.add(r, reads);
    }
    for root in &objs.skaffold {
        gathered.add_skaffold_config(i, *root);
    }
    Early {
        count: objs.resources.len(),
        gathered,
        skipped: objs.skipped,
    }
}

/// A file's text read again (the human report's snippets of a file whose text was not
/// kept), decoded as when it was linted; None when it cannot be read.
pub fn read_again(source: &SourceFile) -> Option<Arc<SourceFile>> {
    let path = source.path();
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let text = decode(bytes).text;
    Some(Arc::new(SourceFile::new(source.name.clone(), text)))
}

/// A file read for a kustomization (a resource, a patch, a generator's data): never blocks
/// (FIFOs refused), at most `MAX_FILE_BYTES`, decoded as any linted file is; NUL bytes are
/// refused (kubectl reads no binary manifest; a binary generator file is not supported).
pub fn read_source(path: &std::path::Path, name: Arc<str>) -> Result<Arc<SourceFile>, String> {
    let bytes = read_bounded(path, &name)?.map_err(|_| {
        format!(
            "{name}: larger than {} MiB, not read",
            MAX_FILE_BYTES / (1024 * 1024)
        )
    })?;
    if utf16_body(&bytes).is_none() && memchr::memchr(0, &bytes).is_some() {
        return Err(format!(
            "{name}: a binary file (it holds NUL bytes), not read"
        ));
    }
    Ok(Arc::new(SourceFile::new(name, decode(bytes).text)))
}

/// The text of a file not kept: one empty text for all of them.
fn empty_text() -> crate::yaml::Text {
    static EMPTY: std::sync::OnceLock<crate::yaml::Text> = std::sync::OnceLock::new();
    EMPTY.get_or_init(crate::yaml::Text::default).clone()
}

fn path_hash(path: &std::path::Path) -> u64 {
    use std::hash::Hasher;
    // The bytes, not the components (`Path`'s hash walks them): both sides hash the walk's
    // own paths, and a path written two ways is only read again.
    let mut h = std::hash::DefaultHasher::new();
    h.write(path.as_os_str().as_encoded_bytes());
    h.finish()
}

/// Standard input's text for the human report's snippets, when the run read it in windows:
/// given into its file when held in memory (it cannot be read again), else where it was
/// spooled (read again from there, in excerpts when large).
pub fn texts_of_stdin(inputs: &[Input], files: &mut [Arc<SourceFile>]) {
    for input in inputs {
        let name = match input {
            Input::Text { name, .. } | Input::Spooled { name, .. } => name,
            Input::Path { .. } => continue,
        };
        for f in files
            .iter_mut()
            .filter(|f| f.text.is_empty() && *f.name == **name)
        {
            let file = match input {
                Input::Text { bytes, .. } if !bytes.is_empty() => {
                    SourceFile::new(f.name.clone(), decode(bytes.clone()).text)
                }
                Input::Spooled { spool, .. } => {
                    SourceFile::read_from(f.name.clone(), empty_text(), spool.path().into())
                }
                _ => continue,
            };
            *f = Arc::new(file);
        }
    }
}

/// Read a file for the first pass; its tree is kept while the kept text stays under
/// `settings.keep_bytes` (and always for a kustomization, which every file's objects read).
fn first_read(
    n: usize,
    input: &Input,
    settings: &Settings,
    kept: &Kept,
    reads: &[Vec<String>],
) -> Result<Slot, String> {
    let mut loaded = load(input, Some(settings.windows))?;
    if let Some(w) = loaded.windowed
        && kept.would_keep(w.len, settings)
    {
        loaded = loaded.whole(input);
    }
    let holds_kustomization = |l: &Loaded| {
        l.stream.documents.iter().any(|d| {
            NodeRef::root(d).is_some_and(|r| kustomize::is_kustomization(&l.source.name, r))
        })
    };
    let mut kust = holds_kustomization(&loaded);
    // What the objects give the index, as if no kustomization named the file: true of most
    // files, and then the tree need not be read again for it.
    let (mut early, whole) = gather_seeing(
        0,
        &loaded,
        input,
        &KustView::default(),
        settings,
        reads,
        &mut |w| kust |= holds_kustomization(w),
    );
    // A file that cannot be read in windows is read whole from now on.
    if let Some(whole) = whole {
        loaded = whole;
    }
    if kust && loaded.windowed.is_some() {
        // A kustomization's tree is kept for the renderer: the file is read whole.
        loaded = loaded.whole(input);
        early = gather(0, &loaded, input, &KustView::default(), settings, reads);
    }
    // The slot holds the name; the tree, if kept, waits in `kept` until the set is known.
    let source = Arc::new(SourceFile::new(loaded.source.name.clone(), empty_text()));
    // Standard input cannot be read again: kept whatever the budget, like a kustomization;
    // so is a windowed file's handle (it holds no tree).
    let always = kust || matches!(input, Input::Text { .. }) || loaded.windowed.is_some();
    kept.offer(loaded, always, settings);
    Ok(Slot {
        input: n,
        source,
        loaded: None,
        kust,
        early: Some(Box::new(early)),
        context: input.is_context(),
    })
}

/// `run`, with the files already read while discovery walked.
pub fn run_preloaded(
    inputs: &[Input],
    preloaded: Preloaded,
    rules: &[&Rule],
    settings: &Settings,
) -> Outcome {
    let mut findings = Vec::new();
    let mut outcome = run_with(inputs, preloaded, rules, settings, &mut |f| {
        findings.push(f)
    });
    outcome.summary.count(&findings);
    outcome.findings = findings;
    outcome
}

/// Findings of rendered sets held in memory before the rest go to disk.
const HELD_BYTES: usize = 1 << 20;

/// Files the second pass lints at a time: each chunk's findings are handed on before the
/// next, so that a large set's findings need not all be held.
const CHUNK_FILES: usize = 512;

/// Objects the second pass lints at a time, at most (a chunk is one file at least): a few
/// files of many objects each would otherwise hold all their findings at once (the generated
/// corpus, 40 files of 261 objects, held 28,000 findings: 94 MB peak, 62-66 MB with this).
const CHUNK_OBJECTS: usize = 2048;

fn name_of_slot(slots: &[Slot], i: usize) -> &str {
    slots.get(i).map_or("", |s| &*s.source.name)
}

/// `run_preloaded`, handing each finding to `sink` in report order (file, line, column,
/// rule) instead of returning them: the outcome's findings are empty, its summary uncounted.
pub fn run_with(
    inputs: &[Input],
    mut preloaded: Preloaded,
    rules: &[&Rule],
    settings: &Settings,
    sink: &mut dyn FnMut(Finding),
) -> Outcome {
    let mut phases = crate::phases::Phases::start();
    let reads = reads_of(rules);
    // Facts gathered for other rules than these are gathered again.
    let same_reads = preloaded.reads == reads;
    let early: Vec<Option<Result<Slot, String>>> = inputs
        .iter()
        .map(|i| {
            let mut slot = preloaded.take(i);
            if let Some(Ok(s)) = &mut slot
                && !same_reads
            {
                s.early = None;
            }
            slot
        })
        .collect();
    let budget = preloaded.kept;
    budget.settle(inputs.len(), settings);
    drop(preloaded.read);
    let loaded: Vec<Result<Slot, String>> = inputs
        .par_iter()
        .zip(early)
        .enumerate()
        .map(|(n, (input, early))| match early {
            // The name is the input's own (not a second copy of it).
            Some(slot) => slot.map(|s| Slot {
                input: n,
                source: Arc::new(SourceFile::new(input.shared_name(), empty_text())),
                ..s
            }),
            None => first_read(n, input, settings, &budget, &reads),
        })
        .collect();
    let mut failures = Vec::new();
    let mut slots: Vec<Slot> = Vec::with_capacity(loaded.len());
    for l in loaded {
        match l {
            Ok(s) => slots.push(s),
            Err(e) => failures.push(e),
        }
    }
    // The trees kept: each to its file.
    let mut trees = budget.take();
    for s in &mut slots {
        if let Some(t) = trees.remove(&name_hash(&s.source.name))
            && *t.source.name == *s.source.name
        {
            s.source = t.source.clone();
            s.loaded = Some(t);
        }
    }
    drop(trees);
    let context: Vec<bool> = slots.iter().map(|s| s.context).collect();
    let earlies: Vec<Option<Box<Early>>> = slots.iter_mut().map(|s| s.early.take()).collect();

    let listing: Vec<(usize, &str, &[yaml::Document])> = slots
        .iter()
        .enumerate()
        .map(|(i, s)| {
            // Only kustomizations are read for their documents; other files by name.
            let docs: &[yaml::Document] = match &s.loaded {
                Some(l) if s.kust => &l.stream.documents,
                _ => &[],
            };
            (i, &*s.source.name, docs)
        })
        .collect();
    phases.mark("read and parse");
    let kust = kustomize::analyse(&listing);
    phases.mark("kustomizations");
    let mut skipped = Vec::new();
    // What kustomizations ask for and onus does not do: listed with the skipped documents.
    for (file, node, reason) in &kust.unsupported {
        if let Some(s) = slots.get(*file) {
            skipped.push(Skipped {
                file: s.source.name.to_string(),
                line: Some(s.source.position(node.span().start).0),
                kind: Some("Kustomization".into()),
                reason: reason.clone(),
            });
        }
    }
    // Each top-level kustomization whose file was linted (not only read as context) is
    // rendered and linted as the set it deploys.
    let shared: Vec<Shared> = rules.iter().map(|r| Shared::of(r)).collect();
    let linted_dirs: std::collections::HashSet<PathBuf> = slots
        .iter()
        .filter(|s| s.kust && !s.context && matches!(inputs.get(s.input), Some(Input::Path { .. })))
        .map(|s| kustomize::dir_of(&s.source.name))
        .collect();
    let roots: Vec<PathBuf> = kust
        .roots
        .iter()
        .filter(|dir| linted_dirs.contains(*dir))
        .cloned()
        .collect();
    // Images Skaffold configs build hold for every set (their facts were read early).
    let skaffold: Vec<(Arc<str>, String)> = slots
        .iter()
        .zip(&earlies)
        .flat_map(|(s, e)| {
            e.iter()
                .flat_map(|e| e.gathered.skaffold_images())
                .map(|(_, image)| (s.source.name.clone(), image.clone()))
        })
        .collect();
    let kept = KeptTrees(
        slots
            .iter()
            .filter_map(|s| s.loaded.as_deref().map(|l| (&*s.source.name, l)))
            .collect(),
    );
    // The sets' findings on the run's files wait in a store of their own (memory, then disk)
    // until their files' chunk is linted; those on files outside the linted paths (a base the
    // paths given do not hold) are few and wait here.
    let slot_of: std::collections::HashMap<Arc<str>, usize> = slots
        .iter()
        .enumerate()
        .map(|(i, s)| (s.source.name.clone(), i))
        .collect();
    let mut held = crate::store::Store::new(HELD_BYTES);
    let mut outside_found: Vec<Finding> = Vec::new();
    let mut route = |mut f: Finding| match slot_of.get(&f.file) {
        Some(&i) => {
            f.file_index = i;
            held.push(f);
        }
        None => outside_found.push(f),
    };
    let rendered = sets::lint_sets(
        &roots,
        &sets::Linting {
            rules,
            shared: &shared,
            settings,
            reads: &reads,
            skaffold,
            known: &kept,
            // What the keep budget leaves for this set's size, within the renderer's own:
            // large sets render without a cache, in bounded memory.
            cache: (allowed(settings, slots.len()) / 8).min(crate::render::build::CACHE_BYTES),
        },
        &mut route,
    );
    drop(kept);
    drop(slot_of);
    phases.mark("kustomizations rendered and linted");
    let view = KustView {
        patches: kust.patches.clone(),
        namespaces: kust
            .namespaces
            .iter()
            .map(|(f, ns)| (*f, ns.to_string()))
            .collect(),
        rendered: slots
            .iter()
            .enumerate()
            .filter(|(_, s)| rendered.members.contains(&s.source.name))
            .map(|(i, _)| i)
            .collect(),
    };
    drop(kust);
    drop(listing);
    // A rendered set says itself what it did not render.
    skipped.retain(|s| {
        !(s.kind.as_deref() == Some("Kustomization") && rendered.members.contains(s.file.as_str()))
    });
    let sets::Rendered {
        skipped: rendered_skipped,
        objects: rendered_objects,
        failure: rendered_failure,
        ..
    } = rendered;
    failures.extend(rendered_failure);
    skipped.extend(rendered_skipped);

    // First pass: each file's objects, what they give the index, what is not an object.
    // A file's tree: the one given, else the slot's kept one, else read again.
    // A windowed file's tree is its windows, read from its input.
    let with_tree = |slot: &Slot,
                     given: Option<Box<Loaded>>,
                     f: &mut dyn FnMut(&Loaded, &Input)|
     -> Result<(), String> {
        let input = inputs.get(slot.input).ok_or("input out of range")?;
        if let Some(l) = given.as_deref().or(slot.loaded.as_deref()) {
            f(l, input);
            return Ok(());
        }
        let again = load(input, Some(settings.windows))?;
        f(&again, input);
        Ok(())
    };
    let first: Vec<Result<Box<Early>, String>> = slots
        .par_iter()
        .zip(earlies)
        .enumerate()
        .map(|(i, (slot, early))| {
            // A file linted through a rendered set gives nothing of its own.
            if view.rendered.contains(&i) {
                return Ok(Box::new(Early {
                    count: 0,
                    gathered: Gathered::new(reads.len()),
                    skipped: Vec::new(),
                }));
            }
            // A file no kustomization names gave its facts when first read.
            if let Some(mut e) = early.filter(|_| !view.names(i)) {
                e.gathered.set_file(i);
                return Ok(e);
            }
            let mut out = None;
            with_tree(slot, None, &mut |loaded, input| {
                out = Some(gather(i, loaded, input, &view, settings, &reads));
            })?;
            out.map(Box::new).ok_or_else(|| "nothing read".to_string())
        })
        .collect();
    let mut gathered = Gathered::new(reads.len());
    let mut offsets = Vec::with_capacity(first.len());
    let mut total = 0;
    for early in first {
        offsets.push(total);
        match early {
            Ok(e) => {
                let Early {
                    count,
                    gathered: g,
                    skipped: skip,
                } = *e;
                gathered.append(g, total);
                total += count;
                skipped.extend(skip);
            }
            Err(e) => failures.push(e),
        }
    }
    phases.mark("objects and what they give the index");
    let index = Index::build(gathered, &reads);
    phases.mark("index");
    let mut sources: Vec<Arc<SourceFile>> = slots.iter().map(|s| s.source.clone()).collect();

    // Files a set read outside the linted paths join the run's files (after them, by name);
    // their findings come last.
    let first_extra = sources.len();
    let mut extra_names: Vec<Arc<str>> = outside_found.iter().map(|f| f.file.clone()).collect();
    extra_names.sort();
    extra_names.dedup();
    let mut outside: Vec<Vec<Finding>> = vec![Vec::new(); extra_names.len()];
    for mut f in outside_found {
        if let Ok(k) = extra_names.binary_search(&f.file) {
            f.file_index = first_extra + k;
            if let Some(group) = outside.get_mut(k) {
                group.push(f);
            }
        }
    }
    // Comments in files outside the linted paths still set their findings aside.
    let mut marked: Vec<Finding> = Vec::new();
    for (k, (name, mut group)) in extra_names.into_iter().zip(outside).enumerate() {
        let source = read_again(&SourceFile::new(name.clone(), ""))
            .unwrap_or_else(|| Arc::new(SourceFile::new(name, "")));
        group.sort_by_key(|f| (f.span.start, f.span.end));
        let mut unused = Vec::new();
        mark_comments(
            &suppress::comments(&source),
            &mut group,
            &mut unused,
            first_extra + k,
        );
        marked.extend(group);
        // The human report reads the text again when it shows a snippet.
        sources.push(Arc::new(SourceFile::new(source.name.clone(), empty_text())));
    }
    marked.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let outside = marked;

    // Second pass: every rule, file by file (objects of a file in parallel too), in report
    // order: files by name (a finding's first sort key is its file), a chunk of files at a
    // time, so that each chunk's findings go to the sink before the next is linted.
    if let Some(hook) = settings.second_pass {
        hook();
    }
    let mut order: Vec<usize> = (0..slots.len()).collect();
    order.sort_by(|a, b| name_of_slot(&slots, *a).cmp(name_of_slot(&slots, *b)));
    let mut late_failures: Vec<(usize, String)> = Vec::new();
    let mut pending = held.iter().map(std::borrow::Cow::into_owned).peekable();
    // Objects of each file (as the first pass counted them).
    let objects_of = |i: usize| {
        let at = |i: usize| offsets.get(i).copied().unwrap_or(total);
        at(i + 1).saturating_sub(at(i))
    };
    // Windowed files are linted alone, their findings handed on a window at a time.
    let streamed: Vec<bool> = slots
        .iter()
        .map(|s| !s.context && s.loaded.as_ref().is_some_and(|l| l.windowed.is_some()))
        .collect();
    let streams = |i: usize| streamed.get(i).copied().unwrap_or(false);
    // Files of many objects are linted alone, a part at a time (`lint_parted`).
    let parted = |i: usize| !streams(i) && objects_of(i) > settings.parts.0;
    let alone = |i: usize| streams(i) || parted(i);
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        let mut objects = 0;
        while end < order.len()
            && end - start < CHUNK_FILES
            && (end == start || objects < CHUNK_OBJECTS)
            && (end == start || !alone(order[end]))
            && (end == start || !alone(order[start]))
        {
            objects += order.get(end).map_or(0, |&i| objects_of(i));
            end += 1;
        }
        // A chunk never splits files of one name (their findings sort together).
        while end < order.len()
            && name_of_slot(&slots, order[end - 1]) == name_of_slot(&slots, order[end])
        {
            end += 1;
        }
        let chunk = order.get(start..end).unwrap_or_default();
        // The rendered sets' findings on this chunk's files (they come in name order too);
        // each file takes its own (not a copy).
        let last = chunk.last().map_or("", |&i| name_of_slot(&slots, i));
        let mut by_file: std::collections::HashMap<usize, std::sync::Mutex<Vec<Finding>>> =
            std::collections::HashMap::new();
        while let Some(f) = pending.next_if(|f| *f.file <= *last) {
            by_file
                .entry(f.file_index)
                .or_default()
                .get_mut()
                .unwrap_or_else(|p| p.into_inner())
                .push(f);
        }
        // The chunk's trees leave their slots: each is dropped once its file is linted, so
        // the memory of the files done holds the findings of those to come.
        let trees: Vec<Option<Box<Loaded>>> = chunk
            .iter()
            .map(|&fi| slots.get_mut(fi).and_then(|s| s.loaded.take()))
            .collect();
        let pass = Pass {
            view: &view,
            settings,
            rules,
            shared: &shared,
            index: &index,
            sources: &sources,
        };
        if let &[fi] = chunk
            && by_file.is_empty()
            && streams(fi)
            && let Some(Some(tree)) = trees.first()
            && let Some(input) = slots.get(fi).and_then(|s| inputs.get(s.input))
        {
            let offset = offsets.get(fi).copied().unwrap_or(0);
            late_failures
                .extend(lint_streamed(&pass, fi, tree, input, offset, sink).map(|e| (fi, e)));
            start = end;
            continue;
        }
        if let &[fi] = chunk
            && parted(fi)
            && let Some(slot) = slots.get(fi)
        {
            let offset = offsets.get(fi).copied().unwrap_or(0);
            let mut extra = by_file
                .remove(&fi)
                .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()));
            let tree = trees.into_iter().next().flatten();
            let kept = tree.is_some();
            let mut reloaded = None;
            let mut failure = None;
            // A context file's findings are dropped.
            let reported = !context.get(fi).copied().unwrap_or(false);
            let res = with_tree(slot, tree, &mut |f, input| {
                let mut any = false;
                let extra = extra.take().unwrap_or_default();
                let mut each = |x: Finding| {
                    if reported {
                        any = true;
                        sink(x);
                    }
                };
                failure = lint_parted(&pass, fi, f, input, extra, offset, &mut each).1;
                if !kept && settings.snippets && any {
                    reloaded = Some(f.source.clone());
                }
            });
            if let (Some(source), Some(s)) = (reloaded, sources.get_mut(fi)) {
                *s = source;
            }
            // The file could not be read again: what rendered sets found in it still stands.
            if let Some(mut found) = extra.filter(|_| reported) {
                found.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                found.into_iter().for_each(&mut *sink);
            }
            late_failures.extend(res.err().or(failure).map(|e| (fi, e)));
            start = end;
            continue;
        }
        let results: Vec<(usize, FileResult)> = chunk
            .par_iter()
            .zip(trees)
            .map(|(&fi, tree)| {
                let mut result = FileResult {
                    // What rendered sets found in this file, marked by its comments with
                    // the rest.
                    findings: vec![
                        by_file
                            .get(&fi)
                            .map(|m| {
                                std::mem::take(&mut *m.lock().unwrap_or_else(|p| p.into_inner()))
                            })
                            .unwrap_or_default(),
                    ],
                    annotations: Vec::new(),
                    reloaded: None,
                    failure: None,
                };
                let Some(slot) = slots.get(fi) else {
                    return (fi, result);
                };
                // A windowed context file: its findings would be dropped; not read again.
                if slot.context && tree.as_ref().is_some_and(|t| t.windowed.is_some()) {
                    result.findings = Vec::new();
                    return (fi, result);
                }
                let offset = offsets.get(fi).copied().unwrap_or(0);
                let kept = tree.is_some();
                let res = with_tree(slot, tree, &mut |f, input| {
                    lint_file(&pass, fi, f, input, offset, &mut result);
                    if !kept && settings.snippets && result.findings.iter().any(|r| !r.is_empty()) {
                        result.reloaded = Some(f.source.clone());
                    }
                });
                if let Err(e) = res {
                    result.failure = Some(e);
                }
                // Each file's findings sorted here, in parallel; a context file's dropped.
                if context.get(fi).copied().unwrap_or(false) {
                    result.findings = Vec::new();
                }
                settle(&mut result.findings);
                (fi, result)
            })
            .collect();
        let mut runs = Vec::with_capacity(results.len());
        for (fi, r) in results {
            runs.extend(r.findings);
            if let (Some(source), Some(slot)) = (r.reloaded, sources.get_mut(fi)) {
                *slot = source;
            }
            late_failures.extend(r.failure.map(|e| (fi, e)));
        }
        emit_sorted(runs, sink);
        start = end;
    }
    drop(pending);
    if let Some(e) = held.failure() {
        failures.push(e);
    }
    drop(held);
    outside.into_iter().for_each(&mut *sink);
    late_failures.sort_by_key(|(fi, _)| *fi);
    failures.extend(late_failures.into_iter().map(|(_, e)| e));
    phases.mark("rules, findings sorted");
    // Freeing a large set's index and slots (its trees went file by file) takes a while:
    // done beside the report.
    if budget.read.into_inner() > 1 << 20 {
        // If no thread can be made, the closure (and the trees) is dropped here.
        let _ = std::thread::Builder::new().spawn(move || drop((slots, index)));
    }

    let summary = Summary {
        files: context.iter().filter(|c| !**c).count(),
        resources: total + rendered_objects,
        skipped_documents: skipped.len(),
        ..Summary::default()
    };
    Outcome {
        files: sources,
        findings: Vec::new(),
        skipped,
        summary,
        failures,
    }
}

/// Sorted runs of findings to `sink` in report order, as one stable sort of their
/// concatenation would give them: files come in name order, so the runs almost always follow
/// each other and go on as they are, without a copy; otherwise they are sorted together.
fn emit_sorted(runs: Vec<Vec<Finding>>, sink: &mut dyn FnMut(Finding)) {
    if in_order(&runs) {
        runs.into_iter().flatten().for_each(sink);
    } else {
        let mut all = joined(runs);
        all.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        all.into_iter().for_each(sink);
    }
}

/// Whether sorted runs follow each other in report order (empty runs aside).
fn in_order(runs: &[Vec<Finding>]) -> bool {
    let mut last: Option<&Finding> = None;
    for run in runs {
        if let (Some(a), Some(b)) = (last, run.first())
            && a.sort_key() > b.sort_key()
        {
            return false;
        }
        last = run.last().or(last);
    }
    true
}

/// Runs of findings joined into one vector, sized once.
fn joined(runs: Vec<Vec<Finding>>) -> Vec<Finding> {
    let mut all = Vec::with_capacity(runs.iter().map(Vec::len).sum());
    for run in runs {
        all.extend(run);
    }
    all
}

/// A file's runs of findings each sorted in report order, and merged into one (a stable sort
/// of their concatenation) if they overlap: objects come in the order of their lines, so
/// their runs almost always follow each other.
fn settle(runs: &mut Vec<Vec<Finding>>) {
    runs.retain(|r| !r.is_empty());
    for run in runs.iter_mut() {
        run.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    if !in_order(runs) {
        let mut all = joined(std::mem::take(runs));
        all.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        runs.push(all);
    }
}

/// What the second pass lints every file with.
#[derive(Clone, Copy)]
struct Pass<'a> {
    view: &'a KustView,
    settings: &'a Settings,
    rules: &'a [&'a Rule],
    shared: &'a [Shared],
    index: &'a Index,
    sources: &'a [Arc<SourceFile>],
}

/// Run every rule on one file: file rules, then each object's rules (in parallel); mark
/// the findings its annotations and comments set aside.
fn lint_file(
    pass: &Pass,
    fi: usize,
    f: &Loaded,
    input: &Input,
    offset: usize,
    result: &mut FileResult,
) {
    // A windowed file not linted alone (`lint_streamed`): one a rendered set found something
    // in (the whole file's comments mark those), or whose handle was not kept. Rare: read
    // whole.
    let whole;
    let f = if f.windowed.is_some() {
        whole = f.whole(input);
        &whole
    } else {
        f
    };
    lint_tree(pass, fi, f, offset, result);
    mark_file(pass, fi, &f.source, &f.suppressions, result);
}

/// A file of many objects linted `settings.parts` objects at a time: each part's findings
/// marked by its annotations and the file's comments, sorted and set down in a store
/// (memory, then disk); then every part's, the file rules' (with what rendered sets found
/// here, `extra`) and the suppressions' that set nothing aside merged into report order for
/// `sink`. The file's findings are never all held: 20,000 Deployments in one 3.4 MB file
/// made 220,000 findings, 195 MB held at once. A file of one part is linted as one. Gives
/// the number of objects and what went wrong, if it cannot be a finding.
fn lint_parted(
    pass: &Pass,
    fi: usize,
    f: &Loaded,
    input: &Input,
    extra: Vec<Finding>,
    offset: usize,
    sink: &mut dyn FnMut(Finding),
) -> (usize, Option<String>) {
    // A windowed file with findings of rendered sets (not linted a window at a time).
    let whole;
    let f = if f.windowed.is_some() {
        whole = f.whole(input);
        &whole
    } else {
        f
    };
    let objs = file_objects(fi, f, pass.view, pass.settings, offset);
    let at = At {
        file_index: fi,
        source: &f.source,
        name: f.source.name.clone(),
    };
    let comments = &f.suppressions;
    // Which ids of each comment marked something, part after part.
    let mut used = unused_flags(comments);
    let by_span = |x: &mut Vec<Finding>| x.sort_by_key(|f| (f.span.start, f.span.end));
    let in_order = |x: &mut Vec<Finding>| x.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut first = extra;
    first.extend(file_findings(pass, f, &at));
    by_span(&mut first);
    // Built once for the file's parts.
    let matcher = suppress::CommentMatcher::new(comments);
    mark_by_comments(&matcher, &mut first, &mut used);
    in_order(&mut first);
    let mut store = crate::store::Store::new(pass.settings.parts.1);
    // Each part's place in the store, with its first and last findings.
    let mut parts = Vec::new();
    let size = pass.settings.parts.0.max(1);
    let one = objs.resources.len() <= size;
    let mut only = Vec::new();
    let chunks: Vec<&[crate::object::Resource]> = objs.resources.chunks(size).collect();
    // A part's findings are set down while the next part is linted.
    let mut next = chunks.first().map(|p| object_findings(pass, &at, p));
    for k in 0..chunks.len() {
        let found = next.take().unwrap_or_default();
        let ahead = chunks.get(k + 1);
        let (_, linted) = rayon::join(
            || {
                set_down(
                    pass, &at, &matcher, found, &mut used, &mut store, &mut parts, &mut only, one,
                )
            },
            || ahead.map(|p| object_findings(pass, &at, p)),
        );
        next = linted;
    }
    let idle = comments
        .iter()
        .zip(&used)
        .map(|(s, u)| (s, u, SuppressionKind::Comment));
    let mut last = unused_findings(pass, &at, idle);
    in_order(&mut last);
    let count = objs.resources.len();
    // Parts that follow each other in report order, alone (their objects' findings lie in
    // their objects, which follow each other): read back in one go.
    let follow = parts
        .iter()
        .zip(parts.iter().skip(1))
        .all(|((_, _, a), (_, b, _))| a.sort_key() <= b.sort_key());
    if follow && first.is_empty() && only.is_empty() && last.is_empty() {
        drop(parts);
        return (count, store.drain_to(sink));
    }
    // Each run's next finding; the least goes to the sink (ties: the earlier run's first).
    let mut runs: Vec<Box<dyn Iterator<Item = Finding> + '_>> =
        vec![Box::new(first.into_iter()), Box::new(only.into_iter())];
    for (p, _, _) in parts {
        runs.push(Box::new(store.range(p)));
    }
    runs.push(Box::new(last.into_iter()));
    merge_runs(runs, sink);
    (count, store.failure())
}

/// One part of a file linted in parts (`lint_parted`): its objects' findings marked by the
/// file's comments (`used` adds up which ids marked something), with what its annotations
/// set aside of nothing, sorted and set down in `store` (`parts` says where), or kept in
/// `only` when the file is one part.
#[allow(clippy::too_many_arguments)]
fn set_down(
    pass: &Pass,
    at: &At,
    comments: &suppress::CommentMatcher,
    found: Vec<(Vec<Finding>, Vec<Applied>)>,
    used: &mut [Vec<bool>],
    store: &mut crate::store::Store,
    parts: &mut Vec<(std::ops::Range<usize>, Finding, Finding)>,
    only: &mut Vec<Finding>,
    one: bool,
) {
    let mut runs = Vec::with_capacity(found.len() + 2);
    let mut annotations = Vec::new();
    for (f, a) in found {
        runs.push(f);
        annotations.extend(a);
    }
    // As `mark_file` does: comments mark one run sorted by position.
    if !comments.comments().is_empty() {
        let mut all = joined(std::mem::take(&mut runs));
        all.sort_by_key(|f| (f.span.start, f.span.end));
        mark_by_comments(comments, &mut all, used);
        runs.push(all);
    }
    let idle = annotations
        .iter()
        .map(|(_, s, u)| (s, u, SuppressionKind::Annotation));
    runs.push(unused_findings(pass, at, idle));
    settle(&mut runs);
    if one {
        *only = joined(runs);
        return;
    }
    let head = runs.first().and_then(|r| r.first()).cloned();
    let tail = runs.last().and_then(|r| r.last()).cloned();
    let begin = store.len();
    runs.into_iter().flatten().for_each(|x| store.push(x));
    if let (Some(head), Some(tail)) = (head, tail) {
        parts.push((begin..store.len(), head, tail));
    }
}

/// Sorted runs merged into report order, one finding of each held at a time.
fn merge_runs(
    mut runs: Vec<Box<dyn Iterator<Item = Finding> + '_>>,
    sink: &mut dyn FnMut(Finding),
) {
    struct Head(Finding, usize);
    impl PartialEq for Head {
        fn eq(&self, other: &Self) -> bool {
            self.cmp(other) == std::cmp::Ordering::Equal
        }
    }
    impl Eq for Head {}
    impl PartialOrd for Head {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Head {
        // Reversed: the heap gives the least first.
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            (other.0.sort_key(), other.1).cmp(&(self.0.sort_key(), self.1))
        }
    }
    let mut heap = std::collections::BinaryHeap::with_capacity(runs.len());
    for (i, run) in runs.iter_mut().enumerate() {
        if let Some(f) = run.next() {
            heap.push(Head(f, i));
        }
    }
    while let Some(Head(f, i)) = heap.pop() {
        if let Some(next) = runs.get_mut(i).and_then(|r| r.next()) {
            heap.push(Head(next, i));
        }
        sink(f);
    }
}

/// A windowed file linted alone: each window's findings go to `sink` as soon as the window
/// is done (a large stream's findings are not all held). What went wrong with the file, if
/// it cannot be said as a finding.
fn lint_streamed(
    pass: &Pass,
    fi: usize,
    f: &Loaded,
    input: &Input,
    offset: usize,
    sink: &mut dyn FnMut(Finding),
) -> Option<String> {
    // The last window's findings, in report order (a window of many objects is linted in
    // parts, its findings set down on disk past a bound), and where it ends in the file.
    let done = std::sync::Mutex::new(None);
    // Bytes of the file whose findings were handed on.
    let mut handed = 0;
    let mut before = 0;
    let mut failure = None;
    let read = f.each_window_then(
        input,
        &mut |w, base| {
            let mut found = crate::store::Store::new(pass.settings.parts.1);
            let (count, failed) = lint_parted(
                pass,
                fi,
                w,
                input,
                Vec::new(),
                offset + before,
                &mut |mut x| {
                    x.shift(base.offset, base.lines);
                    found.push(x);
                },
            );
            before += count;
            *done.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((found, failed, base.offset + base.len));
        },
        &mut || {
            let taken = done.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some((found, failed, end)) = taken {
                let lost = found.drain_to(sink);
                failure = failure.take().or(failed).or(lost);
                handed = end;
            }
        },
    );
    if !read {
        // A window that cannot be read alone: the whole says the rest (what it says of the
        // windows handed on is what they said).
        let whole = f.whole(input);
        // Read whole, it says what the file as a whole is not (too large, unreadable, binary)
        // at its start: before what was handed on, too late for the report's order.
        if handed > 0
            && let Some(e) = whole.load_errors.first()
        {
            return Some(format!(
                "{}: changed while it was read, its first {handed} bytes linted: {}",
                f.source.name, e.message
            ));
        }
        let mut rest = |x: Finding| {
            if x.span.start >= handed {
                sink(x);
            }
        };
        let failed = lint_parted(pass, fi, &whole, input, Vec::new(), offset, &mut rest).1;
        failure = failure.or(failed);
    }
    failure
}

/// The file rules and each object's rules (in parallel) on one tree (a file, or a window of
/// one), objects numbered from `offset`; the findings go to `result` in runs, with the
/// annotations met. Gives the number of objects.
fn lint_tree(pass: &Pass, fi: usize, f: &Loaded, offset: usize, result: &mut FileResult) -> usize {
    let objs = file_objects(fi, f, pass.view, pass.settings, offset);
    let at = At {
        file_index: fi,
        source: &f.source,
        name: f.source.name.clone(),
    };
    result.findings.push(file_findings(pass, f, &at));
    let count = objs.resources.len();
    for (found, annotations) in object_findings(pass, &at, &objs.resources) {
        result.findings.push(found);
        result.annotations.extend(annotations);
    }
    count
}

/// The file rules' findings on one tree.
fn file_findings(pass: &Pass, f: &Loaded, at: &At) -> Vec<Finding> {
    let Pass { rules, shared, .. } = *pass;
    let facts = FileFacts {
        source: &f.source,
        stream: &f.stream,
        load_errors: &f.load_errors,
        suppressions: &f.suppressions,
    };
    let mut findings = Vec::new();
    for (rule, strings) in rules.iter().zip(shared) {
        let mut hits = Vec::new();
        let res = catch_unwind(AssertUnwindSafe(|| {
            rule.check.check_file(&facts, &mut hits)
        }));
        if let Err(p) = res {
            hits = vec![crash_hit(rule, &*p, Span::default())];
        }
        findings.extend(hits.into_iter().map(|h| {
            let root = doc_root(&f.stream, h.span);
            finding(rule, strings, h, at, None, Place::Root(root))
        }));
    }
    findings
}

/// Each object's findings (its rules run in parallel with other objects'), marked by its
/// annotations, and the annotations with the ids that marked something.
fn object_findings(
    pass: &Pass,
    at: &At,
    resources: &[crate::object::Resource],
) -> Vec<(Vec<Finding>, Vec<Applied>)> {
    let Pass {
        settings,
        rules,
        shared,
        index,
        sources,
        ..
    } = *pass;
    // Object rules: one task per object; a panic becomes a finding on that object. Every
    // rule runs: an `onus.dev/ignore` annotation marks the findings it covers, and which of
    // its ids marked something is kept, so that one that marks nothing is reported.
    resources
        .par_iter()
        .map(|res| {
            let mut out = Vec::new();
            // The pod view is built once per object, for every container rule; the
            // object's reference once for all its findings.
            let pod = crate::pod::PodView::of(res);
            let reference = Arc::new(res.reference());
            let memo = crate::rule::Memo::default();
            let cx = Cx {
                index,
                files: sources,
                pod: pod.as_ref(),
                kube_version: settings.kube_version,
                object_memo: Some(&memo),
            };
            let applying = rules.iter().zip(shared);
            for (rule, strings) in applying.filter(|(r, _)| r.applies_to(res, pod.is_some())) {
                let mut hits = Vec::new();
                let r = catch_unwind(AssertUnwindSafe(|| rule.check.check(&cx, res, &mut hits)));
                if let Err(p) = r {
                    hits = vec![crash_hit(rule, &*p, res.name_span())];
                }
                out.extend(hits.into_iter().map(|h| {
                    finding(
                        rule,
                        strings,
                        h,
                        at,
                        Some(&reference),
                        Place::Root(Some(res.root)),
                    )
                }));
            }
            let mut annotations: Vec<Applied> = suppress::annotations(res)
                .into_iter()
                .map(|a| {
                    let used = vec![false; a.rules.len()];
                    (res.file, a, used)
                })
                .collect();
            for f in &mut out {
                for (_, a, used) in &mut annotations {
                    if mark_used(a, used, &f.rule) && f.suppressed.is_none() {
                        f.suppressed = Some(a.mark(SuppressionKind::Annotation));
                    }
                }
            }
            (out, annotations)
        })
        .collect()
}

/// A file's findings marked by its `# onus: ignore` comments (their nodes found); then what
/// its suppressions (comments and annotations) set aside of nothing, as findings.
fn mark_file(
    pass: &Pass,
    fi: usize,
    source: &Arc<SourceFile>,
    suppressions: &[Suppression],
    result: &mut FileResult,
) {
    let at = At {
        file_index: fi,
        source,
        name: source.name.clone(),
    };
    let mut runs = std::mem::take(&mut result.findings);
    // `# onus: ignore` comments mark the findings in the node they speak of: in one run
    // sorted by position (sized once).
    let mut comments = Vec::new();
    if !suppressions.is_empty() {
        let mut all = joined(std::mem::take(&mut runs));
        all.sort_by_key(|f| (f.span.start, f.span.end));
        mark_comments(suppressions, &mut all, &mut comments, fi);
        runs.push(all);
    }
    let annotations = result
        .annotations
        .iter()
        .map(|(_, s, used)| (s, used, SuppressionKind::Annotation));
    let comments = comments.iter().map(|(_, s, used, kind)| (s, used, *kind));
    runs.push(unused_findings(pass, &at, annotations.chain(comments)));
    result.findings = runs;
}

/// Suppressions that set nothing aside, or name rules that do not exist, as findings.
fn unused_findings<'s>(
    pass: &Pass,
    at: &At,
    suppressions: impl Iterator<Item = (&'s Suppression, &'s Vec<bool>, SuppressionKind)>,
) -> Vec<Finding> {
    let Pass {
        settings,
        rules,
        shared,
        ..
    } = *pass;
    let mut findings = Vec::new();
    let ran: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    let known: Vec<&str> = if settings.known_rules.is_empty() {
        ran.clone()
    } else {
        settings.known_rules.iter().map(String::as_str).collect()
    };
    for (s, used, kind) in suppressions {
        let unused = suppress::Unused::new(s, kind, used, &ran, &known);
        if unused.is_empty() {
            continue;
        }
        for (rule, strings) in rules.iter().zip(shared) {
            let mut hits = Vec::new();
            rule.check.check_unused(&unused, &mut hits);
            findings.extend(
                hits.into_iter()
                    .map(|h| finding(rule, strings, h, at, None, Place::Root(None))),
            );
        }
    }
    findings
}

fn crash_hit(rule: &Rule, payload: &(dyn std::any::Any + Send), span: Span) -> Hit {
    Hit::new(
        span,
        format!(
            "rule {} failed on this input (internal error: {}); please report it",
            rule.id,
            panic_message(payload)
        ),
    )
}

/// What every finding of a rule shares, made once per run.
struct Shared {
    id: Arc<str>,
    responsibility: Arc<str>,
    /// The help of findings that bring none of their own.
    help: Arc<str>,
}

impl Shared {
    fn of(rule: &Rule) -> Shared {
        Shared {
            id: Arc::from(rule.id.as_str()),
            responsibility: Arc::from(rule.responsibility.as_str()),
            help: Arc::from(sentence(&first_paragraph(&rule.remediation))),
        }
    }
}

/// The file findings are made in.
struct At<'a> {
    file_index: usize,
    source: &'a SourceFile,
    name: Arc<str>,
}

/// How a finding's YAML path is found: from the object's root (None: no object), or given.
enum Place<'a> {
    Root(Option<NodeRef<'a>>),
    Path(String),
}

fn finding(
    rule: &Rule,
    shared: &Shared,
    hit: Hit,
    at: &At,
    reference: Option<&Arc<crate::finding::ResourceRef>>,
    place: Place,
) -> Finding {
    let source = at.source;
    let len = source.text.len();
    let span = Span::new(hit.span.start.min(len), hit.span.end.min(len));
    let path = match place {
        Place::Root(root) => root
            .map(|r| crate::path::path_to(r, span))
            .unwrap_or_default(),
        Place::Path(p) => p,
    };
    let (kind, ns, name) = reference.as_ref().map_or(("", "", ""), |r| {
        (
            r.kind.as_str(),
            r.namespace.as_deref().unwrap_or(""),
            r.name.as_deref().unwrap_or(""),
        )
    });
    // Without a path (a file-level finding), the message tells findings apart.
    let what = if path.is_empty() {
        hit.message.as_str()
    } else {
        ""
    };
    let fingerprint = match &hit.identity {
        Some(identity) => crate::path::fingerprint(&[&rule.id, identity]),
        None => crate::path::fingerprint(&[&rule.id, &source.name, kind, ns, name, &path, what]),
    };
    let (line, column) = source.position(span.start);
    let (end_line, end_column) = source.position(span.end);
    Finding {
        rule: shared.id.clone(),
        severity: hit.severity.map_or(rule.severity, |s| s.min(rule.severity)),
        message: hit.message,
        file_index: at.file_index,
        file: at.name.clone(),
        span,
        line,
        column,
        end_line,
        end_column,
        label: hit.label,
        related: hit
            .related
            .into_iter()
            .map(|(span, label)| Related { span, label })
            .collect(),
        resource: reference.cloned(),
        responsibility: shared.responsibility.clone(),
        help: match hit.help {
            Some(h) => Arc::from(sentence(&h)),
            None => shared.help.clone(),
        },
        suppressed: None,
        path,
        fingerprint,
    }
}

/// The root of the document of a stream that holds `span` (documents are in text order).
fn doc_root(stream: &yaml::Stream, span: Span) -> Option<NodeRef<'_>> {
    let i = stream
        .documents
        .partition_point(|d| d.start <= span.start)
        .checked_sub(1)?;
    NodeRef::root(stream.documents.get(i)?)
}

/// Help lines in one style: a sentence, capitalised, ending with a full stop.
fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// The first paragraph of a rule's remediation, on one line.
pub fn first_paragraph(text: &str) -> String {
    text.split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding told apart by `file_index` alone (its id here); the rest makes its sort key.
    fn found(id: usize, file: &str, line: usize, message: &str) -> Finding {
        Finding {
            rule: Arc::from("host-path-volume"),
            severity: crate::finding::Severity::Warning,
            message: message.into(),
            file_index: id,
            file: Arc::from(file),
            span: Span::default(),
            line,
            column: 1,
            end_line: line,
            end_column: 2,
            label: None,
            related: Vec::new(),
            resource: None,
            responsibility: Arc::from(""),
            help: Arc::from(""),
            suppressed: None,
            path: String::new(),
            fingerprint: String::new(),
        }
    }

    /// Runs in name order go on as they are; runs out of order, or overlapping, are sorted
    /// together: either way the order is that of one stable sort of their concatenation
    /// (ties, equal keys in two runs, keep the runs' order).
    #[test]
    fn sorted_runs_come_out_as_one_stable_sort_would_give_them() {
        // Runs of (file, line, message).
        type Runs<'a> = Vec<Vec<(&'a str, usize, &'a str)>>;
        let cases: Vec<Runs> = vec![
            vec![
                vec![("a", 1, "x"), ("a", 2, "x")],
                vec![],
                vec![("b", 1, "x")],
            ],
            vec![vec![("b", 1, "x")], vec![("a", 5, "x"), ("a", 9, "x")]],
            vec![vec![("a", 1, "x"), ("a", 3, "x")], vec![("a", 2, "x")]],
            vec![
                vec![("a", 1, "x")],
                vec![("a", 1, "x")],
                vec![("a", 1, "x")],
            ],
            vec![
                vec![("a", 2, "y")],
                vec![("a", 2, "x"), ("a", 2, "y")],
                vec![],
            ],
            vec![vec![], vec![("c", 1, "x")], vec![], vec![("b", 1, "x")]],
        ];
        for runs in cases {
            let mut id = 0;
            let runs: Vec<Vec<Finding>> = runs
                .into_iter()
                .map(|run| {
                    let mut run: Vec<Finding> = run
                        .into_iter()
                        .map(|(file, line, message)| {
                            id += 1;
                            found(id, file, line, message)
                        })
                        .collect();
                    run.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                    run
                })
                .collect();
            let mut expected: Vec<Finding> = runs.iter().flatten().cloned().collect();
            expected.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            let mut got = Vec::new();
            emit_sorted(runs, &mut |f| got.push(f.file_index));
            let expected: Vec<usize> = expected.iter().map(|f| f.file_index).collect();
            assert_eq!(got, expected);
        }
    }

    /// A JSON stream of more values than a file may hold documents: the first ones read, one
    /// error where the next value starts, the rest not read (21 M `{}` fit in 64 MiB).
    #[test]
    fn a_json_stream_holds_at_most_max_documents() {
        let n = yaml::MAX_DOCUMENTS;
        let text = format!("{}  {{\"a\": 1}}\n", "{\"a\": 1}\n".repeat(n));
        let source = Arc::new(SourceFile::new(
            Arc::from("s.json"),
            yaml::Text::from(text.as_str()),
        ));
        let stream = parse(&source);
        assert_eq!(stream.documents.len(), n);
        assert_eq!(stream.errors.len(), 1);
        assert_eq!(stream.errors[0].offset, n * 9 + 2);
        assert!(stream.errors[0].message.contains("documents in one file"));
    }

    /// A file's runs, unsorted (an object's findings come rule by rule), settle into sorted
    /// runs that follow each other, in the order of one stable sort of their concatenation;
    /// runs that follow each other stay apart (not copied into one).
    #[test]
    fn a_files_runs_settle_as_one_stable_sort_would_order_them() {
        type Runs<'a> = Vec<Vec<(usize, &'a str)>>;
        let cases: Vec<(Runs, usize)> = vec![
            (
                vec![vec![(3, "x"), (1, "x")], vec![], vec![(5, "x"), (4, "x")]],
                2,
            ),
            (vec![vec![(1, "x"), (6, "x")], vec![(4, "x")]], 1),
            (
                vec![vec![(2, "y"), (2, "x")], vec![(2, "x")], vec![(2, "y")]],
                1,
            ),
            (vec![vec![(2, "x")], vec![(2, "x")], vec![(3, "a")]], 3),
            (vec![vec![], vec![]], 0),
        ];
        for (runs, settled) in cases {
            let mut id = 0;
            let mut runs: Vec<Vec<Finding>> = runs
                .into_iter()
                .map(|run| {
                    run.into_iter()
                        .map(|(line, message)| {
                            id += 1;
                            found(id, "a", line, message)
                        })
                        .collect()
                })
                .collect();
            let mut expected: Vec<Finding> = runs.iter().flatten().cloned().collect();
            expected.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            settle(&mut runs);
            assert_eq!(runs.len(), settled);
            let got: Vec<usize> = runs.iter().flatten().map(|f| f.file_index).collect();
            let expected: Vec<usize> = expected.iter().map(|f| f.file_index).collect();
            assert_eq!(got, expected);
        }
    }
}
