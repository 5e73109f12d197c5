//! A fast scanner for the YAML manifests are written in: block mappings and sequences,
//! flow collections (JSON included), plain, quoted and block scalars over several lines,
//! comments, documents, LF or CRLF line breaks.
//!
//! It builds the tree through the same `Sink` as granit-parser, node for node: same ids,
//! spans, styles and values. Anything outside its subset, or anything it doubts (tags,
//! anchors, tabs, lone CRs, directives, odd indentation, any syntax error), makes
//! it answer None, "not mine", and granit-parser reads the whole input instead: errors are
//! always granit's. Its spans follow granit's conventions, which are not always YAML's
//! (an empty value sits at its `:`, an indentless sequence starts at its first item, a
//! block scalar ends where the next token starts). tests/scanner.rs compares both parsers
//! on every file of the shared corpus and the fixtures; the `scanner` fuzz target on any
//! bytes. No recursion: nesting is an explicit stack, bounded by MAX_DEPTH.

use super::{NodeId, Sink, Span, Stream, Style, Tag};

/// Deeper nesting is granit's (which bounds it with its own error).
const MAX_DEPTH: usize = 256;
/// YAML limits implicit keys to 1024 characters; longer ones are granit's to judge.
const MAX_KEY: usize = 1000;

/// What the next content line may hold, after a line that ended before its node.
#[derive(Clone, Copy)]
enum Pending {
    Nothing,
    /// The document's root node.
    Root,
    /// The value of a key ending its line (`key:`), in the mapping at `indent`.
    Value {
        colon: usize,
        indent: usize,
    },
    /// An item of the sequence at `indent` ending its line (`-`); `eol` is that line's end.
    Item {
        eol: usize,
        indent: usize,
    },
}

#[derive(Clone, Copy)]
struct Block {
    indent: usize,
    map: bool,
    /// A sequence at its parent key's indentation (`key:\n- a`).
    indentless: bool,
}

/// Where a routine stopped: in the middle of a line (its rest must be blank or a comment)
/// or at the start of a line.
enum Next {
    Mid(usize),
    Line(usize),
}

enum Chomp {
    Clip,
    Strip,
    Keep,
}

struct Scanner<'a> {
    s: &'a str,
    b: &'a [u8],
    /// The bytes up to `end`: `at` reads them with one bounds check.
    upto: &'a [u8],
    end: usize,
    /// Where to stop (`end`, or a line that starts with a document marker).
    stop: usize,
    sink: Sink<'a>,
    blocks: Vec<Block>,
    pending: Pending,
    in_doc: bool,
    /// An explicit document (`---`) with no node yet: where its marker ends, and whether
    /// a comment followed the marker.
    marker: Option<(usize, bool)>,
    /// An indentless sequence whose start is its first item's.
    fix: Option<NodeId>,
}

/// Parse `text[from..to]`, or None when it is not in the scanner's subset; its documents may
/// copy `budget` merged entries in all. Gives what is left of the budget.
pub(super) fn scan(
    text: &super::Text,
    from: usize,
    to: usize,
    budget: usize,
) -> Option<(Stream, usize)> {
    scan_until(text, from, to, to, budget)
}

/// `scan`, of the documents of `text[from..to]` before the line at `stop` (a line that
/// starts with a document marker, or `to`): the text after `stop` is there to be seen, as
/// in a parse of the whole, but not read. None when the scanner declines them, or reads
/// past `stop`.
pub(super) fn scan_until(
    text: &super::Text,
    from: usize,
    stop: usize,
    to: usize,
    budget: usize,
) -> Option<(Stream, usize)> {
    let s: &str = text;
    let b = s.as_bytes();
    // The marker at `stop` is looked at: its bytes are checked too.
    let seen = to.min(stop.saturating_add(4));
    if to > b.len() || from > stop || stop > to || !plain_bytes(b.get(from..seen)?) {
        return None;
    }
    let mut sc = Scanner {
        s,
        b,
        upto: b.get(..to)?,
        end: to,
        stop,
        sink: Sink::new(text, budget),
        blocks: Vec::new(),
        pending: Pending::Nothing,
        in_doc: false,
        marker: None,
        fix: None,
    };
    sc.run(from)?;
    Some(sc.sink.finish())
}

