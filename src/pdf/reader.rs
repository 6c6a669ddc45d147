//! Reading a PDF lazily: the trailer and cross-reference sections (tables and
//! streams, following /Prev and /XRefStm), then only the objects asked for.
//! Object streams are decoded when an object in them is needed.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use super::object::{Dict, ObjRef, Object, Parser};
use super::PdfError;

/// Largest decoded cross-reference or object stream accepted.
pub const MAX_DECODED_STREAM: usize = 32 << 20;
/// Most bytes inflated in all for one file (cross-reference and object streams).
const MAX_DECODED_TOTAL: usize = 256 << 20;
/// Most cross-reference sections followed (incremental updates).
const MAX_SECTIONS: usize = 4096;
/// Longest chain of references followed when resolving one value.
const MAX_REF_CHAIN: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Free,
    At(usize),
    InStream { stream: u32, index: usize },
}

/// A decoded object stream, its /First and its /N.
type ObjectStream = std::rc::Rc<(Vec<u8>, usize, usize)>;

/// What kind of cross-reference section the file ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefKind {
    Table,
    Stream,
}

/// A parsed PDF held in memory: its bytes, cross-reference map and trailer.
pub struct Document<'a> {
    pub data: &'a [u8],
    entries: HashMap<u32, (Entry, u16)>,
    /// The newest trailer (for a cross-reference stream, its dictionary).
    pub trailer: Dict,
    /// Offset of the newest cross-reference section (`startxref`).
    pub startxref: usize,
    pub last_xref: XrefKind,
    object_streams: std::cell::RefCell<HashMap<u32, ObjectStream>>,
    /// Streams being read (a /Length or object stream can lead back to one).
    depth: std::cell::Cell<usize>,
    /// Bytes inflated so far, against [`MAX_DECODED_TOTAL`].
    decoded: std::cell::Cell<usize>,
}

fn damaged(msg: impl Into<String>) -> PdfError {
    PdfError::Damaged(msg.into())
}

/// The offset after the last `startxref` in the file's tail.
fn find_startxref(data: &[u8]) -> Result<usize, PdfError> {
    if !data.starts_with(b"%PDF-") {
        let head = data.get(..1024).unwrap_or(data);
        if !head.windows(5).any(|w| w == b"%PDF-") {
            return Err(PdfError::NotPdf);
        }
    }
    let tail_start = data.len().saturating_sub(2048);
    let tail = &data[tail_start..];
    let at = tail
        .windows(9)
        .rposition(|w| w == b"startxref")
        .ok_or_else(|| damaged("no startxref at the end (the file is truncated or damaged)"))?;
    let mut p = Parser::new(data, tail_start + at + 9);
    let offset = p.unsigned().ok_or_else(|| damaged("startxref has no offset"))?;
    usize::try_from(offset).ok().filter(|&o| o < data.len()).ok_or_else(|| damaged("startxref points past the end"))
}

