//! A large file's text read again for its findings' snippets: forward, a block at a time,
//! holding the lines the findings at hand show, not the file. The human report of a 55 MB
//! file held its text and line index whole (87.5 MB at its peak) for a few lines a finding.

use crate::source::SourceFile;
use crate::yaml::Span;
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

/// Whole lines of a file: `text` is the file's from byte `offset`, where 0-based line `line`
/// starts. Spans and lines are the file's.
pub struct Excerpt {
    text: SourceFile,
    offset: usize,
    line: usize,
}

impl Excerpt {
    /// The file's byte range of the line holding `at`, without its line break.
    pub fn line_span(&self, at: usize) -> Span {
        let s = self.text.line_span(at.saturating_sub(self.offset));
        Span::new(s.start + self.offset, s.end + self.offset)
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span
            .offset()
            .checked_sub(self.offset)
            .ok_or(MietteError::OutOfBounds)?;
        let inner = self
            .text
            .read_span(&(start, span.len()).into(), before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.text.name.to_string(),
            inner.data(),
            (inner.span().offset() + self.offset, inner.span().len()).into(),
            inner.line() + self.line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// Lines an excerpt holds before and after the lines of its places: more than the snippets'
/// context line (miette's default, which the report keeps).
const CONTEXT: usize = 2;
/// Bytes read at a time.
const BLOCK: usize = 64 << 10;
/// Text kept behind the finding at hand: a finding's other places are in its own object,
/// before or after it; further back, the reader goes back to a line start it passed.
const BEHIND: usize = 64 << 10;
/// The most text held for one finding: beyond it (a line of megabytes, minified JSON), the
/// file is read whole, as before.
const MOST: usize = 8 << 20;

/// A file read forward for the excerpts its findings show, in file order.
pub struct Excerpts {
    file: std::fs::File,
    name: Arc<str>,
    /// The file's bytes from `start` (a line start, 0-based line `line`) are `held`.
    start: usize,
    line: usize,
    held: String,
    /// A place in `held` and the line breaks before it: the next excerpt counts on from it.
    seen: (usize, usize),
    /// Bytes read that end in a character not finished yet.
    tail: Vec<u8>,
    /// Read to the file's end.
    end: bool,
    /// Line starts passed (byte, line), about `BEHIND` apart, to go back to.
    marks: Vec<(usize, usize)>,
    block: usize,
}

impl Excerpts {
    /// A regular file of `from` bytes or more whose bytes are its text (not UTF-16, which
    /// onus decodes); otherwise None, and the file is read whole.
    pub fn open(source: &SourceFile, from: usize) -> Option<Excerpts> {
        Self::with_block(source, from, BLOCK)
    }

    fn with_block(source: &SourceFile, from: usize, block: usize) -> Option<Excerpts> {
        let (name, path) = (&source.name, source.path());
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || meta.len() < from as u64 {
            return None;
        }
        let mut file = std::fs::File::open(path).ok()?;
        let mut first = [0u8; 2];
        file.read_exact(&mut first).ok()?;
        // UTF-16, with a byte-order mark or without, as the engine tells it.
        if crate::engine::utf16_body(&first).is_some() {
            return None;
        }
        file.seek(SeekFrom::Start(0)).ok()?;
        Some(Excerpts {
            file,
            name: name.clone(),
            start: 0,
            line: 0,
            held: String::new(),
            seen: (0, 0),
            tail: Vec::new(),
            end: false,
            marks: vec![(0, 0)],
            block: block.max(1),
        })
    }

    /// One more block read. Err: the file cannot be read on, or its bytes are not UTF-8
    /// (onus read it with replacement characters, which move what follows: read it whole).
    fn fill(&mut self) -> Result<(), ()> {
        let mut buf = vec![0u8; self.block];
        let n = loop {
            match self.file.read(&mut buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(()),
            }
        };
        if n == 0 {
            self.end = true;
            return if self.tail.is_empty() {
                Ok(())
            } else {
                Err(())
            };
        }
        self.tail
            .extend_from_slice(buf.get(..n).unwrap_or_default());
        let valid = match std::str::from_utf8(&self.tail) {
            Ok(s) => s.len(),
            // A character cut by the block's end is finished by the next block.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => return Err(()),
        };
        let rest = self.tail.split_off(valid);
        let done = std::mem::replace(&mut self.tail, rest);
        self.held
            .push_str(std::str::from_utf8(&done).map_err(|_| ())?);
        Ok(())
    }

    /// Read again from the last line start passed before byte `at`.
    fn back_before(&mut self, at: usize) -> Result<(), ()> {
        let &(start, line) = self
            .marks
            .iter()
            .rev()
            .find(|(s, _)| *s < at)
            .or(self.marks.first())
            .ok_or(())?;
        self.file
            .seek(SeekFrom::Start(start as u64))
            .map_err(|_| ())?;
        self.start = start;
        self.line = line;
        self.held.clear();
        self.seen = (0, 0);
        self.tail.clear();
        self.end = false;
        Ok(())
    }

    /// Drop what is held before the line start `BEHIND` bytes before `at`, never the
    /// `CONTEXT` lines before `at`'s line (after a long line, the excerpt would go back for
    /// them, read forward and drop them again, for ever).
    fn forget_before(&mut self, at: usize) {
        let Some(keep) = at.checked_sub(self.start + 2 * BEHIND).map(|n| n + BEHIND) else {
            return;
        };
        let bytes = self.held.as_bytes();
        // Where the first line shown before `at`'s starts (its break's place + 1).
        let mut shown = at.saturating_sub(self.start).min(bytes.len());
        for _ in 0..=CONTEXT {
            match bytes.get(..shown).and_then(|b| memchr::memrchr(b'\n', b)) {
                Some(i) => shown = i,
                None => return,
            }
        }
        let keep = keep.min(shown + 1);
        let Some(cut) = self
            .held
            .as_bytes()
            .get(..keep)
            .and_then(|b| memchr::memrchr(b'\n', b))
            .map(|i| i + 1)
        else {
            return;
        };
        let gone = self.held.as_bytes().get(..cut).unwrap_or_default();
        let lines = memchr::memchr_iter(b'\n', gone).count();
        self.line += lines;
        self.seen = match self.seen {
            (at, before) if at >= cut => (at - cut, before - lines),
            _ => (0, 0),
        };
        self.start += cut;
        self.held.drain(..cut);
        if self
            .marks
            .last()
            .is_none_or(|(s, _)| self.start >= s + BEHIND)
        {
            self.marks.push((self.start, self.line));
        }
    }

    /// The lines of bytes `lo` to `hi` of the file, with `CONTEXT` lines on each side. None:
    /// read the file whole from here (not UTF-8 on the way, a line too long, unreadable).
    pub fn excerpt(&mut self, lo: usize, hi: usize) -> Option<Excerpt> {
        let hi = hi.max(lo);
        self.forget_before(lo);
        if lo < self.start {
            self.back_before(lo + 1).ok()?;
        }
        let mut backs = 0;
        let mut tried = 0;
        loop {
            // Forward: `hi`'s line and `CONTEXT` lines more, each with its break, or the end.
            // Line breaks found from `hi` on, and where (in the file) the search goes on: a
            // long line is not searched again at every block.
            let (mut breaks, mut scan) = (0, hi);
            let after = loop {
                let from = scan.saturating_sub(self.start);
                let rest = self.held.as_bytes().get(from..).unwrap_or_default();
                let found = memchr::memchr_iter(b'\n', rest)
                    .nth(CONTEXT - breaks)
                    .map(|i| from + i + 1);
                if let Some(to) = found {
                    break to;
                }
                breaks += memchr::memchr_iter(b'\n', rest).count();
                scan = scan.max(self.start + self.held.len());
                if self.end {
                    break self.held.len();
                }
                if self.held.len() > MOST {
                    return None;
                }
                self.fill().ok()?;
                // Now and then, not at every block (it looks back over what is held).
                if self.start + self.held.len() >= tried + BEHIND {
                    tried = self.start + self.held.len();
                    self.forget_before(lo);
                }
            };
            // Back: `CONTEXT` lines before `lo`'s line, or the file's start.
            let bytes = self.held.as_bytes();
            let at = lo.saturating_sub(self.start).min(bytes.len());
            let mut from = bytes
                .get(..at)
                .and_then(|b| memchr::memrchr(b'\n', b))
                .map_or(0, |i| i + 1);
            let mut lines = 0;
            while lines < CONTEXT && from > 0 {
                from = bytes
                    .get(..from - 1)
                    .and_then(|b| memchr::memrchr(b'\n', b))
                    .map_or(0, |i| i + 1);
                lines += 1;
            }
            if lines < CONTEXT && self.start > 0 {
                // Each step goes back a mark at least: as many steps as marks at most.
                backs += 1;
                if backs > self.marks.len() {
                    return None;
                }
                self.back_before(self.start).ok()?;
                continue;
            }
            // Line breaks before `from`, counted on from the last excerpt's.
            let (at, before) = if from >= self.seen.0 {
                self.seen
            } else {
                (0, 0)
            };
            let more = bytes.get(at..from).unwrap_or_default();
            let before = before + memchr::memchr_iter(b'\n', more).count();
            self.seen = (from, before);
            let line = self.line + before;
            let text = self.held.get(from..after)?.to_string();
            return Some(Excerpt {
                text: SourceFile::new(self.name.clone(), text),
                offset: self.start + from,
                line,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line's excerpt answers as the whole text does, whatever the block size, going
    /// forward and back.
    #[test]
    fn excerpts_read_what_the_whole_text_holds() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("big.yaml");
        let mut text = String::from("\u{feff}k: v\r\n");
        for i in 0..12000 {
            text.push_str(&format!("- name: é{i}\n  value: \"ü\u{feff}x\"\n\n"));
        }
        // Lines longer than what is kept behind, before a place and around one.
        for i in 0..3 {
            text.push_str(&format!("blob{i}: {}\nshort: {i}\n", "A".repeat(200_000)));
        }
        for i in 0..2000 {
            text.push_str(&format!("- name: é{i}\n"));
        }
        text.push_str("last: no break");
        std::fs::write(&path, &text).expect("a file written");
        let name: Arc<str> = path.to_string_lossy().into();
        let whole = SourceFile::new(name.clone(), text.as_str());
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .chain([text.len() - 3, text.len()])
            .collect();
        for block in [7, 4096] {
            let mut reader =
                Excerpts::with_block(&SourceFile::new(name.clone(), ""), 0, block).expect("opened");
            // Forward, then a step back now and then (a finding's earlier place).
            let mut asked: Vec<(usize, usize)> = starts.iter().map(|&s| (s, s + 3)).collect();
            // Far into a long line, and just after one.
            let long = text.find("blob1").expect("a long line");
            asked.extend([
                (long + 180_000, long + 180_000),
                (long + 200_010, long + 200_010),
            ]);
            asked.sort_by_key(|&(lo, _)| lo);
            asked.insert(2000, (5, 40));
            asked.insert(5000, (starts[100], starts[4000]));
            asked.insert(30000, (starts[20000], starts[20001]));
            let after = asked.iter().position(|&(lo, _)| lo > long).unwrap_or(0);
            asked.insert(after + 2, (long + 150_000, long + 190_000));
            for (lo, hi) in asked {
                let e = reader.excerpt(lo, hi).expect("an excerpt");
                for at in [lo, hi.min(text.len())] {
                    assert_eq!(e.line_span(at), whole.line_span(at), "{at} / {block}");
                    let span: SourceSpan = (at, 0).into();
                    for context in [0, 1] {
                        let a = e.read_span(&span, context, context).expect("read");
                        let b = whole.read_span(&span, context, context).expect("read");
                        assert_eq!(a.data(), b.data(), "{at} / {block}");
                        assert_eq!(a.span(), b.span());
                        assert_eq!(
                            (a.line(), a.column(), a.line_count()),
                            (b.line(), b.column(), b.line_count())
                        );
                    }
                }
            }
            assert!(
                reader.held.len() < 4 * BEHIND + 4096,
                "{}",
                reader.held.len()
            );
        }
    }

    /// A place just after a line longer than what is kept behind, or far into one: its
    /// context lines are kept (going back for them, then dropping them again, never ended).
    #[test]
    fn long_lines_before_a_place_are_kept() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("long.yaml");
        let mut text = "a: 1\n".repeat(30_000);
        text.push_str(&format!("blob: {}\ntarget: x\n", "A".repeat(200_000)));
        std::fs::write(&path, &text).expect("a file written");
        let name: Arc<str> = path.to_string_lossy().into();
        let whole = SourceFile::new(name.clone(), text.as_str());
        let target = text.find("target").expect("the target");
        let blob = text.find("blob").expect("the blob");
        for lo in [target, blob + 180_000] {
            let mut reader = Excerpts::open(&SourceFile::new(name.clone(), ""), 0).expect("opened");
            let e = reader.excerpt(lo, lo).expect("an excerpt");
            let span: SourceSpan = (lo, 1).into();
            let a = e.read_span(&span, 1, 1).expect("read");
            let b = whole.read_span(&span, 1, 1).expect("read");
            assert_eq!((a.data(), a.line()), (b.data(), b.line()));
        }
    }

    #[test]
    fn bytes_not_utf8_end_the_excerpts() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("latin1.yaml");
        let mut bytes = b"a: 1\nb: 2\n".repeat(100);
        bytes.extend_from_slice(b"c: caf\xe9\nd: 4\n");
        std::fs::write(&path, &bytes).expect("a file written");
        let name: Arc<str> = path.to_string_lossy().into();
        let mut reader =
            Excerpts::with_block(&SourceFile::new(name.clone(), ""), 0, 16).expect("opened");
        assert!(reader.excerpt(0, 0).is_some());
        assert!(reader.excerpt(bytes.len() - 8, bytes.len() - 8).is_none());
        // UTF-16 is decoded by onus: read whole.
        std::fs::write(&path, b"a\0:\0 \x001\0\n\0").expect("a file written");
        assert!(Excerpts::open(&SourceFile::new(name.clone(), ""), 0).is_none());
        // A smaller file than asked for: read whole.
        std::fs::write(&path, b"a: 1\n").expect("a file written");
        assert!(Excerpts::open(&SourceFile::new(name.clone(), ""), 6).is_none());
    }
}