/// Bytes the scanner never has to think about: no tabs, CRs or control characters, no
/// byte-order marks, C1 controls, non-characters or Unicode line separators.
fn plain_bytes(b: &[u8]) -> bool {
    // Most blocks are printable ASCII and line feeds only: those are checked a block at a
    // time (a loop the compiler vectorises), the others byte by byte.
    const BLOCK: usize = 64;
    let mut at = 0;
    for block in b.chunks(BLOCK) {
        let special = block.iter().fold(false, |acc, &c| {
            acc | ((c < 0x20 && c != b'\n') | (c >= 0x7f))
        });
        if special && !(at..at + block.len()).all(|i| plain_byte(b, i)) {
            return false;
        }
        at += block.len();
    }
    true
}

/// Whether the byte at `i` is one the scanner handles (it may look at the two after it).
fn plain_byte(b: &[u8], i: usize) -> bool {
    let Some(&c) = b.get(i) else { return true };
    if c < 0x20 {
        // CRLF line breaks are read as breaks; a CR alone is granit's.
        c == b'\n' || (c == b'\r' && b.get(i + 1) == Some(&b'\n'))
    } else if c == 0x7f {
        false
    } else if c >= 0x80 {
        let next = b.get(i + 1).copied().unwrap_or(0);
        let third = b.get(i + 2).copied().unwrap_or(0);
        !matches!(
            (c, next, third),
            (0xc2, 0..=0x9f, _)
                | (0xef, 0xbb, 0xbf)
                | (0xef, 0xbf, 0xbe..=0xff)
                | (0xe2, 0x80, 0xa8 | 0xa9)
        )
    } else {
        true
    }
}

/// What ends plain text on a line (`Scanner::plain_stop`).
enum Stop {
    Eol,
    Colon,
    Comment,
}

fn is_blank_or_end(c: Option<u8>) -> bool {
    matches!(c, None | Some(b' ' | b'\n'))
}

fn quote_style(c: u8) -> Style {
    if c == b'"' {
        Style::DoubleQuoted
    } else {
        Style::SingleQuoted
    }
}

