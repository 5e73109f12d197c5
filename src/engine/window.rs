//! A large file read from its input a window of documents at a time: each window a text of
//! its own, so that neither the file's tree nor its text is ever held whole.

use std::io::Read;

/// Where a window starts in its file: what its own offsets and lines are shifted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Base {
    /// Bytes before it.
    pub offset: usize,
    /// Line breaks before it.
    pub lines: usize,
    /// Its own bytes: its text goes on with the line after them, kept in view (an empty block
    /// scalar before a `---` ends where that line starts, as it does in the whole file).
    pub len: usize,
}

/// What `Cutter::next` gives.
pub(super) enum Next {
    /// The next window's text (and the line after it), and where it starts.
    Window(String, Base),
    /// Every byte was given.
    End,
    /// The file cannot be read a window at a time (a read error, bytes that are not UTF-8
    /// or are NUL, a `%` directive, more than the size bound): it is read whole, whose
    /// reading says what is wrong.
    Fail,
}

/// Bytes asked of the input at a time.
const READ_BYTES: usize = 256 << 10;

/// Cuts what `input` gives into windows of at least `window` bytes, each ending just before
/// a line that starts a document (`---`) or just after a line that ends one (`...`), as
/// `yaml::document_cuts` cuts a text held whole. A window never holds a lone part of a
/// document, so it parses as the whole file would parse its documents.
pub(super) struct Cutter<R> {
    input: R,
    /// Bytes read and not given yet.
    buf: Vec<u8>,
    eof: bool,
    window: usize,
    /// Where `buf` starts in the file.
    base: Base,
    /// `buf[..scanned]` are whole lines already looked at (no cut past `window` in them).
    scanned: usize,
    /// Bytes read in all, and the most that may be.
    read: u64,
    limit: u64,
    /// Document markers met: past `yaml::MAX_DOCUMENTS` the whole is read (and says so),
    /// as soon as they are seen.
    markers: usize,
}

impl<R: Read> Cutter<R> {
    pub fn new(input: R, window: usize, limit: u64) -> Self {
        Cutter {
            input,
            buf: Vec::new(),
            eof: false,
            window: window.max(1),
            base: Base::default(),
            scanned: 0,
            read: 0,
            limit,
            markers: 0,
        }
    }

