//! PDF signatures: the incremental update that adds a signature field
//! (ISO 32000-1 §12.8), and reading the signatures of a file back.
//!
//! The file is held in memory once. Only the cross-reference sections, the
//! catalog, the AcroForm, its fields and the first page are parsed ([`reader`]);
//! page contents, images and fonts are never decoded. The update is appended
//! to the original bytes, which stay as they were.

pub mod object;
pub mod reader;
pub mod signatures;

use std::collections::HashSet;

use object::{write, write_dict, Dict, ObjRef, Object};
use reader::{Document, XrefKind};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("it is not a PDF file (no %PDF- header)")]
    NotPdf,
    #[error("the PDF is encrypted")]
    Encrypted,
    #[error("the PDF is damaged: {0}")]
    Damaged(String),
    #[error("the PDF is too large to handle: {0}")]
    TooLarge(String),
    #[error("the PDF uses something jpki does not support: {0}")]
    Unsupported(String),
    #[error("the signature ({0} bytes) does not fit the space reserved for it")]
    SignatureTooLarge(usize),
}

/// Deepest page or field tree walked.
const MAX_TREE_DEPTH: usize = 64;
/// Most fields looked at in a form.
const MAX_FIELDS: usize = 100_000;

/// Which kind of signature: its /SubFilter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// `adbe.pkcs7.detached`: CMS with the signing time in the signed attributes.
    Adbe,
    /// `ETSI.CAdES.detached` (PAdES baseline B-B): ESS signing-certificate-v2, no signing-time attribute.
    Pades,
}

impl Profile {
    pub fn sub_filter(self) -> &'static str {
        match self {
            Profile::Adbe => "adbe.pkcs7.detached",
            Profile::Pades => "ETSI.CAdES.detached",
        }
    }
}

/// What goes into the signature dictionary besides the signature.
#[derive(Debug, Clone, Default)]
pub struct SignatureFields {
    pub reason: Option<String>,
    pub location: Option<String>,
    pub contact: Option<String>,
    /// Unix seconds, written as /M.
    pub signing_time: i64,
}

/// The update planned from the original file, before any card work: the new
/// and rewritten objects except the signature dictionary.
pub struct Plan {
    original_len: usize,
    /// The original does not end with an end-of-line.
    needs_eol: bool,
    prev: usize,
    xref: XrefKind,
    size: u32,
    root: ObjRef,
    info: Option<Object>,
    id: Option<Object>,
    sig_num: u32,
    /// Objects to write after the signature dictionary, in order.
    objects: Vec<(ObjRef, Object)>,
    /// The field name chosen for the new signature.
    pub field_name: String,
}

/// The update with room for the signature: ready to hash, then to fill.
pub struct Prepared {
    pub update: Vec<u8>,
    /// Where the `<` and the byte after the `>` of /Contents are, in the whole output.
    pub contents: (usize, usize),
    pub byte_range: [usize; 4],
}

/// A text string: PDFDocEncoding for printable ASCII, else UTF-16BE with a BOM (§7.9.2.2).
pub fn text_string(s: &str) -> Vec<u8> {
    if s.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        return s.as_bytes().to_vec();
    }
    let mut out = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}

/// A text string back to Rust (UTF-16BE with a BOM, UTF-8 with a BOM, or PDFDocEncoding read as Latin-1).
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// `D:YYYYMMDDHHmmSSZ` for Unix seconds.
pub fn pdf_date(unix: i64) -> String {
    let text = crate::cert::format_time(unix);
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    format!("D:{digits}Z")
}