fn is_flow_indicator(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

impl<'a> Scanner<'a> {
    /// The byte at `i`; the CR of a CRLF reads as the line break it starts.
    fn at(&self, i: usize) -> Option<u8> {
        match self.upto.get(i).copied() {
            Some(b'\r') => Some(b'\n'),
            c => c,
        }
    }

    /// Where the line after the line break at `i` starts.
    fn after_break(&self, i: usize) -> usize {
        if self.b.get(i) == Some(&b'\r') {
            i + 2
        } else {
            i + 1
        }
    }

    fn spaces(&self, mut i: usize) -> usize {
        while self.at(i) == Some(b' ') {
            i += 1;
        }
        i
    }

    fn eol(&self, i: usize) -> usize {
        let rest = self.b.get(i..self.end).unwrap_or_default();
        rest.iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .map_or(self.end, |p| i + p)
    }

    fn next_line(&self, eol: usize) -> usize {
        self.after_break(eol).min(self.end)
    }

    fn is_dash(&self, i: usize) -> bool {
        self.at(i) == Some(b'-') && is_blank_or_end(self.at(i + 1))
    }

    fn is_marker(&self, i: usize, m: &[u8; 3]) -> bool {
        self.b.get(i..i + 3) == Some(m.as_slice())
            && i + 3 <= self.end
            && is_blank_or_end(self.at(i + 3))
    }

    fn depth_ok(&self, flow: usize) -> bool {
        self.blocks.len() + flow < MAX_DEPTH
    }

    fn str(&self, a: usize, b: usize) -> Option<&'a str> {
        self.s.get(a..b)
    }

    /// Emit a scalar; the first node after an indentless sequence opened gives its start.
    fn scalar(&mut self, value: &str, style: Style, span: Span) -> Option<()> {
        self.fixup(span.start);
        self.sink.scalar(value, style, Tag::None, span, 0)?;
        Some(())
    }

    fn fixup(&mut self, start: usize) {
        if let Some(id) = self.fix.take() {
            self.sink.set_start(id, start);
        }
    }

    fn empty(&mut self, at: usize) -> Option<()> {
        self.scalar("~", Style::Plain, Span::new(at, at))
    }

    fn open_block(&mut self, indent: usize, map: bool, indentless: bool, at: usize) -> Option<()> {
        if !self.depth_ok(0) {
            return None;
        }
        self.fixup(at);
        let id = self.sink.open(map, false, Span::new(at, at), 0)?;
        if indentless {
            self.fix = Some(id);
        }
        self.blocks.push(Block {
            indent,
            map,
            indentless,
        });
        Some(())
    }

    fn pop(&mut self, at: usize) {
        if self.blocks.pop().is_some() {
            self.sink.close(at);
        }
    }

    /// The rest of a line after a node: spaces, then a comment or the line's end.
    fn finish_line(&self, i: usize) -> Option<usize> {
        let j = self.spaces(i);
        match self.at(j) {
            None => Some(self.end),
            Some(b'\n') => Some(self.after_break(j)),
            Some(b'#') if j > i || self.at(i.wrapping_sub(1)) == Some(b' ') => {
                Some(self.next_line(self.eol(j)))
            }
            _ => None,
        }
    }

    fn run(&mut self, from: usize) -> Option<()> {
        let mut i = from;
        while i < self.end {
            if i >= self.stop {
                // The documents before `stop` end at its marker, as in the whole; content
                // read past it would be another parse's.
                if i != self.stop {
                    return None;
                }
                return self.end_document(i);
            }
            let j = self.spaces(i);
            let col = j - i;
            match self.at(j) {
                None => break,
                Some(b'\n') => {
                    i = self.after_break(j);
                    continue;
                }
                Some(b'#') => {
                    i = self.next_line(self.eol(j));
                    continue;
                }
                _ => {}
            }
            if col == 0 && self.is_marker(j, b"---") {
                self.end_document(j)?;
                self.sink.doc_start(j);
                if self.sink.over {
                    return Some(());
                }
                self.in_doc = true;
                self.pending = Pending::Root;
                let k = self.spaces(j + 3);
                let comment = match self.at(k) {
                    None | Some(b'\n') => false,
                    Some(b'#') if k > j + 3 => true,
                    _ => return None,
                };
                self.marker = Some((j + 3, comment));
                i = self.next_line(self.eol(k));
                continue;
            }
            if col == 0 && (self.is_marker(j, b"...") || self.at(j) == Some(b'%')) {
                return None;
            }
            if !self.in_doc {
                self.sink.doc_start(j);
                if self.sink.over {
                    return Some(());
                }
                self.in_doc = true;
                self.pending = Pending::Root;
            }
            self.marker = None;
            i = match self.content(col, j)? {
                Next::Mid(p) => self.finish_line(p)?,
                Next::Line(p) => p,
            };
        }
        self.end_document(self.end)
    }

    fn end_document(&mut self, at: usize) -> Option<()> {
        if !self.in_doc {
            return Some(());
        }
        match std::mem::replace(&mut self.pending, Pending::Nothing) {
            Pending::Root => match self.marker.take() {
                Some((end, false)) => self.empty(end)?,
                _ => return None,
            },
            Pending::Value { colon, .. } => self.empty(colon)?,
            Pending::Item { eol, .. } => self.empty(eol)?,
            Pending::Nothing => {}
        }
        while !self.blocks.is_empty() {
            self.pop(at);
        }
        self.sink.doc_end();
        self.in_doc = false;
        Some(())
    }

    /// A content line: its first character at `j`, column `col`.
    fn content(&mut self, col: usize, j: usize) -> Option<Next> {
        let dash = self.is_dash(j);
        match std::mem::replace(&mut self.pending, Pending::Nothing) {
            Pending::Root => return self.node(col, j, -1),
            Pending::Value { colon, indent } => {
                if col > indent {
                    return self.node(col, j, indent as isize);
                }
                if col == indent && dash {
                    self.open_block(col, false, true, j)?;
                    return self.entry(col, j);
                }
                self.empty(colon)?;
            }
            Pending::Item { eol, indent } => {
                if col > indent {
                    return self.node(col, j, indent as isize);
                }
                self.empty(eol)?;
            }
            Pending::Nothing => {}
        }
        while let Some(top) = self.blocks.last() {
            if top.indent > col || (top.indentless && top.indent == col && !dash) {
                self.pop(j);
            } else {
                break;
            }
        }
        let top = *self.blocks.last()?;
        if top.indent != col || top.map == dash {
            return None;
        }
        if top.map {
            self.key_entry(col, j)
        } else {
            self.entry(col, j)
        }
    }

    /// A block node starting at `j` (column `col`), inside a parent at indentation `parent`.
    fn node(&mut self, col: usize, j: usize, parent: isize) -> Option<Next> {
        if self.is_dash(j) {
            self.open_block(col, false, false, j)?;
            return self.entry(col, j);
        }
        if self.key_end(j)?.is_some() {
            self.open_block(col, true, false, j)?;
            return self.key_entry(col, j);
        }
        self.value(j, parent)
    }

    /// A sequence entry: `-` at `j`, column `col`.
    fn entry(&mut self, col: usize, j: usize) -> Option<Next> {
        let k = self.spaces(j + 1);
        match self.at(k) {
            None | Some(b'\n') | Some(b'#') => {
                let eol = self.eol(k);
                // An indentless sequence whose first item is on a later line starts here.
                self.fixup(eol);
                self.pending = Pending::Item { eol, indent: col };
                Some(Next::Mid(k))
            }
            _ => self.node(col + (k - j), k, col as isize),
        }
    }

    /// A mapping entry whose key starts at `j`, in the mapping at column `col`.
    fn key_entry(&mut self, col: usize, j: usize) -> Option<Next> {
        let (key_end, colon) = self.key_end(j)??;
        match self.at(j)? {
            c @ (b'"' | b'\'') => {
                let (end, value) = self.quoted(j, None)?;
                self.scalar(&value, quote_style(c), Span::new(j, end))?;
            }
            _ => {
                let key = self.str(j, key_end)?;
                self.scalar(key, Style::Plain, Span::new(j, key_end))?;
            }
        }
        let k = self.spaces(colon + 1);
        match self.at(k) {
            None | Some(b'\n') | Some(b'#') => {
                self.pending = Pending::Value { colon, indent: col };
                Some(Next::Mid(k))
            }
            _ => self.value(k, col as isize),
        }
    }

    /// Whether a key starts at `j`: its end and its colon; Some(None) when not a key.
    fn key_end(&self, j: usize) -> Option<Option<(usize, usize)>> {
        let c = self.at(j)?;
        let end = match c {
            // A quoted scalar over several lines is no key (maybe a value).
            b'"' | b'\'' => match self.quoted(j, None) {
                Some((end, _)) => end,
                None => return Some(None),
            },
            _ if !self.plain_start(j, false) => return Some(None),
            _ => {
                let i = match self.plain_stop(j) {
                    (i, Stop::Colon) => i,
                    _ => return Some(None),
                };
                let mut e = i;
                while e > j && self.at(e - 1) == Some(b' ') {
                    e -= 1;
                }
                if i - j > MAX_KEY {
                    return None;
                }
                return Some(Some((e, i)));
            }
        };
        let colon = self.spaces(end);
        if self.at(colon) == Some(b':') && is_blank_or_end(self.at(colon + 1)) {
            if end - j > MAX_KEY {
                return None;
            }
            Some(Some((end, colon)))
        } else {
            Some(None)
        }
    }

    /// Where plain text on this line stops, from `from`: at the line's end (the CR of a
    /// CRLF, or the range's end), at a `: ` (a key's colon), or at a ` #` (the space before a
    /// comment). The three bytes are searched for with `memchr` (a byte-by-byte loop was a
    /// tenth of the scanner's time); a CR is always followed by its LF here (`plain_bytes`).
    fn plain_stop(&self, from: usize) -> (usize, Stop) {
        let mut at = from;
        while let Some(rest) = self.upto.get(at..) {
            let Some(q) = memchr::memchr3(b'\n', b':', b'#', rest).map(|q| at + q) else {
                break;
            };
            match self.upto.get(q) {
                Some(b'\n') => {
                    let cr = q > from && self.upto.get(q - 1) == Some(&b'\r');
                    return (if cr { q - 1 } else { q }, Stop::Eol);
                }
                Some(b':') if is_blank_or_end(self.at(q + 1)) => return (q, Stop::Colon),
                Some(b'#') if q > from && self.upto.get(q - 1) == Some(&b' ') => {
                    return (q - 1, Stop::Comment);
                }
                _ => at = q + 1,
            }
        }
        (self.upto.len().max(from), Stop::Eol)
    }

    /// Whether a plain scalar may start at `i`.
    fn plain_start(&self, i: usize, flow: bool) -> bool {
        match self.at(i) {
            None => false,
            Some(
                b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
                | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n',
            ) => false,
            Some(b'-' | b'?' | b':') => match self.at(i + 1) {
                None | Some(b' ' | b'\n') => false,
                Some(c) => !(flow && is_flow_indicator(c)),
            },
            Some(_) => true,
        }
    }

    /// A node on the rest of a line (after `key: `, `- ` or at a line's start), inside a
    /// parent at indentation `parent`.
    fn value(&mut self, k: usize, parent: isize) -> Option<Next> {
        match self.at(k)? {
            b'|' | b'>' => self.block_scalar(k, parent),
            c @ (b'"' | b'\'') => {
                let (end, value) = self.quoted(k, Some(parent))?;
                self.scalar(&value, quote_style(c), Span::new(k, end))?;
                Some(Next::Mid(end))
            }
            b'[' | b'{' => self.flow(k, parent).map(Next::Mid),
            _ if self.plain_start(k, false) => self.plain(k, parent),
            _ => None,
        }
    }

    /// The end of a plain scalar's text on one line, from `i`: (text end, whether a comment
    /// follows). None when the line holds `: ` (a key where none may be).
    fn plain_line(&self, i: usize) -> Option<(usize, bool)> {
        let (mut p, comment) = match self.plain_stop(i) {
            (_, Stop::Colon) => return None,
            (p, Stop::Eol) => (p, false),
            (p, Stop::Comment) => (p, true),
        };
        while p > i && self.at(p - 1) == Some(b' ') {
            p -= 1;
        }
        Some((p, comment))
    }

    /// A plain scalar in block context, with its continuation lines (indented deeper than
    /// `parent`), folded as YAML folds them.
    fn plain(&mut self, k: usize, parent: isize) -> Option<Next> {
        let (mut end, comment) = self.plain_line(k)?;
        let mut folded: Option<String> = None;
        if !comment {
            let mut p = self.next_line(self.eol(end));
            let mut blank = 0usize;
            while p < self.end {
                let q = self.spaces(p);
                let c = q - p;
                match self.at(q) {
                    None => break,
                    Some(b'\n') => {
                        blank += 1;
                        p = self.after_break(q);
                        continue;
                    }
                    Some(b'#') => break,
                    _ => {}
                }
                if parent < 0 {
                    if c == 0 && self.is_marker(q, b"---") {
                        break;
                    }
                    return None;
                }
                if (c as isize) <= parent {
                    break;
                }
                if self.at(q) == Some(b':') && is_blank_or_end(self.at(q + 1)) {
                    return None;
                }
                let (e, comment) = self.plain_line(q)?;
                let text = folded
                    .get_or_insert_with(|| self.s.get(k..end).unwrap_or_default().to_string());
                if blank == 0 {
                    text.push(' ');
                }
                for _ in 0..blank {
                    text.push('\n');
                }
                text.push_str(self.str(q, e)?);
                blank = 0;
                end = e;
                if comment {
                    break;
                }
                p = self.next_line(self.eol(e));
            }
        }
        match folded {
            Some(v) => self.scalar(&v, Style::Plain, Span::new(k, end))?,
            None => {
                let v = self.str(k, end)?;
                self.scalar(v, Style::Plain, Span::new(k, end))?;
            }
        }
        Some(Next::Mid(end))
    }

    /// A quoted scalar: its end (after the closing quote) and value. It may span lines
    /// (folded as YAML folds them) when `parent` is given, the indentation its lines must
    /// exceed; keys are on one line.
    fn quoted(
        &self,
        k: usize,
        parent: Option<isize>,
    ) -> Option<(usize, std::borrow::Cow<'a, str>)> {
        let double = self.at(k)? == b'"';
        let quote = if double { b'"' } else { b'\'' };
        let mut p = k + 1;
        let mut owned: Option<String> = None;
        // The start of the text not yet copied into `owned`.
        let mut run = p;
        loop {
            let c = self.at(p)?;
            if c == quote {
                if !double && self.at(p + 1) == Some(b'\'') {
                    let o = owned.get_or_insert_with(String::new);
                    o.push_str(self.str(run, p + 1)?);
                    p += 2;
                    run = p;
                    continue;
                }
                let value = match owned {
                    Some(mut o) => {
                        o.push_str(self.str(run, p)?);
                        o.into()
                    }
                    None => self.str(k + 1, p)?.into(),
                };
                return Some((p + 1, value));
            }
            if double && c == b'\\' {
                let o = owned.get_or_insert_with(String::new);
                o.push_str(self.str(run, p)?);
                if self.at(p + 1) == Some(b'\n') {
                    p = self.fold(p + 1, parent?, o, true)?;
                } else {
                    let (c, len) = self.escape(p + 1)?;
                    o.push(c);
                    p += 1 + len;
                }
                run = p;
                continue;
            }
            if c == b'\n' {
                let o = owned.get_or_insert_with(String::new);
                let mut e = p;
                while e > run && self.at(e - 1) == Some(b' ') {
                    e -= 1;
                }
                o.push_str(self.str(run, e)?);
                p = self.fold(p, parent?, o, false)?;
                run = p;
                continue;
            }
            p += 1;
        }
    }

    /// A line break at `p` inside a quoted scalar: the empty lines after it and the next
    /// line's indentation are skipped and folded into `o` (one space, or a newline per
    /// empty line; an escaped break folds to nothing). Returns where the text resumes.
    fn fold(&self, p: usize, parent: isize, o: &mut String, escaped: bool) -> Option<usize> {
        let mut breaks = 0;
        let mut i = self.after_break(p);
        loop {
            let j = self.spaces(i);
            if self.at(j)? == b'\n' {
                breaks += 1;
                i = self.after_break(j);
                continue;
            }
            let col = j - i;
            if (col as isize) <= parent
                || (col == 0 && (self.is_marker(j, b"---") || self.is_marker(j, b"...")))
            {
                return None;
            }
            if breaks == 0 && !escaped {
                o.push(' ');
            }
            (0..breaks).for_each(|_| o.push('\n'));
            return Some(j);
        }
    }

    /// The escape after a backslash at `i`: its character and length.
    fn escape(&self, i: usize) -> Option<(char, usize)> {
        let c = match self.at(i)? {
            b'0' => '\0',
            b'a' => '\x07',
            b'b' => '\x08',
            b't' => '\t',
            b'n' => '\n',
            b'v' => '\x0b',
            b'f' => '\x0c',
            b'r' => '\r',
            b'e' => '\x1b',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            x @ (b'x' | b'u' | b'U') => {
                let n = match x {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex = self.str(i + 1, i + 1 + n)?;
                if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                    return None;
                }
                let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                return Some((c, 1 + n));
            }
            _ => return None,
        };
        Some((c, 1))
    }

    /// A literal or folded block scalar whose header is at `k`, inside a parent at
    /// indentation `parent`. Returns the start of the line after it.
    fn block_scalar(&mut self, k: usize, parent: isize) -> Option<Next> {
        if parent < 0 {
            return None;
        }
        let literal = self.at(k)? == b'|';
        let mut p = k + 1;
        let chomp = match self.at(p) {
            Some(b'-') => Chomp::Strip,
            Some(b'+') => Chomp::Keep,
            _ => Chomp::Clip,
        };
        if !matches!(chomp, Chomp::Clip) {
            p += 1;
        }
        let h = self.spaces(p);
        match self.at(h) {
            Some(b'\n') => {}
            Some(b'#') if h > p => {}
            _ => return None,
        }
        let mut q = self.next_line(self.eol(h));
        if q >= self.end {
            return None;
        }
        // (text start, text end, blank lines before) of each content line.
        let mut lines: Vec<(usize, usize, usize)> = Vec::new();
        let mut n: Option<usize> = None;
        let mut leading_max = 0;
        let mut blank = 0;
        // The first character after the scalar, and the start of its line.
        let (stop, stop_line) = loop {
            if q >= self.end {
                break (self.end, self.end);
            }
            let r = self.spaces(q);
            let c = r - q;
            let e = self.eol(r);
            if r == e && n.is_none_or(|n| c <= n) {
                if n.is_none() {
                    leading_max = leading_max.max(c);
                }
                if e >= self.end {
                    return None;
                }
                blank += 1;
                q = self.after_break(e);
                continue;
            }
            let n = match n {
                None if (c as isize) <= parent => break (r, q),
                None if leading_max > c => return None,
                None => *n.insert(c),
                Some(n) if c < n => break (r, q),
                Some(n) => n,
            };
            lines.push((q + n, e, blank));
            blank = 0;
            q = self.after_break(e);
        };
        let mut v = String::new();
        let mut prev_more = false;
        for (i, &(a, b, before)) in lines.iter().enumerate() {
            let text = self.str(a, b)?;
            let more = text.starts_with(' ');
            if i == 0 {
                (0..before).for_each(|_| v.push('\n'));
            } else if literal || prev_more || more {
                (0..=before).for_each(|_| v.push('\n'));
            } else if before == 0 {
                v.push(' ');
            } else {
                (0..before).for_each(|_| v.push('\n'));
            }
            v.push_str(text);
            prev_more = more;
        }
        let unterminated = lines.last().is_some_and(|l| l.1 >= self.end);
        // granit starts an empty block scalar that runs to the end elsewhere: its call.
        if lines.is_empty() && stop >= self.end {
            return None;
        }
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip if lines.is_empty() => {}
            Chomp::Clip => v.push('\n'),
            Chomp::Keep if lines.is_empty() => return None,
            // granit clips as if a line break ended the input; keeping is its to judge.
            Chomp::Keep if unterminated => return None,
            Chomp::Keep => (0..=blank).for_each(|_| v.push('\n')),
        }
        let start = lines.first().map_or(stop, |l| l.0);
        // An indentless sequence starts at its first item's token: here the header.
        self.fixup(k);
        let style = if literal {
            Style::Literal
        } else {
            Style::Folded
        };
        self.scalar(&v, style, Span::new(start, stop))?;
        Some(Next::Line(stop_line))
    }

    /// Skip spaces, line breaks and comments inside a flow collection; None when a line
    /// is not indented deeper than the block parent (or is a document marker).
    fn flow_space(&self, mut i: usize, parent: isize, newline: &mut bool) -> Option<usize> {
        loop {
            match self.at(i) {
                Some(b' ') => i += 1,
                Some(b'\n') => {
                    *newline = true;
                    let start = self.after_break(i);
                    let j = self.spaces(start);
                    if ((j - start) as isize) <= parent
                        || self.is_marker(j, b"---")
                        || self.is_marker(j, b"...")
                    {
                        // A blank or comment line may sit anywhere.
                        if !matches!(self.at(j), Some(b'\n' | b'#')) {
                            return None;
                        }
                    }
                    i = j;
                }
                Some(b'#') if matches!(self.at(i.wrapping_sub(1)), Some(b' ' | b'\n')) => {
                    i = self.eol(i);
                }
                _ => return Some(i),
            }
        }
    }

    /// A flow collection opening at `k`: returns the end of its closing bracket.
    fn flow(&mut self, k: usize, parent: isize) -> Option<usize> {
        // Per open collection: whether a mapping, and its state. Sequences: 0 item or end,
        // 1 comma or end, 2 item. Mappings: 0 key or end, 1 colon, 2 value, 3 comma or
        // end, 4 key.
        let mut st: Vec<(bool, u8)> = Vec::new();
        let mut i = k;
        loop {
            let mut newline = false;
            if !st.is_empty() {
                i = self.flow_space(i, parent, &mut newline)?;
            }
            let c = self.at(i)?;
            let state = st.last().map(|t| (t.0, t.1));
            let key = matches!(state, Some((true, 0 | 4)));
            let node = matches!(state, None | Some((false, 0 | 2)) | Some((true, 2)));
            let scalar = key || (node && state.is_some());
            match c {
                b'[' | b'{' if node => {
                    if !self.depth_ok(st.len() + 1) {
                        return None;
                    }
                    self.fixup(i);
                    self.sink.open(c == b'{', true, Span::new(i, i + 1), 0)?;
                    st.push((c == b'{', 0));
                    i += 1;
                    continue;
                }
                b']' if matches!(state, Some((false, 0..=2))) => {
                    self.sink.close(i + 1);
                    st.pop();
                    i += 1;
                }
                b'}' if matches!(state, Some((true, 0 | 3 | 4))) => {
                    self.sink.close(i + 1);
                    st.pop();
                    i += 1;
                }
                b',' => {
                    let t = st.last_mut()?;
                    t.1 = match *t {
                        (false, 1) => 2,
                        (true, 3) => 4,
                        _ => return None,
                    };
                    i += 1;
                    continue;
                }
                b':' if state == Some((true, 1)) && !newline => {
                    if let Some(t) = st.last_mut() {
                        t.1 = 2;
                    }
                    i += 1;
                    continue;
                }
                b'"' | b'\'' if scalar => {
                    let (end, value) = self.quoted(i, if key { None } else { Some(parent) })?;
                    let style = quote_style(c);
                    if key && end - i > MAX_KEY {
                        return None;
                    }
                    self.scalar(&value, style, Span::new(i, end))?;
                    i = end;
                }
                _ if scalar && self.plain_start(i, true) => {
                    let mut p = i;
                    loop {
                        match self.at(p) {
                            None | Some(b'\n' | b',' | b'[' | b']' | b'{' | b'}') => break,
                            // `a:[` and `a:{` are granit's errors; `a:b` is one plain
                            // scalar in YAML 1.2 but left to granit.
                            Some(b':') => match self.at(p + 1) {
                                None | Some(b' ' | b'\n' | b',' | b']' | b'}') => break,
                                _ => return None,
                            },
                            Some(b' ') if self.at(p + 1) == Some(b'#') => break,
                            _ => p += 1,
                        }
                    }
                    let mut e = p;
                    while e > i && self.at(e - 1) == Some(b' ') {
                        e -= 1;
                    }
                    if key && e - i > MAX_KEY {
                        return None;
                    }
                    let v = self.str(i, e)?;
                    self.scalar(v, Style::Plain, Span::new(i, e))?;
                    i = e;
                }
                _ => return None,
            }
            // A node ended (a scalar, or a collection closed): the parent moves on.
            match st.last_mut() {
                None => return Some(i),
                Some(t) => {
                    t.1 = match *t {
                        (false, 0 | 2) => 1,
                        (true, 0 | 4) => 1,
                        (true, 2) => 3,
                        _ => return None,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{plain_byte, plain_bytes};

    /// The check byte by byte, as it was before blocks: what `plain_bytes` must agree with.
    fn byte_by_byte(b: &[u8]) -> bool {
        (0..b.len()).all(|i| plain_byte(b, i))
    }

    #[test]
    fn block_checks_agree_with_byte_checks_across_block_edges() {
        let specials: &[&[u8]] = &[
            b"\r\n",
            b"\r",
            b"\t",
            b"\x7f",
            b"\xc2\x85",
            b"\xc2\xa0",
            b"\xef\xbb\xbf",
            b"\xef\xbf\xbe",
            b"\xef\xbf\xbd",
            b"\xe2\x80\xa8",
            b"\xe2\x80\xa9",
            b"\xe2\x80\xa6",
            "é".as_bytes(),
            b"\x00",
        ];
        for special in specials {
            // Each special sequence at every offset around the first block edges.
            for at in 56..136 {
                let mut text = vec![b'a'; 200];
                text[at..at + special.len()].copy_from_slice(special);
                assert_eq!(
                    plain_bytes(&text),
                    byte_by_byte(&text),
                    "{special:?} at {at}"
                );
                // Cut right after it (a sequence split by the end).
                let cut = &text[..at + 1];
                assert_eq!(
                    plain_bytes(cut),
                    byte_by_byte(cut),
                    "{special:?} cut at {at}"
                );
            }
        }
        assert!(plain_bytes(b"a: b\nc: d\n"));
        assert!(!plain_bytes(b"a:\tb\n"));
        assert!(plain_bytes(b"a: b\r\n"));
        assert!(!plain_bytes(b"a: b\rc"));
    }
}
