//! PDF objects (ISO 32000-1 §7.3): a parser over bytes in memory and a
//! writer. Only what signing and verifying need; every loop is bounded by the
//! input and nesting by [`MAX_DEPTH`].

use super::PdfError;

/// Deepest nesting of arrays and dictionaries accepted.
const MAX_DEPTH: usize = 64;

/// An object reference: object number and generation.
pub type ObjRef = (u32, u16);

#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Null,
    Bool(bool),
    Int(i64),
    /// A real number as written (kept as text so that it is written back unchanged).
    Real(String),
    Str(Vec<u8>),
    Name(Vec<u8>),
    Array(Vec<Object>),
    Dict(Dict),
    Ref(ObjRef),
}

/// A dictionary, keys in their original order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dict(pub Vec<(Vec<u8>, Object)>);

impl Dict {
    pub fn get(&self, key: &str) -> Option<&Object> {
        self.0.iter().find(|(k, _)| k == key.as_bytes()).map(|(_, v)| v)
    }

    /// Set `key`, replacing its value in place or adding it at the end.
    pub fn set(&mut self, key: &str, value: Object) {
        match self.0.iter_mut().find(|(k, _)| k == key.as_bytes()) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key.as_bytes().to_vec(), value)),
        }
    }

    pub fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| k != key.as_bytes());
    }

    pub fn name(&self, key: &str) -> Option<&[u8]> {
        match self.get(key) {
            Some(Object::Name(n)) => Some(n),
            _ => None,
        }
    }
}

impl Object {
    pub fn name(s: &str) -> Object {
        Object::Name(s.as_bytes().to_vec())
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Object::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            _ => None,
        }
    }
}

fn is_white(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

fn is_delim(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delim(b)
}

/// A cursor over the file's bytes.
pub struct Parser<'a> {
    pub data: &'a [u8],
    pub pos: usize,
}