    pub fn next(&mut self) -> Next {
        loop {
            match self.cut() {
                Err(()) => return Next::Fail,
                Ok(Some(cut)) => return self.give(cut),
                Ok(None) if self.eof => {
                    return if self.buf.is_empty() {
                        Next::End
                    } else {
                        self.give(self.buf.len())
                    };
                }
                Ok(None) => {}
            }
            let before = self.buf.len();
            let ask = READ_BYTES.max(self.window.saturating_sub(before));
            match (&mut self.input)
                .take(ask as u64)
                .read_to_end(&mut self.buf)
            {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.read += n as u64;
                    if self.read > self.limit {
                        return Next::Fail;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Next::Fail,
            }
        }
    }

    /// The first cut at least `window` bytes into `buf`, among the whole lines read (the
    /// last line too at the end of the input).
    fn cut(&mut self) -> Result<Option<usize>, ()> {
        let b = &self.buf;
        let end = if self.eof {
            b.len()
        } else {
            match memchr::memrchr(b'\n', b) {
                Some(n) => n + 1,
                None => return Ok(None),
            }
        };
        let mut line = self.scanned;
        while line < end {
            let next = b
                .get(line..end)
                .and_then(|rest| memchr::memchr(b'\n', rest))
                .map_or(end, |n| line + n + 1);
            let rest = b.get(line..next).unwrap_or_default();
            let marker = |m: &[u8]| crate::yaml::is_marker(rest, m);
            if rest.first() == Some(&b'%') {
                return Err(());
            }
            // Not before a `---` line that holds content (`--- {kind: Pod}`, `--- !tag`): a
            // comment just above it speaks of that content, in the window before.
            // A lone CR breaks the line too: what follows it is on the marker's line for
            // YAML, not for this reading by `\n`.
            let bare = || {
                let after = rest.get(3..).unwrap_or_default();
                let lone_cr = after
                    .iter()
                    .enumerate()
                    .any(|(i, &c)| c == b'\r' && after.get(i + 1) != Some(&b'\n'));
                let after = after.trim_ascii_start();
                !lone_cr && (after.is_empty() || after.first() == Some(&b'#'))
            };
            let cut = if marker(b"---") && bare() {
                Some(line)
            } else if marker(b"...") {
                // After the marker's line break, which may be a lone CR: then no cut (the
                // whole reads it).
                rest.iter()
                    .skip(3)
                    .position(|c| matches!(c, b'\r' | b'\n'))
                    .filter(|&k| {
                        rest.get(3 + k) == Some(&b'\n')
                            || rest.get(3 + k..3 + k + 2) == Some(b"\r\n")
                    })
                    .map(|_| next)
            } else {
                None
            };
            if let Some(cut) = cut.filter(|&c| c >= self.window && c > 0) {
                // A `---` line cut before is met again as the next window's first.
                if cut > line {
                    self.markers += 1;
                }
                self.scanned = line;
                return Ok(Some(cut));
            }
            if marker(b"---") || marker(b"...") {
                self.markers += 1;
                if self.markers > crate::yaml::MAX_DOCUMENTS {
                    return Err(());
                }
            }
            line = next;
        }
        self.scanned = end;
        Ok(None)
    }

    /// `buf[..cut]` as the next window, with the line after it.
    fn give(&mut self, cut: usize) -> Next {
        let own = cut.min(self.buf.len());
        let rest = self.buf.split_off(own);
        let mut bytes = std::mem::replace(&mut self.buf, rest);
        self.scanned = 0;
        let base = Base {
            len: own,
            ..self.base
        };
        self.base = Base {
            offset: base.offset + own,
            lines: base.lines + memchr::memchr_iter(b'\n', &bytes).count(),
            len: 0,
        };
        // The cut's line was read whole (or the input ended).
        let after = memchr::memchr(b'\n', &self.buf).map_or(self.buf.len(), |i| i + 1);
        bytes.extend_from_slice(self.buf.get(..after).unwrap_or_default());
        if memchr::memchr(0, &bytes).is_some() {
            return Next::Fail;
        }
        match String::from_utf8(bytes) {
            Ok(text) => Next::Window(text, base),
            Err(_) => Next::Fail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The windows' own texts, and where they start.
    fn windows(text: &str, window: usize) -> Option<Vec<(String, Base)>> {
        let mut c = Cutter::new(text.as_bytes(), window, u64::MAX);
        let mut out = Vec::new();
        loop {
            match c.next() {
                Next::Window(t, b) => {
                    // The line after it follows it, as in the text.
                    let after = &text[b.offset + b.len..];
                    let line = after.find('\n').map_or(after, |i| &after[..=i]);
                    assert_eq!(&t[b.len..], line);
                    out.push((t[..b.len].to_string(), b));
                }
                Next::End => return Some(out),
                Next::Fail => return None,
            }
        }
    }

    #[test]
    fn windows_join_into_the_text_and_start_at_documents() {
        let text =
            "a: 1\n---\nb: 2\nc: 3\n--- # x\n...\nd: |\n  ---\n--- {e: 4}\n--- #\re\n---\ne: 4";
        for window in [1, 4, 9, 12, 100] {
            let got = windows(text, window).unwrap();
            let joined: String = got.iter().map(|(t, _)| t.as_str()).collect();
            assert_eq!(joined, text, "window {window}");
            let mut at = Base::default();
            for (t, b) in &got {
                assert_eq!((b.offset, b.lines), (at.offset, at.lines));
                assert!(t.len() >= window.min(text.len() - b.offset));
                at.offset += t.len();
                at.lines += t.matches('\n').count();
            }
        }
        let starts: Vec<usize> = windows(text, 1)
            .unwrap()
            .iter()
            .map(|(_, b)| b.offset)
            .collect();
        // Before each bare `---`, after the `...` line; not inside the block scalar's
        // `  ---`, nor before a marker with content.
        assert_eq!(starts, [0, 5, 19, 31, 61]);
    }

    #[test]
    fn what_a_window_cannot_hold_fails() {
        assert!(windows("a: 1\n---\n%YAML 1.2\n---\nb: 2\n", 1).is_none());
        assert!(windows("a: 1\n---\nb: \0\n", 1).is_none());
        let bad = [b"a: 1\n---\nb: \xff\n".as_slice()].concat();
        let mut c = Cutter::new(bad.as_slice(), 1, u64::MAX);
        assert!(matches!(c.next(), Next::Window(..)));
        assert!(matches!(c.next(), Next::Fail));
        let mut c = Cutter::new("a: 1\n---\nb: 2\n".as_bytes(), 1, 8);
        assert!(matches!(c.next(), Next::Fail));
        assert_eq!(windows("", 1).unwrap(), []);
        // Past the documents a file may hold, at once (the whole says so).
        let many = "---\n".repeat(crate::yaml::MAX_DOCUMENTS);
        assert_eq!(windows(&many, many.len()).map(|w| w.len()), Some(1));
        assert!(windows(&format!("{many}---\n"), 1 << 30).is_none());
        assert_eq!(
            windows(&many, 4000).map(|w| w.len()),
            Some(many.len() / 4000)
        );
    }
}
