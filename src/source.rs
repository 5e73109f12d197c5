//! A file's text with a line index: offsets become line/column without rescanning,
//! and miette reads snippets through it (its `str` impl rescans from the start per label).

pub use crate::yaml::Text;
use crate::yaml::{self, Span};
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};

#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it (or as found under a directory argument); shared with
    /// the input and the findings.
    pub name: Arc<str>,
    pub text: Text,
    /// Built the first time a position is asked for: most files have no finding.
    index: OnceLock<LineIndex>,
    /// Position questions answered without the index (see `SCANNED_FROM`).
    asked: AtomicUsize,
    /// Where the file is read again when its name is not a path to it (standard input
    /// spooled to a temporary file).
    reread: Option<PathBuf>,
}

/// Texts from this size on answer their first `SCANS` position questions by scanning: a
/// large file with few findings builds no index (64 MiB of `---` lines, one finding, would
/// hold 64 MB of line starts). Smaller texts, and windows, build it at the first question.
const SCANNED_FROM: usize = 16 << 20;
const SCANS: usize = 8;

#[derive(Debug)]
struct LineIndex {
    line_starts: Starts,
    /// Characters (U+FEFF not counted) before each `MARK`-byte boundary; empty for ASCII
    /// text. A column is then counted from the nearest mark, not from the line start:
    /// findings on one long line (minified JSON) cost no rescan each.
    char_marks: Vec<usize>,
}

const MARK: usize = 256;

impl LineIndex {
    /// The index of `text`; sparse when it has `sparse_from` bytes or more of short lines.
    fn of(text: &str, sparse_from: usize) -> LineIndex {
        let line_starts = Starts::of(text, sparse_from);
        let mut char_marks = Vec::new();
        if !text.is_ascii() {
            let bytes = text.as_bytes();
            let mut count = 0;
            char_marks.reserve(bytes.len() / MARK + 2);
            // One mark per boundary up to and including the end (an offset may be the end).
            // A block's characters are its bytes that do not continue one (a count the
            // compiler vectorises), less its byte-order marks.
            for (b, block) in bytes.chunks(MARK).enumerate() {
                char_marks.push(count);
                let starts = block.iter().filter(|&&c| c & 0xC0 != 0x80).count();
                // Byte-order marks are looked for only in blocks with an 0xEF byte (a
                // count that vectorises too): few blocks have one.
                let boms = if block.iter().filter(|&&c| c == 0xEF).count() == 0 {
                    0
                } else {
                    block
                        .iter()
                        .enumerate()
                        .filter(|&(i, &c)| c == 0xEF && !counts_as_char(bytes, b * MARK + i))
                        .count()
                };
                count += starts - boms;
            }
            if bytes.len().is_multiple_of(MARK) {
                char_marks.push(count);
            }
        }
        LineIndex {
            line_starts,
            char_marks,
        }
    }
}

/// Where each line starts: four bytes a line for any text under 4 GiB (a file onus reads is
/// at most 64 MiB), where a `usize` took eight (a large file's index, 2 million lines for
/// 55 MB, was 17 MB); sparse for a large text of short lines.
#[derive(Debug)]
enum Starts {
    Narrow(Vec<u32>),
    Wide(Vec<usize>),
    /// A large text of many short lines (64 MiB of `---` lines: 16 M lines, 64 MB of
    /// starts): (start, number) of the first line starting `SPARSE` bytes or more after the
    /// last one kept, and how many lines there are. Every line between two kept ones starts
    /// less than `SPARSE` bytes after the first: a question scans at most that.
    Sparse {
        kept: Vec<(u32, u32)>,
        lines: usize,
    },
}

/// See `Starts::Sparse`: at most 8 bytes of index for 64 of text.
const SPARSE: usize = 64;

impl Starts {
    fn of(text: &str, sparse_from: usize) -> Starts {
        let bytes = text.as_bytes();
        // About one line per 32 bytes in manifests; memchr's iterator finds them with
        // vector instructions (std's search, a word at a time, was 1.5% of a run).
        let breaks = memchr::memchr_iter(b'\n', bytes).map(|i| i + 1);
        let Ok(len) = u32::try_from(text.len()) else {
            let mut v = Vec::with_capacity(text.len() / 32 + 1);
            v.push(0);
            v.extend(breaks);
            return Starts::Wide(v);
        };
        // A large text with lines of under 16 bytes on average (a count that vectorises).
        if text.len() >= sparse_from
            && bytes.iter().filter(|&&c| c == b'\n').count() > text.len() / 16
        {
            let mut kept = Vec::with_capacity(text.len() / SPARSE + 1);
            kept.push((0u32, 0u32));
            let (mut last, mut lines) = (0usize, 1usize);
            for start in breaks {
                if start - last >= SPARSE {
                    kept.push((
                        u32::try_from(start).unwrap_or(len),
                        u32::try_from(lines).unwrap_or(u32::MAX),
                    ));
                    last = start;
                }
                lines += 1;
            }
            return Starts::Sparse { kept, lines };
        }
        let mut v = Vec::with_capacity(text.len() / 32 + 1);
        v.push(0);
        v.extend(breaks.map(|i| u32::try_from(i).unwrap_or(len)));
        Starts::Narrow(v)
    }

