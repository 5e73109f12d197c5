//! The findings of a run, kept within a memory budget: past it they are encoded and written
//! to an unlinked temporary file, then read back in order for each report. A large set (a
//! hundred thousand findings) then costs the disk, not the memory.

use crate::finding::{Finding, Related, ResourceRef, Severity};
use crate::suppress::{Suppressed, SuppressionKind};
use crate::yaml::Span;
use std::borrow::Cow;
use std::sync::{Arc, Mutex};

/// Findings kept in memory before the rest goes to disk (`ONUS_FINDINGS_BYTES` sets it).
pub const MEMORY_BYTES: usize = 4 << 20;

/// Findings in report order.
pub struct Store {
    mem: Vec<Finding>,
    mem_bytes: usize,
    budget: usize,
    spill: Option<Spill>,
    len: usize,
    /// Why the spilled findings could not all be read back (the report is then incomplete,
    /// and the run says so).
    failure: Mutex<Option<String>>,
}

struct Spill {
    file: std::fs::File,
    /// Bytes written.
    end: u64,
    /// Where each finding written starts (for `get`).
    offsets: Vec<u64>,
}

impl Store {
    /// A store that keeps `budget` bytes of findings in memory.
    pub fn new(budget: usize) -> Store {
        Store {
            mem: Vec::new(),
            mem_bytes: 0,
            budget,
            spill: None,
            len: 0,
            failure: Mutex::new(None),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Add the next finding (in report order).
    pub fn push(&mut self, f: Finding) {
        self.mem_bytes = self.mem_bytes.saturating_add(weight(&f));
        self.mem.push(f);
        self.len += 1;
        if self.mem_bytes > self.budget {
            self.write_out();
        }
    }

    /// Move the findings held in memory to the file; if no file can be written they stay.
    fn write_out(&mut self) {
        if self.spill.is_none() {
            match temp_file() {
                Ok(file) => {
                    self.spill = Some(Spill {
                        file,
                        end: 0,
                        offsets: Vec::new(),
                    })
                }
                Err(_) => {
                    // Nowhere to write: keep everything in memory from now on.
                    self.budget = usize::MAX;
                    return;
                }
            }
        }
        let Some(spill) = &mut self.spill else {
            return;
        };
        // Written a block at a time: the findings are not held twice.
        let mut buf = Vec::with_capacity(BLOCK + 4096);
        let mut end = spill.end;
        let mut ok = true;
        let count = self.mem.len();
        let mut offsets = Vec::with_capacity(count);
        for (n, f) in self.mem.iter().enumerate() {
            let start = buf.len();
            offsets.push(end + start as u64);
            buf.extend_from_slice(&[0; 4]);
            encode(f, &mut buf);
            let len = u32::try_from(buf.len() - start - 4).unwrap_or(u32::MAX);
            if let Some(prefix) = buf.get_mut(start..start + 4) {
                prefix.copy_from_slice(&len.to_le_bytes());
            }
            if buf.len() >= BLOCK || n + 1 == count {
                if write_at(&spill.file, &buf, end).is_err() {
                    ok = false;
                    break;
                }
                end += buf.len() as u64;
                buf.clear();
            }
        }
        if ok {
            spill.end = end;
            spill.offsets.extend(offsets);
            self.mem.clear();
            self.mem.shrink_to(1024);
            self.mem_bytes = 0;
        } else {
            // What was written past `spill.end` is ignored: the findings stay in memory.
            self.budget = usize::MAX;
        }
    }

    /// A reader of the findings on disk, from the start.
    fn reader(&self) -> Option<Reader<'_>> {
        self.spill.as_ref().map(|s| Reader {
            file: &s.file,
            pos: 0,
            end: s.end,
            buf: Vec::new(),
            at: 0,
            store: self,
            shared: Shared::default(),
            block: BLOCK,
        })
    }

    /// Findings `range` (in the order pushed), read back in order with a small buffer of
    /// their own: a file linted in parts merges its parts' ranges, one reader each.
    pub fn range(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = Finding> + '_ {
        let spilled = self.spill.as_ref().map_or(0, |s| s.offsets.len());
        let disk = range.start.min(spilled)..range.end.min(spilled);
        let reader = self.spill.as_ref().and_then(|s| {
            let pos = *s.offsets.get(disk.start).filter(|_| !disk.is_empty())?;
            Some(Reader {
                file: &s.file,
                pos,
                end: s.offsets.get(disk.end).copied().unwrap_or(s.end),
                buf: Vec::new(),
                at: 0,
                store: self,
                shared: Shared::default(),
                block: RANGE_BLOCK,
            })
        });
        let mem = self
            .mem
            .get(range.start.saturating_sub(spilled)..range.end.saturating_sub(spilled))
            .unwrap_or_default();
        reader.into_iter().flatten().chain(mem.iter().cloned())
    }

    /// Every finding in order: those on disk decoded, those in memory borrowed.
    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, Finding>> {
        let spilled = self.reader();
        spilled
            .into_iter()
            .flatten()
            .map(Cow::Owned)
            .chain(self.mem.iter().map(Cow::Borrowed))
    }

    /// Every finding in order, up to `n` at a time: those on disk read back in order and
    /// decoded on the pool's threads (a large report's decoding is no serial tail), those in
    /// memory borrowed. A window is never empty; the one where the disk's findings end may be
    /// short.
    pub fn windows(&self, n: usize) -> impl Iterator<Item = Vec<Cow<'_, Finding>>> {
        use rayon::prelude::*;
        let n = n.max(1);
        let mut spilled = self.reader();
        let mut mem = self.mem.iter();
        std::iter::from_fn(move || {
            let mut out: Vec<Cow<'_, Finding>> = Vec::with_capacity(n);
            if let Some(reader) = &mut spilled {
                // The records copied out in order, then decoded in pieces in parallel.
                let mut bytes = Vec::new();
                let mut ranges = Vec::with_capacity(n);
                let mut done = false;
                while ranges.len() < n {
                    match reader.next_raw() {
                        Ok(Some(at)) => {
                            let start = bytes.len();
                            bytes.extend_from_slice(reader.buf.get(at).unwrap_or_default());
                            ranges.push(start..bytes.len());
                        }
                        Ok(None) => {
                            done = true;
                            break;
                        }
                        Err(e) => {
                            self.fail_reading(&e);
                            done = true;
                            break;
                        }
                    }
                }
                let pieces: Vec<Vec<Option<Finding>>> = ranges
                    .par_chunks(DECODE_PIECE)
                    .map(|piece| {
                        let mut shared = Shared::default();
                        piece
                            .iter()
                            .map(|r| {
                                let mut d = Decoder {
                                    bytes: bytes.get(r.clone())?,
                                    at: 0,
                                };
                                d.finding(&mut shared)
                            })
                            .collect()
                    })
                    .collect();
                for f in pieces.into_iter().flatten() {
                    match f {
                        Some(f) => out.push(Cow::Owned(f)),
                        None => {
                            // As `iter` does: the rest of the disk is not read.
                            self.fail_reading("a finding does not decode");
                            done = true;
                            break;
                        }
                    }
                }
                if done {
                    spilled = None;
                }
            }
            out.extend(mem.by_ref().take(n - out.len()).map(Cow::Borrowed));
            (!out.is_empty()).then_some(out)
        })
    }