impl<'a> Parser<'a> {
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        Parser { data, pos }
    }

    fn damaged(&self, what: &str) -> PdfError {
        PdfError::Damaged(format!("{what} at byte {}", self.pos))
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Skip white space and comments.
    pub fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The next run of regular characters (a keyword or a number), without consuming it.
    fn peek_token(&self) -> &'a [u8] {
        let end = self.data[self.pos.min(self.data.len())..]
            .iter()
            .position(|&b| !is_regular(b))
            .map_or(self.data.len(), |n| self.pos + n);
        &self.data[self.pos.min(end)..end]
    }

    /// Consume `word` (after white space) if it comes next as a whole token.
    pub fn keyword(&mut self, word: &str) -> bool {
        self.skip_ws();
        if self.peek_token() == word.as_bytes() {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    /// An unsigned integer token.
    pub fn unsigned(&mut self) -> Option<u64> {
        self.skip_ws();
        let token = self.peek_token();
        if token.is_empty() || token.len() > 18 || !token.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos += token.len();
        std::str::from_utf8(token).ok()?.parse().ok()
    }

    /// `N G obj`: the header of an indirect object.
    pub fn object_header(&mut self) -> Option<ObjRef> {
        let num = u32::try_from(self.unsigned()?).ok()?;
        let gen = u16::try_from(self.unsigned()?).ok()?;
        self.keyword("obj").then_some((num, gen))
    }

    pub fn object(&mut self) -> Result<Object, PdfError> {
        self.object_at_depth(0)
    }

    fn object_at_depth(&mut self, depth: usize) -> Result<Object, PdfError> {
        if depth > MAX_DEPTH {
            return Err(self.damaged("objects nested too deeply"));
        }
        self.skip_ws();
        let b = self.peek().ok_or_else(|| self.damaged("unexpected end of file"))?;
        match b {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.name()?))
            }
            b'(' => Ok(Object::Str(self.literal_string()?)),
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut dict = Dict::default();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b'>') if self.data.get(self.pos + 1) == Some(&b'>') => {
                            self.pos += 2;
                            return Ok(Object::Dict(dict));
                        }
                        Some(b'/') => {
                            self.pos += 1;
                            let key = self.name()?;
                            let value = self.object_at_depth(depth + 1)?;
                            // A null value is the same as an absent key (§7.3.7).
                            if value != Object::Null {
                                dict.0.push((key, value));
                            }
                        }
                        _ => return Err(self.damaged("bad dictionary key")),
                    }
                }
            }
            b'<' => Ok(Object::Str(self.hex_string()?)),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Object::Array(items));
                        }
                        None => return Err(self.damaged("unterminated array")),
                        _ => items.push(self.object_at_depth(depth + 1)?),
                    }
                }
            }
            _ => self.number_or_keyword(),
        }
    }

    fn number_or_keyword(&mut self) -> Result<Object, PdfError> {
        let token = self.peek_token();
        if token.is_empty() {
            return Err(self.damaged("unexpected character"));
        }
        let start = self.pos;
        self.pos += token.len();
        match token {
            b"null" => return Ok(Object::Null),
            b"true" => return Ok(Object::Bool(true)),
            b"false" => return Ok(Object::Bool(false)),
            _ => {}
        }
        let text = std::str::from_utf8(token).map_err(|_| self.damaged("bad token"))?;
        if token.iter().all(|c| c.is_ascii_digit()) && token.len() <= 10 {
            // Maybe `N G R`.
            let after = self.pos;
            if let (Some(gen), true) = (self.unsigned(), true) {
                if gen <= u64::from(u16::MAX) && self.keyword("R") {
                    if let Ok(num) = u32::try_from(text.parse::<u64>().unwrap_or(u64::MAX)) {
                        return Ok(Object::Ref((num, gen as u16)));
                    }
                }
            }
            self.pos = after;
        }
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Object::Int(i));
        }
        let numeric = text.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+'));
        if numeric && text.bytes().any(|c| c.is_ascii_digit()) {
            return Ok(Object::Real(text.to_string()));
        }
        self.pos = start;
        Err(self.damaged(&format!("unexpected {:?}", String::from_utf8_lossy(&token[..token.len().min(20)]))))
    }

    fn name(&mut self) -> Result<Vec<u8>, PdfError> {
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            if !is_regular(b) {
                break;
            }
            self.pos += 1;
            if b == b'#' {
                let hex = self.data.get(self.pos..self.pos + 2).ok_or_else(|| self.damaged("bad name"))?;
                let v = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| self.damaged("bad name escape"))?;
                out.push(v);
                self.pos += 2;
            } else {
                out.push(b);
            }
        }
        Ok(out)
    }

    fn literal_string(&mut self) -> Result<Vec<u8>, PdfError> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut nesting = 1usize;
        loop {
            let b = self.peek().ok_or_else(|| self.damaged("unterminated string"))?;
            self.pos += 1;
            match b {
                b'(' => {
                    nesting += 1;
                    out.push(b);
                }
                b')' => {
                    nesting -= 1;
                    if nesting == 0 {
                        return Ok(out);
                    }
                    out.push(b);
                }
                b'\\' => {
                    let e = self.peek().ok_or_else(|| self.damaged("unterminated string"))?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
    }

    fn hex_string(&mut self) -> Result<Vec<u8>, PdfError> {
        self.pos += 1;
        let mut digits = Vec::new();
        loop {
            let b = self.peek().ok_or_else(|| self.damaged("unterminated hex string"))?;
            self.pos += 1;
            match b {
                b'>' => break,
                b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => digits.push(b),
                b if is_white(b) => {}
                _ => return Err(self.damaged("bad hex string")),
            }
        }
        if !digits.len().is_multiple_of(2) {
            digits.push(b'0');
        }
        let text = std::str::from_utf8(&digits).map_err(|_| self.damaged("bad hex string"))?;
        hex::decode(text).map_err(|_| self.damaged("bad hex string"))
    }
}

/// Write an object in PDF syntax. Strings are written as hex, names escaped.
pub fn write(obj: &Object, out: &mut Vec<u8>) {
    match obj {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => out.extend_from_slice(r.as_bytes()),
        Object::Str(s) => {
            out.push(b'<');
            out.extend_from_slice(hex::encode_upper(s).as_bytes());
            out.push(b'>');
        }
        Object::Name(n) => write_name(n, out),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write(item, out);
            }
            out.push(b']');
        }
        Object::Dict(d) => write_dict(d, out),
        Object::Ref((n, g)) => out.extend_from_slice(format!("{n} {g} R").as_bytes()),
    }
}

pub fn write_dict(d: &Dict, out: &mut Vec<u8>) {
    out.extend_from_slice(b"<<");
    for (k, v) in &d.0 {
        write_name(k, out);
        out.push(b' ');
        write(v, out);
    }
    out.extend_from_slice(b">>");
}

fn write_name(n: &[u8], out: &mut Vec<u8>) {
    out.push(b'/');
    for &b in n {
        if is_regular(b) && (b'!'..=b'~').contains(&b) && b != b'#' {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Object {
        Parser::new(text.as_bytes(), 0).object().unwrap()
    }

    #[test]
    fn objects_round_trip() {
        let o = parse(
            "<< /Type /Page /Kids [1 0 R 2 0 R] /N -3 /F 1.5 /S (a\\(b\\)\\101) /H <4142> /A#20b null /X null >>",
        );
        let d = o.as_dict().unwrap();
        assert_eq!(d.get("Kids"), Some(&Object::Array(vec![Object::Ref((1, 0)), Object::Ref((2, 0))])));
        assert_eq!(d.get("S"), Some(&Object::Str(b"a(b)A".to_vec())));
        assert_eq!(d.get("H"), Some(&Object::Str(b"AB".to_vec())));
        assert_eq!(d.get("F"), Some(&Object::Real("1.5".into())));
        assert!(d.get("X").is_none());
        let mut out = Vec::new();
        write(&o, &mut out);
        assert_eq!(parse(std::str::from_utf8(&out).unwrap()), o);
    }

    #[test]
    fn bad_objects_are_errors() {
        for text in ["<< /A", "[1 2", "(abc", "<4G>", "<< 1 2 >>", "]", &"[".repeat(100)] {
            assert!(Parser::new(text.as_bytes(), 0).object().is_err(), "{text}");
        }
    }
}