    /// Where 0-based line `i` starts.
    fn get(&self, bytes: &[u8], i: usize) -> Option<usize> {
        match self {
            Starts::Narrow(v) => v.get(i).map(|&s| s as usize),
            Starts::Wide(v) => v.get(i).copied(),
            Starts::Sparse { kept, lines } => {
                if i >= *lines {
                    return None;
                }
                // The last kept line at or before `i`, then `i - k` breaks on from it.
                let at = kept.partition_point(|&(_, l)| l as usize <= i);
                let &(start, k) = kept.get(at.checked_sub(1)?)?;
                let (start, ahead) = (start as usize, i - k as usize);
                if ahead == 0 {
                    return Some(start);
                }
                let rest = bytes.get(start..)?;
                memchr::memchr_iter(b'\n', rest)
                    .nth(ahead - 1)
                    .map(|n| start + n + 1)
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Starts::Narrow(v) => v.len(),
            Starts::Wide(v) => v.len(),
            Starts::Sparse { lines, .. } => *lines,
        }
    }

    /// 0-based line of a byte offset, and where that line starts.
    fn line_and_start(&self, bytes: &[u8], offset: usize) -> (usize, usize) {
        let line = match self {
            Starts::Narrow(v) => match u32::try_from(offset) {
                Ok(o) => v.binary_search(&o),
                Err(_) => Err(v.len()),
            },
            Starts::Wide(v) => v.binary_search(&offset),
            Starts::Sparse { kept, .. } => {
                let at = kept.partition_point(|&(s, _)| s as usize <= offset);
                let (start, line) = kept
                    .get(at.wrapping_sub(1))
                    .map_or((0, 0), |&(s, l)| (s as usize, l as usize));
                // Lines after `start` start less than `SPARSE` bytes after it.
                let upto = offset.min(start + SPARSE).max(start);
                let part = bytes.get(start..upto).unwrap_or_default();
                let breaks = part.iter().filter(|&&c| c == b'\n').count();
                let at = memchr::memrchr(b'\n', part).map_or(start, |n| start + n + 1);
                return (line + breaks, at);
            }
        };
        let line = match line {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        (line, self.get(bytes, line).unwrap_or(0))
    }
}

/// Does a character start at byte `i` (counting U+FEFF as none)?
fn counts_as_char(bytes: &[u8], i: usize) -> bool {
    match bytes.get(i) {
        Some(b) if b & 0xC0 == 0x80 => false,
        Some(0xEF) => bytes.get(i + 1..i + 3) != Some(&[0xBB, 0xBF]),
        Some(_) => true,
        None => false,
    }
}

/// Characters (U+FEFF not counted) in `bytes[from..to]`: bytes that do not continue one (a
/// count the compiler vectorises), less the byte-order marks, looked for only past an 0xEF.
fn count_chars(bytes: &[u8], from: usize, to: usize) -> usize {
    let part = bytes.get(from..to).unwrap_or_default();
    let starts = part.iter().filter(|&&c| c & 0xC0 != 0x80).count();
    let boms = if memchr::memchr(0xEF, part).is_none() {
        0
    } else {
        (from..to)
            .filter(|&i| bytes.get(i) == Some(&0xEF) && !counts_as_char(bytes, i))
            .count()
    };
    starts - boms
}

impl SourceFile {
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Text>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
            index: OnceLock::new(),
            asked: AtomicUsize::new(0),
            reread: None,
        }
    }

    /// A file whose text was not kept, read again from `path` rather than by its name.
    pub fn read_from(name: impl Into<Arc<str>>, text: impl Into<Text>, path: PathBuf) -> Self {
        SourceFile {
            reread: Some(path),
            ..SourceFile::new(name, text)
        }
    }

    /// Where the file's text is read again: its name, or where it was spooled.
    pub fn path(&self) -> &Path {
        self.reread
            .as_deref()
            .unwrap_or_else(|| Path::new(&*self.name))
    }

    fn index(&self) -> &LineIndex {
        self.index
            .get_or_init(|| LineIndex::of(&self.text, SCANNED_FROM))
    }

    /// How a position question is answered: from the index, or by scanning the text (a
    /// large text's first few questions, the index not built yet).
    fn lookup(&self) -> Option<&LineIndex> {
        if let Some(index) = self.index.get() {
            return Some(index);
        }
        if self.text.len() >= SCANNED_FROM && self.asked.fetch_add(1, Relaxed) < SCANS {
            return None;
        }
        Some(self.index())
    }