    /// Every finding in order to `sink`, those in memory moved (not copied); why those on
    /// disk could not all be read back, if they could not.
    pub fn drain_to(mut self, sink: &mut dyn FnMut(Finding)) -> Option<String> {
        let mem = std::mem::take(&mut self.mem);
        if let Some(reader) = self.reader() {
            reader.for_each(&mut *sink);
        }
        mem.into_iter().for_each(sink);
        self.failure()
    }

    /// Finding `i` (in the order pushed): from memory, or read back from disk; None past the
    /// end or when it cannot be read (the store then records the failure).
    pub fn get(&self, i: usize) -> Option<Finding> {
        let spilled = self.spill.as_ref().map_or(0, |s| s.offsets.len());
        if i >= spilled {
            return self.mem.get(i - spilled).cloned();
        }
        let spill = self.spill.as_ref()?;
        let at = *spill.offsets.get(i)?;
        let read = || -> Result<Finding, String> {
            let mut len = [0u8; 4];
            read_exact_at(&spill.file, &mut len, at)?;
            let mut bytes = vec![0u8; u32::from_le_bytes(len) as usize];
            read_exact_at(&spill.file, &mut bytes, at + 4)?;
            let mut d = Decoder {
                bytes: &bytes,
                at: 0,
            };
            d.finding(&mut Shared::default())
                .ok_or_else(|| "a finding does not decode".to_string())
        };
        match read() {
            Ok(f) => Some(f),
            Err(e) => {
                self.fail_reading(&e);
                None
            }
        }
    }