/// Unix seconds of a PDF date (`D:YYYYMMDDHHmmSS` with an optional offset); `None` when unreadable.
pub fn parse_pdf_date(text: &str) -> Option<i64> {
    let t = text.strip_prefix("D:").unwrap_or(text);
    let num = |r: std::ops::Range<usize>, default: i64| -> Option<i64> {
        match t.get(r) {
            Some(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
            Some(_) => None,
            None => Some(default),
        }
    };
    let year = num(0..4, -1)?;
    if year < 0 || t.len() < 4 {
        return None;
    }
    let (month, day) = (num(4..6, 1)?, num(6..8, 1)?);
    let (hour, minute, second) = (num(8..10, 0)?, num(10..12, 0)?, num(12..14, 0)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut offset = 0;
    if let Some(sign @ (b'+' | b'-')) = t.as_bytes().get(14) {
        let rest: String = t[15..].chars().filter(char::is_ascii_digit).collect();
        let oh: i64 = rest.get(0..2).and_then(|s| s.parse().ok()).unwrap_or(0);
        let om: i64 = rest.get(2..4).and_then(|s| s.parse().ok()).unwrap_or(0);
        offset = (oh * 3600 + om * 60) * if *sign == b'+' { 1 } else { -1 };
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The first page (a leaf of the page tree).
fn first_page(doc: &Document<'_>, catalog: &Dict) -> Result<ObjRef, PdfError> {
    let mut node = match catalog.get("Pages") {
        Some(Object::Ref(r)) => *r,
        _ => return Err(PdfError::Damaged("the catalog has no page tree".into())),
    };
    for _ in 0..MAX_TREE_DEPTH {
        let dict =
            doc.dict_at(Some(&Object::Ref(node)))?.ok_or_else(|| PdfError::Damaged("a page is missing".into()))?;
        match dict.get("Kids") {
            Some(kids) if dict.name("Type") != Some(b"Page") => match doc.resolve(kids)? {
                Object::Array(a) => match a.first() {
                    Some(Object::Ref(r)) => node = *r,
                    _ => return Err(PdfError::Damaged("the document has no pages".into())),
                },
                _ => return Err(PdfError::Damaged("bad /Kids in the page tree".into())),
            },
            _ => return Ok(node),
        }
    }
    Err(PdfError::Damaged("the page tree is too deep or loops".into()))
}

/// Every field of the form: (full name, dictionary), depth-first.
pub(crate) fn fields(doc: &Document<'_>, acroform: &Dict) -> Result<Vec<(String, Dict)>, PdfError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let top = match acroform.get("Fields") {
        Some(f) => match doc.resolve(f)? {
            Object::Array(a) => a,
            Object::Null => vec![],
            _ => return Err(PdfError::Damaged("/Fields is not an array".into())),
        },
        None => vec![],
    };
    let mut stack: Vec<(Object, String, usize)> = top.into_iter().rev().map(|o| (o, String::new(), 0)).collect();
    while let Some((obj, parent, depth)) = stack.pop() {
        if depth > MAX_TREE_DEPTH || out.len() > MAX_FIELDS {
            return Err(PdfError::Damaged("the form's field tree is too deep or too large".into()));
        }
        if let Object::Ref(r) = obj {
            if !seen.insert(r) {
                continue;
            }
        }
        let Object::Dict(dict) = doc.resolve(&obj)? else { continue };
        let name = match dict.get("T") {
            Some(Object::Str(t)) if parent.is_empty() => decode_text(t),
            Some(Object::Str(t)) => format!("{parent}.{}", decode_text(t)),
            _ => parent.clone(),
        };
        if let Some(kids) = dict.get("Kids") {
            if let Object::Array(a) = doc.resolve(kids)? {
                for kid in a.into_iter().rev() {
                    stack.push((kid, name.clone(), depth + 1));
                }
            }
        }
        out.push((name, dict));
    }
    Ok(out)
}

/// Plan the update that adds an invisible signature field on the first page.
pub fn plan(data: &[u8]) -> Result<Plan, PdfError> {
    // The /ByteRange placeholder holds 10 digits; leave room for the update.
    if data.len() > 9_000_000_000 {
        return Err(PdfError::TooLarge("files over 9 GB cannot be signed".into()));
    }
    let doc = Document::load(data)?;
    let root = doc.root_ref();
    let mut catalog =
        doc.dict_at(Some(&Object::Ref(root)))?.ok_or_else(|| PdfError::Damaged("the catalog is missing".into()))?;
    let page_ref = first_page(&doc, &catalog)?;
    let size = doc.size();
    let (sig_num, field_num) = (size, size + 1);
    let field = Object::Ref((field_num, 0));
    let mut objects = Vec::new();

    // The form: the new field is added to /Fields, and /SigFlags says the file is signed and append-only.
    let existing = doc.dict_at(catalog.get("AcroForm"))?;
    let mut acroform = existing.clone().unwrap_or_default();
    let mut field_list = match acroform.get("Fields") {
        Some(f) => match doc.resolve(f)? {
            Object::Array(a) => a,
            _ => vec![],
        },
        None => vec![],
    };
    let names: HashSet<String> = fields(&doc, &acroform)?.into_iter().map(|(n, _)| n).collect();
    let field_name = (1..).map(|i| format!("Signature{i}")).find(|n| !names.contains(n)).unwrap_or_default();
    field_list.push(field.clone());
    acroform.set("Fields", Object::Array(field_list));
    let flags = acroform.get("SigFlags").and_then(Object::as_int).unwrap_or(0);
    acroform.set("SigFlags", Object::Int(flags | 3));
    let mut next = field_num + 1;
    match catalog.get("AcroForm") {
        Some(Object::Ref(r)) if existing.is_some() => objects.push((*r, Object::Dict(acroform))),
        _ => {
            let form_ref = (next, 0);
            next += 1;
            objects.push((form_ref, Object::Dict(acroform)));
            catalog.set("AcroForm", Object::Ref(form_ref));
            objects.push((root, Object::Dict(catalog)));
        }
    }

    // The widget goes into the page's /Annots (or the array it refers to).
    let mut page = doc.dict_at(Some(&Object::Ref(page_ref)))?.unwrap_or_default();
    match page.get("Annots").cloned() {
        Some(Object::Ref(r)) => {
            let mut annots = match doc.get(r)? {
                Object::Array(a) => a,
                _ => return Err(PdfError::Damaged("the page's /Annots is not an array".into())),
            };
            annots.push(field.clone());
            objects.push(((r.0, doc.generation(r.0)), Object::Array(annots)));
        }
        other => {
            let mut annots = match other {
                Some(Object::Array(a)) => a,
                _ => vec![],
            };
            annots.push(field.clone());
            page.set("Annots", Object::Array(annots));
            objects.push(((page_ref.0, doc.generation(page_ref.0)), Object::Dict(page)));
        }
    }
    let widget = Dict(vec![
        (b"Type".to_vec(), Object::name("Annot")),
        (b"Subtype".to_vec(), Object::name("Widget")),
        (b"FT".to_vec(), Object::name("Sig")),
        (b"T".to_vec(), Object::Str(text_string(&field_name))),
        (b"V".to_vec(), Object::Ref((sig_num, 0))),
        // Print + Locked; a zero rectangle makes it invisible.
        (b"F".to_vec(), Object::Int(132)),
        (b"Rect".to_vec(), Object::Array(vec![Object::Int(0); 4])),
        (b"P".to_vec(), Object::Ref(page_ref)),
    ]);
    objects.insert(0, ((field_num, 0), Object::Dict(widget)));
    Ok(Plan {
        original_len: data.len(),
        needs_eol: !matches!(data.last(), Some(b'\n' | b'\r')),
        prev: doc.startxref,
        xref: doc.last_xref,
        size: next,
        root,
        info: doc.trailer.get("Info").cloned(),
        id: doc.trailer.get("ID").cloned(),
        sig_num,
        objects,
        field_name,
    })
}

/// Width of each ByteRange number in the placeholder.
const RANGE_DIGITS: usize = 10;

impl Plan {
    /// Build the update with /Contents sized for a CMS of `cms_len` bytes.
    pub fn prepare(&self, profile: Profile, fields: &SignatureFields, cms_len: usize) -> Result<Prepared, PdfError> {
        let base = self.original_len;
        let mut out = Vec::new();
        if self.needs_eol {
            out.push(b'\n');
        }
        let mut offsets: Vec<(ObjRef, usize)> = Vec::new();

        offsets.push(((self.sig_num, 0), base + out.len()));
        let mut sig = Dict(vec![
            (b"Type".to_vec(), Object::name("Sig")),
            (b"Filter".to_vec(), Object::name("Adobe.PPKLite")),
            (b"SubFilter".to_vec(), Object::name(profile.sub_filter())),
            (b"M".to_vec(), Object::Str(pdf_date(fields.signing_time).into_bytes())),
        ]);
        for (key, value) in
            [("Reason", &fields.reason), ("Location", &fields.location), ("ContactInfo", &fields.contact)]
        {
            if let Some(v) = value {
                sig.set(key, Object::Str(text_string(v)));
            }
        }
        out.extend_from_slice(format!("{} 0 obj\n", self.sig_num).as_bytes());
        write_dict(&sig, &mut out);
        out.truncate(out.len() - 2);
        out.extend_from_slice(b"/ByteRange [");
        let range_at = out.len();
        out.extend_from_slice(format!("0 {}]", " ".repeat(RANGE_DIGITS * 3 + 2)).as_bytes());
        out.extend_from_slice(b"/Contents ");
        let contents_start = base + out.len();
        out.push(b'<');
        out.resize(out.len() + cms_len * 2, b'0');
        out.push(b'>');
        let contents_end = base + out.len();
        out.extend_from_slice(b">>\nendobj\n");

        for (r, obj) in &self.objects {
            offsets.push((*r, base + out.len()));
            out.extend_from_slice(format!("{} {} obj\n", r.0, r.1).as_bytes());
            write(obj, &mut out);
            out.extend_from_slice(b"\nendobj\n");
        }
        let mut trailer = Dict(vec![(b"Size".to_vec(), Object::Int(0)), (b"Root".to_vec(), Object::Ref(self.root))]);
        if let Some(info) = &self.info {
            trailer.set("Info", info.clone());
        }
        if let Some(id) = &self.id {
            trailer.set("ID", id.clone());
        }
        trailer.set("Prev", Object::Int(self.prev as i64));
        let xref_at = base + out.len();
        match self.xref {
            XrefKind::Table => {
                trailer.set("Size", Object::Int(i64::from(self.size)));
                offsets.sort();
                out.extend_from_slice(b"xref\n");
                let mut i = 0;
                while i < offsets.len() {
                    let mut j = i + 1;
                    while j < offsets.len() && offsets[j].0 .0 == offsets[j - 1].0 .0 + 1 {
                        j += 1;
                    }
                    out.extend_from_slice(format!("{} {}\n", offsets[i].0 .0, j - i).as_bytes());
                    for ((_, gen), off) in &offsets[i..j] {
                        out.extend_from_slice(format!("{off:010} {gen:05} n\r\n").as_bytes());
                    }
                    i = j;
                }
                out.extend_from_slice(b"trailer\n");
                write_dict(&trailer, &mut out);
                out.push(b'\n');
            }
            XrefKind::Stream => {
                let xref_num = self.size;
                offsets.push(((xref_num, 0), xref_at));
                offsets.sort();
                let width = (1..=8).find(|w| (xref_at as u64) < 1u64 << (8 * w)).unwrap_or(8).max(4);
                let mut rows = Vec::new();
                let mut index = Vec::new();
                for ((num, gen), off) in &offsets {
                    index.extend([Object::Int(i64::from(*num)), Object::Int(1)]);
                    rows.push(1u8);
                    rows.extend_from_slice(&(*off as u64).to_be_bytes()[8 - width..]);
                    rows.extend_from_slice(&gen.to_be_bytes());
                }
                trailer.set("Size", Object::Int(i64::from(xref_num) + 1));
                let mut dict = Dict(vec![
                    (b"Type".to_vec(), Object::name("XRef")),
                    (b"W".to_vec(), Object::Array(vec![Object::Int(1), Object::Int(width as i64), Object::Int(2)])),
                    (b"Index".to_vec(), Object::Array(index)),
                ]);
                dict.0.extend(trailer.0);
                dict.set("Length", Object::Int(rows.len() as i64));
                out.extend_from_slice(format!("{xref_num} 0 obj\n").as_bytes());
                write_dict(&dict, &mut out);
                out.extend_from_slice(b"\nstream\n");
                out.extend_from_slice(&rows);
                out.extend_from_slice(b"\nendstream\nendobj\n");
            }
        }
        out.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());

        let total = base + out.len();
        let byte_range = [0, contents_start, contents_end, total - contents_end];
        let numbers = format!("0 {:<w$} {:<w$} {:<w$}]", byte_range[1], byte_range[2], byte_range[3], w = RANGE_DIGITS);
        if numbers.len() != RANGE_DIGITS * 3 + 5 {
            return Err(PdfError::TooLarge("the file is too large for a 10-digit /ByteRange".into()));
        }
        out[range_at..range_at + numbers.len()].copy_from_slice(numbers.as_bytes());
        Ok(Prepared { update: out, contents: (contents_start, contents_end), byte_range })
    }
}

impl Prepared {
    /// The digest of what the signature covers: the original bytes, then the update without /Contents.
    pub fn digest(&self, original: &[u8], hash: crate::digest::HashAlgorithm) -> Vec<u8> {
        let base = original.len();
        let (start, end) = (self.contents.0 - base, self.contents.1 - base);
        let mut chain =
            std::io::Read::chain(std::io::Read::chain(original, &self.update[..start]), &self.update[end..]);
        hash.hash_reader(&mut chain).unwrap_or_default()
    }

    /// Put the CMS into the reserved /Contents (zero-padded).
    pub fn embed(&mut self, original_len: usize, cms: &[u8]) -> Result<(), PdfError> {
        let start = self.contents.0 - original_len + 1;
        let room = (self.contents.1 - self.contents.0 - 2) / 2;
        if cms.len() > room {
            return Err(PdfError::SignatureTooLarge(cms.len()));
        }
        let hex = hex::encode_upper(cms);
        self.update[start..start + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A classic PDF of the given objects (numbered from 1), with catalog 1 and one page 3.
    pub(crate) fn build(objects: &[String]) -> Vec<u8> {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(pdf.len());
            pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = pdf.len();
        pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes());
        for o in offsets {
            pdf.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
        }
        let trailer = format!("trailer\n<</Size {}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1);
        pdf.extend_from_slice(trailer.as_bytes());
        pdf
    }

    pub(crate) fn minimal(extra_catalog: &str, more: &[String]) -> Vec<u8> {
        let mut objects = vec![
            format!("<</Type/Catalog/Pages 2 0 R{extra_catalog}>>"),
            "<</Type/Pages/Kids[3 0 R]/Count 1>>".to_string(),
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>".to_string(),
        ];
        objects.extend_from_slice(more);
        build(&objects)
    }

    #[test]
    fn an_update_is_readable_and_its_range_leaves_out_exactly_the_contents() {
        let original = minimal("", &[]);
        let plan = plan(&original).unwrap();
        let fields =
            SignatureFields { reason: Some("契約".into()), signing_time: 1_700_000_000, ..Default::default() };
        let mut ready = plan.prepare(Profile::Pades, &fields, 40).unwrap();
        let digest = ready.digest(&original, crate::digest::HashAlgorithm::Sha256);
        ready.embed(original.len(), &[0x30, 0x03, 0x02, 0x01, 0x07]).unwrap();
        assert_eq!(ready.embed(original.len(), &[0; 41]), Err(PdfError::SignatureTooLarge(41)));
        let mut signed = original.clone();
        signed.extend_from_slice(&ready.update);
        let [_, b, c, d] = ready.byte_range;
        assert_eq!(c + d, signed.len());
        let covered = [&signed[..b], &signed[c..]].concat();
        assert_eq!(crate::digest::HashAlgorithm::Sha256.hash(&covered), digest);
        let found = signatures::find(&signed).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, "Signature1");
        assert_eq!(found[0].sub_filter, "ETSI.CAdES.detached");
        assert_eq!(found[0].reason.as_deref(), Some("契約"));
        // Signing again picks the next free field name.
        assert_eq!(super::plan(&signed).unwrap().field_name, "Signature2");
    }

    #[test]
    fn more_signatures_than_the_limit_are_refused() {
        let n = 65;
        let fields: String = (0..n).map(|i| format!("{} 0 R ", 4 + i)).collect();
        let sigs: Vec<String> =
            (0..n).map(|i| format!("<</FT/Sig/T(s{i})/V<</ByteRange[0 1 2 3]/Contents<00>>>>>")).collect();
        let pdf = minimal(&format!("/AcroForm<</Fields[{fields}]>>"), &sigs);
        assert!(matches!(signatures::check_all(&pdf, None, 0), Err(PdfError::TooLarge(_))));
        let pdf = minimal(&format!("/AcroForm<</Fields[{fields}]>>"), &sigs[..64]);
        assert_eq!(signatures::check_all(&pdf, None, 0).unwrap().len(), 64);
    }

    #[test]
    fn inflating_more_than_the_budget_in_all_is_refused() {
        use std::io::Write;
        // Nine cross-reference streams chained by /Prev, each inflating to 31 MiB.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(&vec![0u8; 31 << 20]).unwrap();
        let packed = z.finish().unwrap();
        let mut pdf = minimal("", &[]);
        pdf.truncate(pdf.windows(4).rposition(|w| w == b"xref").unwrap());
        let mut prev = None;
        for i in 0..9 {
            let at = pdf.len();
            let prev_key = prev.map(|p| format!("/Prev {p}")).unwrap_or_default();
            let head = format!(
                "{} 0 obj\n<</Type/XRef/Size 4/W[1 4 2]/Index[0 1]/Root 1 0 R{prev_key}/Filter/FlateDecode/Length {}>>\nstream\n",
                10 + i,
                packed.len()
            );
            pdf.extend_from_slice(head.as_bytes());
            pdf.extend_from_slice(&packed);
            pdf.extend_from_slice(b"\nendstream\nendobj\n");
            prev = Some(at);
        }
        pdf.extend_from_slice(format!("startxref\n{}\n%%EOF\n", prev.unwrap()).as_bytes());
        assert!(matches!(reader::Document::load(&pdf), Err(PdfError::TooLarge(_))));
    }

    #[test]
    fn dates() {
        assert_eq!(pdf_date(1_700_000_000), "D:20231114221320Z");
        assert_eq!(parse_pdf_date("D:20231114221320Z"), Some(1_700_000_000));
        assert_eq!(parse_pdf_date("D:20231115071320+09'00'"), Some(1_700_000_000));
        assert_eq!(parse_pdf_date("D:2023"), Some(1_672_531_200));
        assert_eq!(parse_pdf_date("D:20231314"), None);
        assert_eq!(parse_pdf_date("D:é"), None);
    }

    #[test]
    fn text_strings() {
        assert_eq!(text_string("ok"), b"ok");
        assert_eq!(decode_text(&text_string("契約")), "契約");
        assert_eq!(decode_text(&[0xFE, 0xFF, 0x30]), "\u{3000}");
    }
}