    /// Characters before byte `offset`.
    fn chars_before(&self, index: &LineIndex, offset: usize) -> usize {
        if index.char_marks.is_empty() {
            return offset;
        }
        let mark = offset / MARK;
        let base = index.char_marks.get(mark).copied().unwrap_or(0);
        let bytes = self.text.as_bytes();
        base + (mark * MARK..offset)
            .filter(|i| counts_as_char(bytes, *i))
            .count()
    }

    /// 0-based line index of a byte offset (at most the text's length), and where that line
    /// starts.
    fn line_and_start(&self, offset: usize) -> (usize, usize) {
        match self.lookup() {
            Some(index) => index
                .line_starts
                .line_and_start(self.text.as_bytes(), offset),
            None => {
                let before = self.text.as_bytes().get(..offset).unwrap_or_default();
                // A count the compiler vectorises (memchr's iterator slows on dense hits).
                let line = before.iter().filter(|&&c| c == b'\n').count();
                (line, memchr::memrchr(b'\n', before).map_or(0, |i| i + 1))
            }
        }
    }

    /// 0-based line index of a byte offset.
    fn line_index(&self, offset: usize) -> usize {
        self.line_and_start(offset.min(self.text.len())).0
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_index(offset) + 1
    }

    /// 1-based line and 1-based column counted in characters.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let (line, start) = self.line_and_start(offset);
        let col = match self.index.get() {
            Some(index) => self
                .chars_before(index, offset)
                .saturating_sub(self.chars_before(index, start)),
            None => count_chars(self.text.as_bytes(), start, offset),
        };
        (line + 1, col + 1)
    }

    /// The byte range of the line holding `offset`, without its line break.
    pub fn line_span(&self, offset: usize) -> Span {
        let offset = offset.min(self.text.len());
        let (_, start) = self.line_and_start(offset);
        let bytes = self.text.as_bytes();
        let end = bytes
            .get(offset..)
            .and_then(|rest| memchr::memchr(b'\n', rest))
            .map_or(bytes.len(), |i| offset + i);
        let end = if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        Span::new(start, end)
    }

    /// Byte offset where 1-based line `n` starts.
    pub fn offset_of_line(&self, n: usize) -> Option<usize> {
        let i = n.checked_sub(1)?;
        match self.lookup() {
            Some(index) => index.line_starts.get(self.text.as_bytes(), i),
            None if i == 0 => Some(0),
            None => memchr::memchr_iter(b'\n', self.text.as_bytes())
                .nth(i - 1)
                .map(|at| at + 1),
        }
    }

    /// The text of 1-based line `n` (no line break), if it exists.
    pub fn line_text(&self, n: usize) -> Option<&str> {
        let start = self.offset_of_line(n)?;
        let span = self.line_span(start);
        self.text.get(span.start..span.end)
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    pub fn parse(&self) -> yaml::Stream {
        yaml::parse_shared(&self.text)
    }
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let len = self.text.len();
        let start = span.offset();
        let end = start.saturating_add(span.len());
        if start > len || end > len {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.line_index(start);
        if context_lines_before == 0 && context_lines_after == 0 {
            // miette asks for the bare span to print the `file:line:column` header.
            let (_, col) = self.position(start);
            let data = self.text.get(start..end).ok_or(MietteError::OutOfBounds)?;
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.to_string(),
                data.as_bytes(),
                *span,
                first,
                col - 1,
                self.line_index(end) - first + 1,
            )));
        }
        let last = self.line_index(end.saturating_sub(1).max(start));
        let from = first.saturating_sub(context_lines_before);
        let to = (last + context_lines_after).min(self.index().line_starts.len() - 1);
        let bytes = self.text.as_bytes();
        let data_start = self.index().line_starts.get(bytes, from).unwrap_or(0);
        let data_end = self.index().line_starts.get(bytes, to + 1).unwrap_or(len);
        let data = self
            .text
            .get(data_start..data_end)
            .ok_or(MietteError::OutOfBounds)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            data.as_bytes(),
            (data_start, data_end - data_start).into(),
            from,
            0,
            to - from + 1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let f = SourceFile::new("x", "name: \"ünï\"\nnext: 1\n");
        assert_eq!(f.position(0), (1, 1));
        let next = f.text.find("next").unwrap();
        assert_eq!(f.position(next), (2, 1));
        let one = f.text.find('1').unwrap();
        assert_eq!(f.position(one), (2, 7));
        let end = f.text.find('"').unwrap() + "\"ünï".len();
        assert_eq!(f.position(end), (1, 11));
        assert_eq!(f.line_text(2), Some("next: 1"));
    }

    #[test]
    fn a_large_texts_scanned_answers_are_the_indexs() {
        let block = "k: \"é\u{feff}x\"\r\n\u{feff}- a\n\n  long line of text here ü\n";
        let text = block.repeat(SCANNED_FROM / block.len() + 1);
        let offsets = [
            0,
            1,
            9,
            10,
            29,
            30,
            text.len() / 2 + 3,
            text.len() - 1,
            text.len(),
        ];
        let indexed = SourceFile::new("x", text.as_str());
        indexed.index();
        for &offset in &offsets {
            // A fresh file answers each kind of question by scanning, once for each offset.
            let scanned = SourceFile::new("x", text.as_str());
            let line = indexed.line_of(offset);
            assert_eq!(
                scanned.position(offset),
                indexed.position(offset),
                "at {offset}"
            );
            assert_eq!(scanned.line_of(offset), line, "at {offset}");
            assert_eq!(
                scanned.line_span(offset),
                indexed.line_span(offset),
                "at {offset}"
            );
            assert_eq!(scanned.offset_of_line(line), indexed.offset_of_line(line));
            assert_eq!(scanned.line_text(line), indexed.line_text(line));
            assert!(scanned.index.get().is_none(), "the index was built");
        }
        // Past the first questions, the index answers.
        let f = SourceFile::new("x", text.as_str());
        for _ in 0..=SCANS {
            f.line_of(7);
        }
        assert!(f.index.get().is_some());
    }

    #[test]
    fn a_sparse_index_answers_as_a_full_one() {
        // Short lines (a large text of them is indexed sparsely), lines around and past
        // `SPARSE` bytes, a long one, CRLF, byte-order marks, non-ASCII characters.
        let long = "y".repeat(20_000);
        let block = format!(
            "---\n---\r\n\n\nk: é\u{feff}\n{}\n{}\n-\n{}\n{long}\n",
            "a".repeat(SPARSE - 1),
            "b".repeat(SPARSE),
            "c".repeat(SPARSE + 1),
        );
        let short = "---\n".repeat(5_000);
        let mut text = String::new();
        while text.len() < 1 << 20 {
            text.push_str(&short);
            text.push_str(&block);
        }
        text.push_str("--- ü");
        // Indexed sparsely from 1 MiB on (16 MiB in a run: slow in a test build).
        let f = SourceFile::new("x", text.as_str());
        assert!(f.index.set(LineIndex::of(&text, 1 << 20)).is_ok());
        assert!(matches!(f.index().line_starts, Starts::Sparse { .. }));
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        assert_eq!(f.index().line_starts.len(), starts.len());
        // Every offset near the start, the end and each long line; a spread of the others.
        let mut offsets: Vec<usize> = (0..5_000).chain(text.len() - 5_000..=text.len()).collect();
        for (i, _) in text.match_indices(long.as_str()).take(3) {
            offsets.extend(i.saturating_sub(300)..i + 300);
            offsets.extend(i + long.len() - 300..i + long.len() + 300);
        }
        offsets.extend((0..text.len()).step_by(97));
        for offset in offsets.into_iter().filter(|&o| text.is_char_boundary(o)) {
            let line = starts.partition_point(|&s| s <= offset) - 1;
            let start = starts[line];
            let col = text[start..offset]
                .chars()
                .filter(|c| *c != '\u{feff}')
                .count();
            assert_eq!(f.position(offset), (line + 1, col + 1), "at {offset}");
            assert_eq!(f.line_span(offset).start, start, "at {offset}");
        }
        for n in (0..starts.len())
            .step_by(301)
            .chain(starts.len() - 50..starts.len())
        {
            assert_eq!(f.offset_of_line(n + 1), Some(starts[n]), "line {}", n + 1);
        }
        assert_eq!(f.offset_of_line(starts.len() + 1), None);
        assert_eq!(f.line_text(starts.len()), Some("--- ü"));
    }

    #[test]
    fn columns_on_long_lines_match_a_rescan() {
        let line: String = (0..2000)
            .map(|i| if i % 7 == 0 { "é\u{feff}x" } else { "ab" })
            .collect();
        let text = format!("\u{feff}k: 1\n{line}\n");
        // Ending exactly on a mark, the end of the text is a position too.
        let text = format!("{text}{}", "x".repeat(512 - text.len() % 256));
        let f = SourceFile::new("x", text.as_str());
        assert_eq!(text.len() % 256, 0);
        let ends = [(text.len(), ' ')];
        for (offset, _) in text.char_indices().chain(ends) {
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let col = text[start..offset]
                .chars()
                .filter(|c| *c != '\u{feff}')
                .count()
                + 1;
            assert_eq!(f.position(offset).1, col, "at {offset}");
        }
    }
}