    /// Rewrite every finding (the baseline marks what it has just recorded).
    pub fn map(self, mut f: impl FnMut(&mut Finding)) -> Store {
        let mut out = Store::new(self.budget);
        for mut x in self.iter().map(Cow::into_owned) {
            f(&mut x);
            out.push(x);
        }
        if let Some(e) = self.failure() {
            out.fail(e);
        }
        out
    }

    /// Why spilled findings could not be read back, if they could not.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|g| g.clone())
    }

    /// Findings on disk could not be read back: the report misses the rest of them.
    fn fail_reading(&self, why: &str) {
        self.fail(format!(
            "cannot read back the findings written to disk: {why}"
        ));
    }

    fn fail(&self, e: String) {
        if let Ok(mut g) = self.failure.lock() {
            g.get_or_insert(e);
        }
    }
}

/// About the memory a finding holds.
fn weight(f: &Finding) -> usize {
    std::mem::size_of::<Finding>()
        + f.message.len()
        + f.path.len()
        + f.fingerprint.len()
        + f.label.as_ref().map_or(0, String::len)
        + f.related
            .iter()
            .map(|r| std::mem::size_of::<Related>() + r.label.len())
            .sum::<usize>()
        + f.suppressed
            .as_ref()
            .and_then(|s| s.reason.as_ref())
            .map_or(0, String::len)
}

/// A file only this process can reach: created, then unlinked while open, so that it
/// vanishes with the process whatever happens.
fn temp_file() -> std::io::Result<std::fs::File> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir();
    for _ in 0..16 {
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("onus-{}-{n}.findings", std::process::id()));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => {
                #[cfg(unix)]
                let _ = std::fs::remove_file(&path);
                #[cfg(not(unix))]
                {
                    // Elsewhere an open file cannot be unlinked: keep it in memory instead.
                    let _ = std::fs::remove_file(&path);
                    drop(file);
                    return Err(std::io::Error::other("no unlinked files here"));
                }
                #[cfg(unix)]
                return Ok(file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}

#[cfg(unix)]
fn write_at(file: &std::fs::File, buf: &[u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, at)
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(not(unix))]
fn write_at(_: &std::fs::File, _: &[u8], _: u64) -> std::io::Result<()> {
    Err(std::io::Error::other("unsupported"))
}

#[cfg(not(unix))]
fn read_at(_: &std::fs::File, _: &mut [u8], _: u64) -> std::io::Result<usize> {
    Err(std::io::Error::other("unsupported"))
}

fn read_exact_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> Result<(), String> {
    let mut done = 0;
    while done < buf.len() {
        let into = buf.get_mut(done..).ok_or("buffer")?;
        let got = read_at(file, into, at + done as u64).map_err(|e| e.to_string())?;
        if got == 0 {
            return Err("the file is shorter than written".into());
        }
        done += got;
    }
    Ok(())
}

/// Reads the spilled findings back, a block at a time (each iteration has its own position).
struct Reader<'a> {
    file: &'a std::fs::File,
    /// Next byte of the file to read into `buf`.
    pos: u64,
    end: u64,
    buf: Vec<u8>,
    /// Next byte of `buf` to decode.
    at: usize,
    store: &'a Store,
    /// The last rule, file, duty and help read: most findings repeat them, and share them.
    shared: Shared,
    /// Bytes read at a time.
    block: usize,
}

