//! Reading the signatures of a PDF back and checking each one: its byte
//! range, its CMS, the signer's certificate at signing time and its issuer.

use serde::Serialize;

use super::object::Object;
use super::reader::Document;
use super::{decode_text, fields, parse_pdf_date, PdfError};
use crate::cert::{check_certificate, summarize, verify_pkcs1, CertProblem};

/// Most signatures checked in one file (each is a hash over up to the whole file).
const MAX_SIGNATURES: usize = 64;

/// A signature field's value as found in the file.
#[derive(Debug, Clone)]
pub struct FoundSignature {
    pub field: String,
    pub sub_filter: String,
    pub byte_range: Vec<i64>,
    pub pdf_time: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
}

/// What is wrong with one signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigProblem {
    #[error("its /ByteRange is malformed: {0}")]
    ByteRange(String),
    #[error("its CMS cannot be read: {0}")]
    Cms(String),
    #[error("the document was changed after it was signed (the digest does not match)")]
    DigestMismatch,
    #[error("the CMS signature does not verify: {0}")]
    BadSignature(String),
    #[error("the CMS names another certificate than the one it carries (ESS signing-certificate-v2)")]
    SigningCertificate,
    #[error("{0}")]
    Certificate(CertProblem),
}

/// The result of checking one signature.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureCheck {
    pub field: String,
    pub sub_filter: String,
    pub signer: Option<String>,
    /// The holder's name, for a JPKI signing certificate.
    pub holder_name: Option<String>,
    /// Unix seconds: the CMS signing-time attribute, else the dictionary's /M.
    pub signing_time: Option<i64>,
    pub reason: Option<String>,
    pub location: Option<String>,
    /// Bytes from the start of the file that the byte range spans (the signature's revision).
    pub covered_bytes: u64,
    pub covers_whole_file: bool,
    /// Bytes after this signature's revision.
    pub bytes_after: u64,
    /// Everything after this revision is later revisions that each end in a signature.
    pub only_signatures_after: bool,
    #[serde(serialize_with = "problem_text")]
    pub problem: Option<SigProblem>,
}

fn problem_text<S: serde::Serializer>(p: &Option<SigProblem>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.serialize_some(&p.to_string()),
        None => s.serialize_none(),
    }
}

/// Every signature field with a value, in form order.
pub fn find(data: &[u8]) -> Result<Vec<FoundSignature>, PdfError> {
    let doc = Document::load(data)?;
    let catalog = doc.dict_at(Some(&Object::Ref(doc.root_ref())))?.unwrap_or_default();
    let Some(acroform) = doc.dict_at(catalog.get("AcroForm"))? else { return Ok(vec![]) };
    let mut out = Vec::new();
    for (name, field) in fields(&doc, &acroform)? {
        if field.name("FT") != Some(b"Sig") {
            continue;
        }
        let Some(value) = doc.dict_at(field.get("V"))? else { continue };
        let text = |k: &str| match value.get(k) {
            Some(Object::Str(s)) => Some(decode_text(s)),
            _ => None,
        };
        let byte_range = match value.get("ByteRange").map(|b| doc.resolve(b)).transpose()? {
            Some(Object::Array(a)) => a.iter().map(|v| v.as_int().unwrap_or(-1)).collect(),
            _ => vec![],
        };
        if out.len() == MAX_SIGNATURES {
            return Err(PdfError::TooLarge(format!("it has more than {MAX_SIGNATURES} signatures")));
        }
        out.push(FoundSignature {
            field: name,
            sub_filter: value.name("SubFilter").map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default(),
            byte_range,
            pdf_time: text("M"),
            reason: text("Reason"),
            location: text("Location"),
        });
    }
    Ok(out)
}

/// The CMS bytes between the two ranges: a hex string filling the gap exactly, zero padding removed.
fn contents(data: &[u8], range: &[i64]) -> Result<(Vec<u8>, u64), SigProblem> {
    let bad = |m: &str| SigProblem::ByteRange(m.to_string());
    let r: Vec<u64> = range.iter().map(|&v| u64::try_from(v)).collect::<Result<_, _>>().map_err(|_| bad("negative"))?;
    let [a, b, c, d] = r[..] else { return Err(bad("it does not have four numbers")) };
    let len = data.len() as u64;
    let end = c.checked_add(d).ok_or_else(|| bad("too large"))?;
    if a != 0 || b >= c || end > len || c - b < 2 {
        return Err(bad("it does not start at 0 or does not fit the file"));
    }
    let gap = &data[b as usize..c as usize];
    let (Some(b'<'), Some(b'>')) = (gap.first(), gap.last()) else {
        return Err(bad("the part left out is not the /Contents hex string"));
    };
    let digits = &gap[1..gap.len() - 1];
    if !digits.len().is_multiple_of(2) || !digits.iter().all(u8::is_ascii_hexdigit) {
        return Err(bad("the part left out is not the /Contents hex string"));
    }
    let bytes = hex::decode(digits).map_err(|_| bad("bad hex in /Contents"))?;
    let total = crate::ber::header(&bytes)
        .map(|h| h.total_len())
        .map_err(|e| SigProblem::Cms(format!("/Contents is not DER ({e})")))?;
    if total > bytes.len() || bytes[total..].iter().any(|&z| z != 0) {
        return Err(SigProblem::Cms("/Contents holds more than one DER object".into()));
    }
    Ok((bytes[..total].to_vec(), end))
}