impl<'a> Document<'a> {
    /// Read the cross-reference sections and the trailer. Encrypted files are refused.
    pub fn load(data: &'a [u8]) -> Result<Document<'a>, PdfError> {
        let startxref = find_startxref(data)?;
        let mut doc = Document {
            data,
            entries: HashMap::new(),
            trailer: Dict::default(),
            startxref,
            last_xref: XrefKind::Table,
            object_streams: Default::default(),
            depth: Default::default(),
            decoded: Default::default(),
        };
        let mut next = Some(startxref);
        let mut seen = HashSet::new();
        let mut first = true;
        while let Some(offset) = next {
            if !seen.insert(offset) || seen.len() > MAX_SECTIONS {
                return Err(damaged("the cross-reference sections form a loop"));
            }
            let (trailer, kind) = doc.read_section(offset)?;
            if first {
                doc.trailer = trailer.clone();
                doc.last_xref = kind;
                first = false;
            }
            next = match trailer.get("Prev") {
                None => None,
                Some(Object::Int(p)) => {
                    Some(usize::try_from(*p).ok().filter(|&p| p < data.len()).ok_or_else(|| damaged("bad /Prev"))?)
                }
                Some(_) => return Err(damaged("bad /Prev")),
            };
        }
        if doc.trailer.get("Encrypt").is_some() {
            return Err(PdfError::Encrypted);
        }
        match doc.trailer.get("Root") {
            Some(Object::Ref(_)) => {}
            _ => return Err(damaged("the trailer has no /Root")),
        }
        Ok(doc)
    }

    /// One cross-reference section at `offset`; entries already known (newer) win.
    fn read_section(&mut self, offset: usize) -> Result<(Dict, XrefKind), PdfError> {
        let mut p = Parser::new(self.data, offset);
        if p.keyword("xref") {
            let trailer = self.read_table(&mut p)?;
            // A hybrid file: the table's companion stream fills in the rest.
            if let Some(Object::Int(stm)) = trailer.get("XRefStm") {
                let stm = usize::try_from(*stm).ok().filter(|&o| o < self.data.len());
                let stm = stm.ok_or_else(|| damaged("bad /XRefStm"))?;
                self.read_xref_stream(stm)?;
            }
            Ok((trailer, XrefKind::Table))
        } else {
            Ok((self.read_xref_stream(offset)?, XrefKind::Stream))
        }
    }

    fn insert(&mut self, num: u32, entry: Entry, gen: u16) {
        self.entries.entry(num).or_insert((entry, gen));
    }

    fn read_table(&mut self, p: &mut Parser<'a>) -> Result<Dict, PdfError> {
        loop {
            if p.keyword("trailer") {
                return match p.object()? {
                    Object::Dict(d) => Ok(d),
                    _ => Err(damaged("the trailer is not a dictionary")),
                };
            }
            let start = p.unsigned().ok_or_else(|| damaged(format!("bad cross-reference table at byte {}", p.pos)))?;
            let count = p.unsigned().ok_or_else(|| damaged("bad cross-reference subsection"))?;
            for i in 0..count {
                let off = p.unsigned();
                let gen = p.unsigned();
                p.skip_ws();
                let kind = p.data.get(p.pos).copied();
                p.pos += 1;
                let (Some(off), Some(gen), Some(kind @ (b'n' | b'f'))) = (off, gen, kind) else {
                    return Err(damaged(format!("bad cross-reference entry at byte {}", p.pos)));
                };
                let num = u32::try_from(start + i).map_err(|_| damaged("object number too large"))?;
                let gen = u16::try_from(gen).unwrap_or(u16::MAX);
                let entry = if kind == b'n' {
                    Entry::At(usize::try_from(off).map_err(|_| damaged("bad offset"))?)
                } else {
                    Entry::Free
                };
                self.insert(num, entry, gen);
            }
        }
    }

    fn read_xref_stream(&mut self, offset: usize) -> Result<Dict, PdfError> {
        let (_, dict, data) = self.stream_at(offset)?;
        if dict.name("Type") != Some(b"XRef") {
            return Err(damaged(format!("no cross-reference section at byte {offset}")));
        }
        let widths: Vec<usize> = match dict.get("W") {
            Some(Object::Array(w)) if w.len() == 3 => w
                .iter()
                .map(|v| v.as_int().and_then(|i| usize::try_from(i).ok()).filter(|&i| i <= 8))
                .collect::<Option<_>>(),
            _ => None,
        }
        .ok_or_else(|| damaged("bad /W in a cross-reference stream"))?;
        let row = widths.iter().sum::<usize>();
        if row == 0 {
            return Err(damaged("bad /W in a cross-reference stream"));
        }
        let size = dict.get("Size").and_then(Object::as_int).ok_or_else(|| damaged("no /Size"))?;
        let index: Vec<i64> = match dict.get("Index") {
            Some(Object::Array(a)) => {
                a.iter().map(Object::as_int).collect::<Option<_>>().ok_or_else(|| damaged("bad /Index"))?
            }
            _ => vec![0, size],
        };
        if !index.len().is_multiple_of(2) {
            return Err(damaged("bad /Index"));
        }
        let field = |bytes: &[u8]| bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let mut rows = data.chunks_exact(row);
        for pair in index.chunks(2) {
            let (start, count) = (pair[0], pair[1]);
            if start < 0 || count < 0 {
                return Err(damaged("bad /Index"));
            }
            for i in 0..count {
                let Some(r) = rows.next() else {
                    return Err(damaged("a cross-reference stream is shorter than its /Index"));
                };
                let (a, rest) = r.split_at(widths[0]);
                let (b, c) = rest.split_at(widths[1]);
                let kind = if widths[0] == 0 { 1 } else { field(a) };
                let num = u32::try_from(start + i).map_err(|_| damaged("object number too large"))?;
                match kind {
                    0 => self.insert(num, Entry::Free, 0),
                    1 => {
                        let off = usize::try_from(field(b)).map_err(|_| damaged("bad offset"))?;
                        let gen = u16::try_from(field(c)).unwrap_or(u16::MAX);
                        self.insert(num, Entry::At(off), gen);
                    }
                    2 => {
                        let stream = u32::try_from(field(b)).map_err(|_| damaged("bad object stream number"))?;
                        let index = usize::try_from(field(c)).map_err(|_| damaged("bad object stream index"))?;
                        self.insert(num, Entry::InStream { stream, index }, 0);
                    }
                    // Unknown types are to be ignored (§7.5.8.3).
                    _ => {}
                }
            }
        }
        Ok(dict)
    }

    /// The stream object at `offset`: its reference, dictionary and decoded data.
    fn stream_at(&self, offset: usize) -> Result<(ObjRef, Dict, Vec<u8>), PdfError> {
        if self.depth.get() >= 4 {
            return Err(damaged("a stream's /Length or object stream leads back to itself"));
        }
        self.depth.set(self.depth.get() + 1);
        let result = self.stream_at_inner(offset);
        self.depth.set(self.depth.get() - 1);
        result
    }

    fn stream_at_inner(&self, offset: usize) -> Result<(ObjRef, Dict, Vec<u8>), PdfError> {
        let mut p = Parser::new(self.data, offset);
        let r = p.object_header().ok_or_else(|| damaged(format!("no object at byte {offset}")))?;
        let Object::Dict(dict) = p.object()? else {
            return Err(damaged(format!("object {} is not a stream", r.0)));
        };
        if !p.keyword("stream") {
            return Err(damaged(format!("object {} is not a stream", r.0)));
        }
        // The keyword is followed by CRLF or LF (a lone CR is tolerated).
        match (self.data.get(p.pos), self.data.get(p.pos + 1)) {
            (Some(b'\r'), Some(b'\n')) => p.pos += 2,
            (Some(b'\n' | b'\r'), _) => p.pos += 1,
            _ => return Err(damaged(format!("bad stream keyword in object {}", r.0))),
        }
        let len = match dict.get("Length") {
            Some(Object::Int(n)) => *n,
            Some(Object::Ref(lr)) if *lr != r => self.get(*lr)?.as_int().unwrap_or(-1),
            _ => -1,
        };
        let len = usize::try_from(len).map_err(|_| damaged(format!("bad /Length in object {}", r.0)))?;
        let raw = p
            .pos
            .checked_add(len)
            .and_then(|end| self.data.get(p.pos..end))
            .ok_or_else(|| damaged(format!("object {} runs past the end of the file (truncated?)", r.0)))?;
        let mut after = Parser::new(self.data, p.pos + len);
        if !after.keyword("endstream") {
            return Err(damaged(format!("object {}: no endstream after /Length bytes", r.0)));
        }
        let data = decode(&dict, raw)?;
        self.decoded.set(self.decoded.get() + data.len());
        if self.decoded.get() > MAX_DECODED_TOTAL {
            return Err(PdfError::TooLarge(format!(
                "its cross-reference and object streams inflate to more than {} MiB",
                MAX_DECODED_TOTAL >> 20
            )));
        }
        Ok((r, dict.clone(), data))
    }

    /// Object `r` (an error if it does not exist or is damaged; a free object is null).
    pub fn get(&self, r: ObjRef) -> Result<Object, PdfError> {
        match self.entries.get(&r.0) {
            None | Some((Entry::Free, _)) => Ok(Object::Null),
            Some((Entry::At(offset), _)) => {
                let mut p = Parser::new(self.data, *offset);
                match p.object_header() {
                    Some(h) if h.0 == r.0 => p.object(),
                    _ => Err(damaged(format!(
                        "object {} is not where the cross-reference table says (byte {offset})",
                        r.0
                    ))),
                }
            }
            Some((Entry::InStream { stream, index }, _)) => self.get_in_stream(r.0, *stream, *index),
        }
    }

    /// A decoded object stream with its /First and /N, cached.
    fn object_stream(&self, stream: u32) -> Result<ObjectStream, PdfError> {
        if let Some(cached) = self.object_streams.borrow().get(&stream) {
            return Ok(cached.clone());
        }
        let Some((Entry::At(offset), _)) = self.entries.get(&stream) else {
            return Err(damaged(format!("object stream {stream} is missing")));
        };
        let (_, dict, data) = self.stream_at(*offset)?;
        let int = |k: &str| dict.get(k).and_then(Object::as_int).and_then(|v| usize::try_from(v).ok());
        let (Some(first), Some(n)) = (int("First"), int("N")) else {
            return Err(damaged(format!("object stream {stream} has no /First or /N")));
        };
        let loaded = std::rc::Rc::new((data, first, n));
        self.object_streams.borrow_mut().insert(stream, loaded.clone());
        Ok(loaded)
    }

    fn get_in_stream(&self, num: u32, stream: u32, index: usize) -> Result<Object, PdfError> {
        let loaded = self.object_stream(stream)?;
        let (data, first, n) = (&loaded.0, loaded.1, loaded.2);
        if index >= n {
            return Err(damaged(format!("object {num}: index {index} past the end of object stream {stream}")));
        }
        let mut p = Parser::new(data, 0);
        let mut offset = None;
        for i in 0..=index {
            let (Some(found), Some(off)) = (p.unsigned(), p.unsigned()) else {
                return Err(damaged(format!("object stream {stream} has a bad header")));
            };
            if i == index {
                if found != u64::from(num) {
                    return Err(damaged(format!("object stream {stream} does not hold object {num}")));
                }
                offset = Some(off);
            }
        }
        let at = offset
            .and_then(|o| usize::try_from(o).ok())
            .and_then(|o| o.checked_add(first))
            .filter(|&o| o < data.len())
            .ok_or_else(|| damaged(format!("object stream {stream} has a bad offset")))?;
        Parser::new(data, at).object()
    }

    /// Follow references until a direct value.
    pub fn resolve(&self, obj: &Object) -> Result<Object, PdfError> {
        let mut current = obj.clone();
        for _ in 0..MAX_REF_CHAIN {
            match current {
                Object::Ref(r) => current = self.get(r)?,
                other => return Ok(other),
            }
        }
        Err(damaged("a chain of references does not end"))
    }

    /// A dictionary value, resolved; `None` when absent or null.
    pub fn dict_at(&self, obj: Option<&Object>) -> Result<Option<Dict>, PdfError> {
        match obj {
            None => Ok(None),
            Some(o) => match self.resolve(o)? {
                Object::Dict(d) => Ok(Some(d)),
                Object::Null => Ok(None),
                _ => Err(damaged("a dictionary was expected")),
            },
        }
    }

    pub fn root_ref(&self) -> ObjRef {
        match self.trailer.get("Root") {
            Some(Object::Ref(r)) => *r,
            _ => (0, 0),
        }
    }

    /// The highest object number in use, plus one.
    pub fn size(&self) -> u32 {
        let declared = self.trailer.get("Size").and_then(Object::as_int).and_then(|s| u32::try_from(s).ok());
        let seen = self.entries.keys().max().map_or(0, |m| m.saturating_add(1));
        declared.unwrap_or(0).max(seen)
    }

    /// The generation of object `num` in use, for rewriting it.
    pub fn generation(&self, num: u32) -> u16 {
        self.entries.get(&num).map_or(0, |e| e.1)
    }
}

/// Decode a stream's data: no filter, or FlateDecode with an optional PNG predictor.
fn decode(dict: &Dict, raw: &[u8]) -> Result<Vec<u8>, PdfError> {
    let filters: Vec<&[u8]> = match dict.get("Filter") {
        None => vec![],
        Some(Object::Name(n)) => vec![n],
        Some(Object::Array(a)) => {
            a.iter().filter_map(|f| if let Object::Name(n) = f { Some(&n[..]) } else { None }).collect()
        }
        Some(_) => return Err(damaged("bad /Filter")),
    };
    match filters.as_slice() {
        [] => Ok(raw.to_vec()),
        [b"FlateDecode"] => {
            let mut out = Vec::new();
            let mut z = flate2::read::ZlibDecoder::new(raw).take(MAX_DECODED_STREAM as u64 + 1);
            z.read_to_end(&mut out).map_err(|e| damaged(format!("a compressed stream is damaged ({e})")))?;
            if out.len() > MAX_DECODED_STREAM {
                return Err(PdfError::TooLarge(format!(
                    "a cross-reference or object stream decodes to more than {} MiB",
                    MAX_DECODED_STREAM >> 20
                )));
            }
            let params = match dict.get("DecodeParms") {
                Some(Object::Dict(d)) => Some(d.clone()),
                Some(Object::Array(a)) => a.first().and_then(Object::as_dict).cloned(),
                _ => None,
            };
            unpredict(params.as_ref(), out)
        }
        other => Err(PdfError::Unsupported(format!(
            "a cross-reference or object stream uses the filter {}",
            other.iter().map(|f| String::from_utf8_lossy(f)).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Undo a PNG predictor (§7.4.4.4); TIFF predictors are not used for these streams.
fn unpredict(params: Option<&Dict>, data: Vec<u8>) -> Result<Vec<u8>, PdfError> {
    let int = |k: &str, default: i64| params.and_then(|p| p.get(k)).and_then(Object::as_int).unwrap_or(default);
    let predictor = int("Predictor", 1);
    if predictor == 1 {
        return Ok(data);
    }
    if !(10..=15).contains(&predictor) || int("Colors", 1) != 1 || int("BitsPerComponent", 8) != 8 {
        return Err(PdfError::Unsupported(format!("stream predictor {predictor}")));
    }
    let columns = usize::try_from(int("Columns", 1)).ok().filter(|&c| c > 0 && c < 1 << 16);
    let columns = columns.ok_or_else(|| damaged("bad /Columns"))?;
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; columns];
    for row in data.chunks(columns + 1) {
        let (kind, bytes) = row.split_first().ok_or_else(|| damaged("bad predictor row"))?;
        let mut cur = bytes.to_vec();
        cur.resize(columns, 0);
        for i in 0..columns {
            let left = if i > 0 { cur[i - 1] } else { 0 };
            let up = prev[i];
            let up_left = if i > 0 { prev[i - 1] } else { 0 };
            cur[i] = cur[i].wrapping_add(match kind {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => {
                    let p = i16::from(left) + i16::from(up) - i16::from(up_left);
                    let (pa, pb, pc) =
                        ((p - i16::from(left)).abs(), (p - i16::from(up)).abs(), (p - i16::from(up_left)).abs());
                    if pa <= pb && pa <= pc {
                        left
                    } else if pb <= pc {
                        up
                    } else {
                        up_left
                    }
                }
                _ => return Err(damaged("bad predictor row")),
            });
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}