#[derive(Default)]
struct Shared([Option<Arc<str>>; 4]);

impl Shared {
    fn get(&mut self, n: usize, s: &str) -> Arc<str> {
        match self.0.get_mut(n) {
            Some(Some(last)) if **last == *s => last.clone(),
            Some(slot) => {
                let a: Arc<str> = Arc::from(s);
                *slot = Some(a.clone());
                a
            }
            None => Arc::from(s),
        }
    }
}

const BLOCK: usize = 256 << 10;

/// Bytes read at a time by a reader of a range (many may be open at once).
const RANGE_BLOCK: usize = 16 << 10;

/// Findings decoded by one task of `Store::windows`.
const DECODE_PIECE: usize = 256;

impl Reader<'_> {
    /// Make `n` bytes available from `at`; false at the end or on an error.
    fn fill(&mut self, n: usize) -> Result<bool, String> {
        while self.buf.len() - self.at < n {
            if self.pos >= self.end {
                return if self.buf.len() == self.at {
                    Ok(false)
                } else {
                    Err("the file ends inside a finding".into())
                };
            }
            self.buf.drain(..self.at);
            self.at = 0;
            let have = self.buf.len();
            // At least a block, and at least what is missing; never past the end.
            let left = usize::try_from(self.end - self.pos).unwrap_or(usize::MAX);
            let want = self.block.max(n - have).min(left);
            self.buf.resize(have + want, 0);
            let into = self.buf.get_mut(have..).ok_or("buffer")?;
            let got = read_at(self.file, into, self.pos).map_err(|e| e.to_string())?;
            self.buf.truncate(have + got);
            if got == 0 {
                return Err("the file is shorter than written".into());
            }
            self.pos += got as u64;
        }
        Ok(true)
    }

    fn next_finding(&mut self) -> Result<Option<Finding>, String> {
        let Some(at) = self.next_raw()? else {
            return Ok(None);
        };
        let mut d = Decoder {
            bytes: self.buf.get(at).ok_or("short finding")?,
            at: 0,
        };
        d.finding(&mut self.shared)
            .map(Some)
            .ok_or_else(|| "a finding does not decode".into())
    }

    /// Where the next finding's record, as written, lies in `buf`.
    fn next_raw(&mut self) -> Result<Option<std::ops::Range<usize>>, String> {
        if !self.fill(4)? {
            return Ok(None);
        }
        let mut len = [0u8; 4];
        len.copy_from_slice(self.buf.get(self.at..self.at + 4).ok_or("short prefix")?);
        self.at += 4;
        let len = u32::from_le_bytes(len) as usize;
        if !self.fill(len)? {
            return Err("a finding is missing".into());
        }
        let start = self.at;
        self.at += len;
        Ok(Some(start..start + len))
    }
}

impl Iterator for Reader<'_> {
    type Item = Finding;
    fn next(&mut self) -> Option<Finding> {
        match self.next_finding() {
            Ok(f) => f,
            Err(e) => {
                self.store.fail_reading(&e);
                self.pos = self.end;
                self.at = self.buf.len();
                None
            }
        }
    }
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    // LEB128: most numbers (lines, columns) take a byte or two.
    let mut n = n;
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

fn encode(f: &Finding, out: &mut Vec<u8>) {
    put_str(out, &f.rule);
    out.push(match f.severity {
        Severity::Info => 0,
        Severity::Warning => 1,
        Severity::Error => 2,
    });
    put_str(out, &f.message);
    put_u64(out, f.file_index as u64);
    put_str(out, &f.file);
    for n in [
        f.span.start,
        f.span.end,
        f.line,
        f.column,
        f.end_line,
        f.end_column,
    ] {
        put_u64(out, n as u64);
    }
    put_opt(out, f.label.as_deref());
    put_u64(out, f.related.len() as u64);
    for r in &f.related {
        put_u64(out, r.span.start as u64);
        put_u64(out, r.span.end as u64);
        put_str(out, &r.label);
    }
    match &f.resource {
        None => out.push(0),
        Some(r) => {
            out.push(1);
            put_str(out, &r.api_version);
            put_str(out, &r.kind);
            put_opt(out, r.namespace.as_deref());
            put_opt(out, r.name.as_deref());
        }
    }
    put_str(out, &f.responsibility);
    put_str(out, &f.help);
    match &f.suppressed {
        None => out.push(0),
        Some(s) => {
            out.push(match s.kind {
                SuppressionKind::Comment => 1,
                SuppressionKind::Annotation => 2,
                SuppressionKind::Config => 3,
                SuppressionKind::Baseline => 4,
            });
            put_opt(out, s.reason.as_deref());
        }
    }
    put_str(out, &f.path);
    put_str(out, &f.fingerprint);
}

struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Decoder<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn u64(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    fn str(&mut self) -> Option<&str> {
        let len = self.usize()?;
        let bytes = self.bytes.get(self.at..self.at.checked_add(len)?)?;
        self.at += len;
        std::str::from_utf8(bytes).ok()
    }

    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_string)
    }

    fn opt(&mut self) -> Option<Option<String>> {
        match self.byte()? {
            0 => Some(None),
            1 => Some(Some(self.string()?)),
            _ => None,
        }
    }

    fn finding(&mut self, shared: &mut Shared) -> Option<Finding> {
        let rule = shared.get(0, self.str()?);
        let severity = match self.byte()? {
            0 => Severity::Info,
            1 => Severity::Warning,
            2 => Severity::Error,
            _ => return None,
        };
        let message = self.string()?;
        let file_index = self.usize()?;
        let file = shared.get(1, self.str()?);
        let span = Span {
            start: self.usize()?,
            end: self.usize()?,
        };
        let (line, column, end_line, end_column) =
            (self.usize()?, self.usize()?, self.usize()?, self.usize()?);
        let label = self.opt()?;
        let n = self.usize()?;
        let mut related = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let span = Span {
                start: self.usize()?,
                end: self.usize()?,
            };
            related.push(Related {
                span,
                label: self.string()?,
            });
        }
        let resource = match self.byte()? {
            0 => None,
            1 => Some(Arc::new(ResourceRef {
                api_version: self.string()?,
                kind: self.string()?,
                namespace: self.opt()?,
                name: self.opt()?,
            })),
            _ => return None,
        };
        let responsibility = shared.get(2, self.str()?);
        let help = shared.get(3, self.str()?);
        let suppressed = match self.byte()? {
            0 => None,
            k => Some(Suppressed {
                kind: match k {
                    1 => SuppressionKind::Comment,
                    2 => SuppressionKind::Annotation,
                    3 => SuppressionKind::Config,
                    4 => SuppressionKind::Baseline,
                    _ => return None,
                },
                reason: self.opt()?,
            }),
        };
        let path = self.string()?;
        let fingerprint = self.string()?;
        (self.at == self.bytes.len()).then_some(Finding {
            rule,
            severity,
            message,
            file_index,
            file,
            span,
            line,
            column,
            end_line,
            end_column,
            label,
            related,
            resource,
            responsibility,
            help,
            suppressed,
            path,
            fingerprint,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(n: usize, full: bool) -> Finding {
        Finding {
            rule: Arc::from("host-path-volume"),
            severity: [Severity::Info, Severity::Warning, Severity::Error][n % 3],
            message: format!("volume `v{n}` mounts the node's filesystem: é ✓"),
            file_index: n,
            file: Arc::from(format!("deploy/{n}.yaml").as_str()),
            span: Span {
                start: n * 1000,
                end: n * 1000 + 300,
            },
            line: n + 1,
            column: 7,
            end_line: n + 200,
            end_column: 1 << 20,
            label: full.then(|| "here".to_string()),
            related: if full {
                vec![Related {
                    span: Span { start: 1, end: 2 },
                    label: "policy".into(),
                }]
            } else {
                Vec::new()
            },
            resource: full.then(|| {
                Arc::new(ResourceRef {
                    api_version: "apps/v1".into(),
                    kind: "Deployment".into(),
                    namespace: Some("media".into()),
                    name: None,
                })
            }),
            responsibility: Arc::from("1.1/no-local-persistent-data"),
            help: Arc::from(""),
            suppressed: full.then(|| Suppressed {
                kind: SuppressionKind::Baseline,
                reason: Some("recorded".into()),
            }),
            path: "spec.volumes[name=v].hostPath".into(),
            fingerprint: format!("{n:016x}"),
        }
    }

    fn dump<'a>(it: impl Iterator<Item = Cow<'a, Finding>>) -> Vec<String> {
        it.map(|f| format!("{:?}", &*f)).collect()
    }

    #[test]
    fn findings_written_to_disk_come_back_the_same_and_in_order() {
        let all: Vec<Finding> = (0..2000).map(|n| finding(n, n % 2 == 0)).collect();
        let want = dump(all.iter().map(Cow::Borrowed));
        for budget in [0, 10_000, usize::MAX] {
            let mut s = Store::new(budget);
            for f in &all {
                s.push(f.clone());
            }
            assert_eq!(s.len(), all.len());
            // Twice: each iteration reads from the start.
            assert_eq!(dump(s.iter()), want, "budget {budget}");
            assert_eq!(dump(s.iter()), want, "budget {budget}, again");
            assert_eq!(s.failure(), None);
            // Any one, in any order, from disk or memory.
            for i in [1999, 0, 1000, 7, 1998] {
                assert_eq!(s.get(i).map(|f| format!("{f:?}")).as_ref(), want.get(i));
            }
            assert!(s.get(2000).is_none());
            // Ranges, each read on its own, from disk, memory or both.
            for r in [0..0, 0..1, 3..700, 1500..2000, 0..2000, 1999..2000] {
                let got: Vec<String> = s.range(r.clone()).map(|f| format!("{f:?}")).collect();
                assert_eq!(Some(got.as_slice()), want.get(r.clone()), "{r:?}");
            }
            // In windows, decoded in parallel: the same findings in the same order, no
            // window empty or larger than asked.
            for n in [1, 3, 256, 257, 5000] {
                let windows: Vec<Vec<Cow<Finding>>> = s.windows(n).collect();
                assert!(windows.iter().all(|w| !w.is_empty() && w.len() <= n), "{n}");
                assert_eq!(
                    dump(windows.into_iter().flatten()),
                    want,
                    "budget {budget}, {n}"
                );
            }
            assert_eq!(s.failure(), None);
            let marked = s.map(|f| f.line += 1);
            assert!(marked.iter().zip(&all).all(|(a, b)| a.line == b.line + 1));
        }
    }

    #[test]
    fn a_damaged_record_is_a_failure_not_a_panic() {
        let mut out = Vec::new();
        encode(&finding(3, true), &mut out);
        for cut in 0..out.len() {
            let mut d = Decoder {
                bytes: out.get(..cut).unwrap_or_default(),
                at: 0,
            };
            assert!(d.finding(&mut Shared::default()).is_none(), "cut at {cut}");
        }
        let mut d = Decoder { bytes: &out, at: 0 };
        assert!(d.finding(&mut Shared::default()).is_some());
    }

    /// A record on disk that no longer decodes ends the reading back, in windows as one by
    /// one: what came before it is given, the store says why the rest is missing.
    #[test]
    fn a_damaged_file_stops_the_windows_and_says_so() {
        let all: Vec<Finding> = (0..600).map(|n| finding(n, true)).collect();
        let mut s = Store::new(0);
        for f in &all {
            s.push(f.clone());
        }
        let Some(spill) = &s.spill else {
            panic!("a store of budget 0 writes to disk");
        };
        // Finding 300's record: its length prefix kept, its bytes made undecodable.
        let at = spill.offsets[300];
        let next = spill.offsets[301];
        write_at(&spill.file, &vec![0xff; (next - at - 4) as usize], at + 4).unwrap();
        let got: Vec<Cow<Finding>> = s.windows(128).flatten().collect();
        assert_eq!(got.len(), 300);
        assert_eq!(
            dump(got.into_iter()),
            dump(all.iter().take(300).map(Cow::Borrowed))
        );
        assert!(s.failure().is_some_and(|e| e.contains("does not decode")));
    }
}