/// Ends of the file's revisions (after each `%%EOF` and its end-of-line).
fn revision_ends(data: &[u8]) -> Vec<u64> {
    let mut ends = Vec::new();
    let mut i = 0;
    while let Some(p) = data[i..].windows(5).position(|w| w == b"%%EOF") {
        let mut end = i + p + 5;
        while matches!(data.get(end), Some(b'\r' | b'\n')) {
            end += 1;
        }
        ends.push(end as u64);
        i = i + p + 5;
    }
    ends
}

/// Check every signature. `ca` is the issuing CA's certificate (DER); `now` Unix seconds.
pub fn check_all(data: &[u8], ca: Option<&[u8]>, now: i64) -> Result<Vec<SignatureCheck>, PdfError> {
    let found = find(data)?;
    let len = data.len() as u64;
    // The end of the file, not counting trailing white space.
    let content_end = (data.len() - data.iter().rev().take_while(|b| b.is_ascii_whitespace()).count()) as u64;
    let mut checks: Vec<SignatureCheck> = found.into_iter().map(|s| check_one(data, s, ca, now)).collect();
    let signed_ends: Vec<u64> = checks.iter().filter(|c| c.problem.is_none()).map(|c| c.covered_bytes).collect();
    let eofs = revision_ends(data);
    for c in &mut checks {
        c.covers_whole_file = c.covered_bytes >= content_end && c.covered_bytes <= len;
        c.bytes_after = len.saturating_sub(c.covered_bytes);
        let later_revisions_signed = eofs.iter().filter(|&&e| e > c.covered_bytes).all(|e| signed_ends.contains(e));
        let last_signed = signed_ends.iter().any(|&e| e >= content_end);
        c.only_signatures_after = c.covers_whole_file || (later_revisions_signed && last_signed);
    }
    Ok(checks)
}

fn check_one(data: &[u8], sig: FoundSignature, ca: Option<&[u8]>, now: i64) -> SignatureCheck {
    let mut check = SignatureCheck {
        field: sig.field,
        sub_filter: sig.sub_filter,
        signer: None,
        holder_name: None,
        signing_time: sig.pdf_time.as_deref().and_then(parse_pdf_date),
        reason: sig.reason,
        location: sig.location,
        covered_bytes: 0,
        covers_whole_file: false,
        bytes_after: 0,
        only_signatures_after: false,
        problem: None,
    };
    let (cms_der, end) = match contents(data, &sig.byte_range) {
        Ok(v) => v,
        Err(p) => {
            check.problem = Some(p);
            return check;
        }
    };
    check.covered_bytes = end;
    let result = (|| {
        let parsed = crate::cms::parse(&cms_der).map_err(|e| SigProblem::Cms(e.to_string()))?;
        let cert = parsed
            .signer_certificate
            .clone()
            .ok_or_else(|| SigProblem::Cms("it carries no signer certificate".into()))?;
        if let Ok(summary) = summarize(&cert, now) {
            check.signer = Some(summary.subject);
            check.holder_name = summary.holder.and_then(|h| h.name);
        }
        if parsed.signing_time.is_some() {
            check.signing_time = parsed.signing_time;
        }
        let r = &sig.byte_range;
        let (b, c, d) = (r[1] as usize, r[2] as usize, r[3] as usize);
        let mut covered = std::io::Read::chain(&data[..b], &data[c..c + d]);
        let digest = parsed.hash.hash_reader(&mut covered).unwrap_or_default();
        if digest != parsed.message_digest {
            return Err(SigProblem::DigestMismatch);
        }
        let signed_digest = parsed.hash.hash(&parsed.signed_bytes);
        verify_pkcs1(&cert, parsed.hash, &signed_digest, &parsed.signature)
            .map_err(|e| SigProblem::BadSignature(e.to_string()))?;
        if let Some((hash, cert_hash)) = &parsed.ess_cert_hash {
            if hash.hash(&cert) != *cert_hash {
                return Err(SigProblem::SigningCertificate);
            }
        }
        let at = check.signing_time.unwrap_or(now).clamp(0, now);
        check_certificate(&cert, ca, at).map_err(SigProblem::Certificate)
    })();
    check.problem = result.err();
    check
}
