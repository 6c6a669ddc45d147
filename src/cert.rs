//! Certificates: DER sizing of EF contents, a readable summary, the JPKI
//! subjectAltName personal data, and checking card signatures.

use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPublicKey;
use serde::Serialize;
use x509_parser::prelude::*;

use crate::ber;
use crate::digest::HashAlgorithm;

/// Largest object `jpki` will read from an EF (READ BINARY offsets are 15 bits).
pub const MAX_EF_OBJECT: usize = 0x8000;

/// Problems with the first bytes of a DER object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DerError {
    #[error("too short to hold a DER header")]
    Truncated,
    #[error("not a DER SEQUENCE (first byte {0:#04x})")]
    NotSequence(u8),
    #[error("unsupported DER length form {0:#04x}")]
    BadLengthForm(u8),
    #[error("DER length {0} is zero or larger than {MAX_EF_OBJECT} bytes")]
    BadLength(usize),
}

/// Total size (header + content) of the DER SEQUENCE at the start of `bytes`.
pub fn der_sequence_len(bytes: &[u8]) -> Result<usize, DerError> {
    let tag = *bytes.first().ok_or(DerError::Truncated)?;
    if tag != 0x30 {
        return Err(DerError::NotSequence(tag));
    }
    let header = ber::header(bytes).map_err(|e| match e {
        ber::HeaderError::Truncated => DerError::Truncated,
        ber::HeaderError::LengthForm(form) => DerError::BadLengthForm(form),
        ber::HeaderError::LongTag => DerError::NotSequence(tag),
    })?;
    let total = header.total_len();
    if header.value_len == 0 || total > MAX_EF_OBJECT {
        return Err(DerError::BadLength(total));
    }
    Ok(total)
}

/// Personal data of the holder from the signing certificate's subjectAltName.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct HolderInfo {
    pub name: Option<String>,
    pub name_substitute: Option<String>,
    pub sex: Option<String>,
    /// As stored: an era digit and the Gregorian YYYYMMDD.
    pub birth_date_raw: Option<String>,
    /// YYYY-MM-DD, when the stored value could be read.
    pub birth_date: Option<String>,
    pub address: Option<String>,
    pub address_substitute: Option<String>,
}

/// The JPKI personal-data OIDs (1.2.392.200149.8.5.5.x).
const OID_PREFIX: &str = "1.2.392.200149.8.5.5.";

/// Where a certificate stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertState {
    /// Before notBefore.
    NotYetValid,
    /// Usable, and renewal is not yet possible.
    Valid,
    /// Usable, and inside the renewal window (from [`CertTimes::renewal_from`]
    /// to notAfter).
    RenewalOpen,
    /// After notAfter: it cannot be used any more.
    Expired,
}

/// A certificate's validity, in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertTimes {
    pub not_before: i64,
    pub not_after: i64,
    /// The first moment renewal is possible: see [`renewal_from`].
    pub renewal_from: i64,
}

impl CertTimes {
    pub fn new(not_before: i64, not_after: i64) -> CertTimes {
        CertTimes { not_before, not_after, renewal_from: renewal_from(not_after) }
    }

    /// The state at `now` (Unix seconds). notBefore and notAfter themselves
    /// are inside the validity, as for the signature checks.
    pub fn state_at(&self, now: i64) -> CertState {
        if now < self.not_before {
            CertState::NotYetValid
        } else if now > self.not_after {
            CertState::Expired
        } else if now >= self.renewal_from {
            CertState::RenewalOpen
        } else {
            CertState::Valid
        }
    }
}

/// Japan Standard Time: UTC+9 all year (no daylight saving since 1951).
fn jst() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::fixed(jiff::tz::offset(9))
}

/// When renewal of a certificate expiring at `not_after` becomes possible.
///
/// J-LIS opens renewal 「有効期限の3か月前から」. Taken here as: 00:00 JST on
/// the same calendar day three months before the day of notAfter in JST, the
/// day clamped to the end of a shorter month (expiry on 31 May: from 28 or 29
/// February). The cards' notAfter is 23:59:59 JST of that day.
pub fn renewal_from(not_after: i64) -> i64 {
    let Ok(expiry) = jiff::Timestamp::from_second(not_after) else {
        return not_after;
    };
    let day = expiry.to_zoned_datetime(jst()).date();
    day.checked_sub(jiff::Span::new().months(3))
        .ok()
        .and_then(|d| d.to_zoned_datetime(jst()).ok())
        .map(|z| z.timestamp().as_second())
        .unwrap_or(not_after)
}

/// Unix seconds as RFC 3339 in UTC (`2030-12-25T14:59:59Z`).
pub fn rfc3339(unix: i64) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(t) => t.to_string(),
        Err(_) => format_time(unix),
    }
}

/// A summary of one certificate. Times are RFC 3339 in UTC.
#[derive(Debug, Clone, Serialize)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    /// Days from now to notAfter; negative once expired.
    pub days_left: i64,
    /// From this moment the holder can renew it (see [`renewal_from`]).
    pub renewal_from: String,
    /// The state at the `now` given to [`summarize`].
    pub state: CertState,
    /// The same times, as numbers.
    #[serde(skip)]
    pub times: CertTimes,
    pub key_algorithm: String,
    pub key_bits: usize,
    pub signature_algorithm: String,
    pub key_usage: Vec<String>,
    pub sha256_fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<HolderInfo>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CertError {
    #[error("not a valid X.509 certificate: {0}")]
    Parse(String),
    #[error("the certificate's key is not RSA: {0}")]
    NotRsa(String),
    #[error("the signature does not verify against the certificate's key")]
    SignatureMismatch,
    #[error("signature length {got} does not match the key size {expected}")]
    SignatureLength { got: usize, expected: usize },
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>, CertError> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| CertError::Parse(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CertError::Parse(format!("{} bytes after the certificate", rest.len())));
    }
    Ok(cert)
}

/// The RSA public key of a DER certificate.
pub fn rsa_public_key(der: &[u8]) -> Result<RsaPublicKey, CertError> {
    let cert = parse(der)?;
    RsaPublicKey::from_public_key_der(cert.public_key().raw).map_err(|e| CertError::NotRsa(e.to_string()))
}

/// Check a PKCS#1 v1.5 signature over `digest` against a DER certificate.
pub fn verify_pkcs1(der: &[u8], hash: HashAlgorithm, digest: &[u8], signature: &[u8]) -> Result<(), CertError> {
    let key = rsa_public_key(der)?;
    if signature.len() != key.size() {
        return Err(CertError::SignatureLength { got: signature.len(), expected: key.size() });
    }
    let scheme = hash.pkcs1v15();
    key.verify(scheme, digest, signature).map_err(|_| CertError::SignatureMismatch)
}

/// Summarise a DER certificate; `now` is Unix seconds.
pub fn summarize(der: &[u8], now: i64) -> Result<CertSummary, CertError> {
    let cert = parse(der)?;
    let validity = cert.validity();
    let not_after = validity.not_after.timestamp();
    let times = CertTimes::new(validity.not_before.timestamp(), not_after);
    let key_bits = rsa_public_key(der).map(|k| k.size() * 8).unwrap_or(0);
    let key_usage = cert
        .key_usage()
        .ok()
        .flatten()
        .map(|ku| {
            let ku = ku.value;
            let mut v = Vec::new();
            let names = [
                (ku.digital_signature(), "digitalSignature"),
                (ku.non_repudiation(), "nonRepudiation"),
                (ku.key_encipherment(), "keyEncipherment"),
                (ku.data_encipherment(), "dataEncipherment"),
                (ku.key_agreement(), "keyAgreement"),
                (ku.key_cert_sign(), "keyCertSign"),
                (ku.crl_sign(), "cRLSign"),
            ];
            for (set, name) in names {
                if set {
                    v.push(name.to_string());
                }
            }
            v
        })
        .unwrap_or_default();
    use sha2::Digest;
    let fingerprint = hex::encode_upper(sha2::Sha256::digest(der));
    Ok(CertSummary {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string(),
        not_before: rfc3339(times.not_before),
        not_after: rfc3339(not_after),
        days_left: (not_after - now).div_euclid(86_400),
        renewal_from: rfc3339(times.renewal_from),
        state: times.state_at(now),
        times,
        key_algorithm: if key_bits > 0 { "RSA".into() } else { cert.public_key().algorithm.algorithm.to_id_string() },
        key_bits,
        signature_algorithm: signature_algorithm_name(&cert.signature_algorithm.algorithm.to_id_string()),
        key_usage,
        sha256_fingerprint: fingerprint,
        holder: holder_info(&cert),
    })
}

fn signature_algorithm_name(oid: &str) -> String {
    let known = const_oid::ObjectIdentifier::new(oid).ok().and_then(|oid| const_oid::db::DB.by_oid(&oid));
    known.unwrap_or(oid).to_string()
}

/// The hash of an RSA PKCS#1 v1.5 signature algorithm.
fn rsa_signature_hash(oid: &str) -> Option<HashAlgorithm> {
    use const_oid::db::rfc5912::{
        SHA_1_WITH_RSA_ENCRYPTION, SHA_224_WITH_RSA_ENCRYPTION, SHA_256_WITH_RSA_ENCRYPTION,
        SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
    };
    let oid = const_oid::ObjectIdentifier::new(oid).ok()?;
    [
        (SHA_1_WITH_RSA_ENCRYPTION, HashAlgorithm::Sha1),
        (SHA_224_WITH_RSA_ENCRYPTION, HashAlgorithm::Sha224),
        (SHA_256_WITH_RSA_ENCRYPTION, HashAlgorithm::Sha256),
        (SHA_384_WITH_RSA_ENCRYPTION, HashAlgorithm::Sha384),
        (SHA_512_WITH_RSA_ENCRYPTION, HashAlgorithm::Sha512),
    ]
    .into_iter()
    .find_map(|(known, hash)| (known == oid).then_some(hash))
}

/// The holder's personal data from the JPKI otherName entries, if any.
fn holder_info(cert: &X509Certificate<'_>) -> Option<HolderInfo> {
    let san = cert.subject_alternative_name().ok().flatten()?;
    let mut info = HolderInfo::default();
    let mut found = false;
    for name in &san.value.general_names {
        let GeneralName::OtherName(oid, value) = name else { continue };
        let oid = oid.to_id_string();
        let Some(suffix) = oid.strip_prefix(OID_PREFIX) else { continue };
        let Some(text) = other_name_text(value) else { continue };
        found = true;
        match suffix {
            "1" => info.name = Some(text),
            "2" => info.name_substitute = Some(text),
            "3" => info.sex = Some(sex_label(&text)),
            "4" => {
                info.birth_date = birth_date_iso(&text);
                info.birth_date_raw = Some(text);
            }
            "5" => info.address = Some(text),
            "6" => info.address_substitute = Some(text),
            _ => found = true,
        }
    }
    found.then_some(info)
}

/// otherName values are `[0] EXPLICIT` around a string; `value` is the raw
/// content of the [0] wrapper including its header in x509-parser 0.17.
fn other_name_text(value: &[u8]) -> Option<String> {
    let inner = strip_tlv(value, 0xA0).unwrap_or(value);
    let (tag, content) = read_tlv(inner)?;
    match tag {
        // UTF8String, PrintableString, IA5String, VisibleString
        0x0C | 0x13 | 0x16 | 0x1A => std::str::from_utf8(content).ok().map(str::to_string),
        _ => None,
    }
}

fn strip_tlv(bytes: &[u8], expected: u8) -> Option<&[u8]> {
    let (tag, content) = read_tlv(bytes)?;
    (tag == expected).then_some(content)
}

/// One BER TLV with a single-byte tag; returns (tag, content).
fn read_tlv(bytes: &[u8]) -> Option<(u8, &[u8])> {
    let (tag, content, _) = ber::tlv(bytes).ok()?;
    Some((u8::try_from(tag).ok()?, content))
}

fn sex_label(code: &str) -> String {
    match code {
        "1" => "male (1)".into(),
        "2" => "female (2)".into(),
        "9" => "not applicable (9)".into(),
        "0" => "unknown (0)".into(),
        other => other.into(),
    }
}

/// `EYYYYMMDD` (era digit + Gregorian date) → `YYYY-MM-DD`.
fn birth_date_iso(raw: &str) -> Option<String> {
    // Checked before slicing: a multi-byte first character would make `[1..]` panic.
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = match raw.len() {
        9 => &raw[1..],
        8 => raw,
        _ => return None,
    };
    Some(format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..8]))
}

/// Unix seconds → `YYYY-MM-DD hh:mm:ss UTC`.
pub fn format_time(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Certificate DER → PEM text.
pub fn to_pem(der: &[u8]) -> String {
    pem_encode("CERTIFICATE", der)
}

/// DER → PEM with the given label (RFC 7468: 64 columns, LF line ends).
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    // Fails only for a label RFC 7468 forbids or a length beyond memory; the
    // labels used here are fixed words.
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).expect("a valid PEM label")
}

/// The first PEM block labelled `label` (any label when `None`), decoded;
/// `None` when there is no such block. Text before the block and after its
/// END line (another block, a certificate dump) is ignored.
pub fn pem_decode(bytes: &[u8], label: Option<&str>) -> Option<Result<Vec<u8>, String>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let begin = match label {
        Some(l) => format!("-----BEGIN {l}-----"),
        None => "-----BEGIN ".to_string(),
    };
    let block = &text[text.find(&begin)?..];
    let end = block.find("-----END ").and_then(|at| {
        let close = at + "-----END ".len();
        block[close..].find("-----").map(|n| close + n + "-----".len())
    });
    let Some(end) = end else {
        return Some(Err("bad PEM: no END line".to_string()));
    };
    Some(der::pem::decode_vec(&block.as_bytes()[..end]).map(|(_, der)| der).map_err(|e| format!("bad PEM: {e}")))
}

/// A PEM certificate, or DER as it is.
pub fn der_from_pem_or_der(bytes: &[u8]) -> Result<Vec<u8>, CertError> {
    match pem_decode(bytes, Some("CERTIFICATE")) {
        None => Ok(bytes.to_vec()),
        Some(decoded) => decoded.map_err(CertError::Parse),
    }
}

/// Check the certificate's signature with the CA certificate's RSA key.
fn verify_issued_by(cert: &X509Certificate<'_>, ca_der: &[u8]) -> Result<(), CertError> {
    let key = rsa_public_key(ca_der)?;
    let algorithm = cert.signature_algorithm.algorithm.to_id_string();
    let hash =
        rsa_signature_hash(&algorithm).ok_or_else(|| CertError::NotRsa(format!("signature algorithm {algorithm}")))?;
    let digest = hash.hash(cert.tbs_certificate.as_ref());
    let scheme = hash.pkcs1v15();
    key.verify(scheme, &digest, &cert.signature_value.data).map_err(|_| CertError::SignatureMismatch)
}

/// Problems a certificate can have for a signature made at `now`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertProblem {
    /// notAfter, Unix seconds.
    #[error("the certificate expired on {}", format_time(*.0))]
    Expired(i64),
    /// notBefore, Unix seconds.
    #[error("the certificate is not valid until {}", format_time(*.0))]
    NotYetValid(i64),
    #[error("the certificate's key usage ({0}) does not allow digital signatures")]
    WrongKeyUsage(String),
    #[error("the certificate was not issued by the given CA: {0}")]
    ChainBroken(String),
}

/// Check validity at `now`, key usage, and (when given) the issuing CA.
pub fn check_certificate(der: &[u8], ca_der: Option<&[u8]>, now: i64) -> Result<(), CertProblem> {
    let summary = summarize(der, now).map_err(|e| CertProblem::ChainBroken(e.to_string()))?;
    let cert = parse(der).map_err(|e| CertProblem::ChainBroken(e.to_string()))?;
    match summary.times.state_at(now) {
        CertState::Expired => return Err(CertProblem::Expired(summary.times.not_after)),
        CertState::NotYetValid => return Err(CertProblem::NotYetValid(summary.times.not_before)),
        CertState::Valid | CertState::RenewalOpen => {}
    }
    if !summary.key_usage.is_empty()
        && !summary.key_usage.iter().any(|u| u == "digitalSignature" || u == "nonRepudiation")
    {
        return Err(CertProblem::WrongKeyUsage(summary.key_usage.join(", ")));
    }
    if let Some(ca_der) = ca_der {
        let ca = parse(ca_der).map_err(|e| CertProblem::ChainBroken(format!("CA file: {e}")))?;
        if cert.issuer() != ca.subject() {
            return Err(CertProblem::ChainBroken(format!("issuer {} is not the CA {}", cert.issuer(), ca.subject())));
        }
        verify_issued_by(&cert, ca_der)
            .map_err(|e| CertProblem::ChainBroken(format!("the CA's key does not verify it ({e})")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_algorithms_by_oid() {
        assert_eq!(signature_algorithm_name("1.2.840.113549.1.1.11"), "sha256WithRSAEncryption");
        assert_eq!(signature_algorithm_name("1.2.840.113549.1.1.5"), "sha1WithRSAEncryption");
        assert_eq!(signature_algorithm_name("1.2.3.4.5"), "1.2.3.4.5");
        assert_eq!(signature_algorithm_name("not an oid"), "not an oid");
        assert_eq!(rsa_signature_hash("1.2.840.113549.1.1.14"), Some(HashAlgorithm::Sha224));
        assert_eq!(rsa_signature_hash("1.2.840.113549.1.1.13"), Some(HashAlgorithm::Sha512));
        assert_eq!(rsa_signature_hash("1.2.840.10045.4.3.2"), None);
    }

    #[test]
    fn pem_round_trips_and_finds_the_first_block() {
        let der: Vec<u8> = (0..=255u8).cycle().take(100).collect();
        let pem = to_pem(&der);
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n") && pem.ends_with("-----END CERTIFICATE-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert_eq!(der_from_pem_or_der(pem.as_bytes()).unwrap(), der);
        // A dump before the block and a second block after it are not ours.
        let other = pem_encode("CERTIFICATE", b"other");
        let text = format!("Certificate:\n    Data: ...\n{pem}{other}");
        assert_eq!(der_from_pem_or_der(text.as_bytes()).unwrap(), der);
        assert_eq!(pem_decode(pem_encode("CMS", &der).as_bytes(), None), Some(Ok(der.clone())));
        assert_eq!(pem_decode(b"no armour", None), None);
        assert_eq!(der_from_pem_or_der(&der).unwrap(), der);
        let body = pem.find('\n').unwrap() + 1;
        let broken = format!("{}*{}", &pem[..body], &pem[body + 1..]);
        assert!(der_from_pem_or_der(broken.as_bytes()).is_err());
        let cut = &pem[..pem.find("-----END").unwrap()];
        assert!(der_from_pem_or_der(cut.as_bytes()).is_err());
    }

    #[test]
    fn der_lengths() {
        assert_eq!(der_sequence_len(&[0x30, 0x82, 0x06, 0x2B]), Ok(1583));
        assert_eq!(der_sequence_len(&[0x30, 0x81, 0x80]), Ok(131));
        assert_eq!(der_sequence_len(&[0x30, 0x05]), Ok(7));
        assert_eq!(der_sequence_len(&[0x30, 0x00]), Err(DerError::BadLength(2)));
        assert_eq!(der_sequence_len(&[0x30, 0x83, 0x01, 0, 0]), Err(DerError::BadLength(65541)));
        assert_eq!(der_sequence_len(&[0x30, 0x84, 0, 0, 0, 1]), Err(DerError::BadLengthForm(0x84)));
        assert_eq!(der_sequence_len(&[0xFF, 0xFF]), Err(DerError::NotSequence(0xFF)));
        assert_eq!(der_sequence_len(&[0x30, 0x82, 0x06]), Err(DerError::Truncated));
        assert_eq!(der_sequence_len(&[]), Err(DerError::Truncated));
    }

    #[test]
    fn dates() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_time(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(birth_date_iso("419800217").as_deref(), Some("1980-02-17"));
        assert_eq!(birth_date_iso("4198002x7"), None);
        // A multi-byte first character (9 bytes in all) must not panic when sliced.
        assert_eq!("é1980021".len(), 9);
        assert_eq!(birth_date_iso("é1980021"), None);
    }

    /// Unix seconds of a JST wall-clock time.
    fn jst_time(y: i16, m: i8, d: i8, h: i8, min: i8, sec: i8) -> i64 {
        jiff::civil::date(y, m, d).at(h, min, sec, 0).to_zoned_datetime(jst()).unwrap().timestamp().as_second()
    }

    #[test]
    fn renewal_opens_three_calendar_months_before_expiry_in_jst() {
        // The fixture's expiry: 2030-12-25 14:59:59 UTC, the end of the 25th in JST.
        let not_after = jst_time(2030, 12, 25, 23, 59, 59);
        assert_eq!(not_after, 1_924_441_199);
        assert_eq!(renewal_from(not_after), jst_time(2030, 9, 25, 0, 0, 0));
        assert_eq!(rfc3339(renewal_from(not_after)), "2030-09-24T15:00:00Z");
        // The day in JST counts, not the day in UTC (here still the 31st).
        assert_eq!(renewal_from(jst_time(2031, 6, 1, 5, 0, 0)), jst_time(2031, 3, 1, 0, 0, 0));
        // A shorter month clamps the day; a leap year keeps the 29th.
        assert_eq!(renewal_from(jst_time(2031, 5, 31, 23, 59, 59)), jst_time(2031, 2, 28, 0, 0, 0));
        assert_eq!(renewal_from(jst_time(2032, 5, 31, 23, 59, 59)), jst_time(2032, 2, 29, 0, 0, 0));
        assert_eq!(renewal_from(jst_time(2031, 2, 14, 23, 59, 59)), jst_time(2030, 11, 14, 0, 0, 0));
    }

    #[test]
    fn state_at_each_boundary() {
        let t = CertTimes::new(1_000, jst_time(2030, 12, 25, 23, 59, 59));
        assert_eq!(t.state_at(999), CertState::NotYetValid);
        assert_eq!(t.state_at(1_000), CertState::Valid);
        assert_eq!(t.state_at(t.renewal_from - 1), CertState::Valid);
        assert_eq!(t.state_at(t.renewal_from), CertState::RenewalOpen);
        assert_eq!(t.state_at(t.not_after), CertState::RenewalOpen);
        assert_eq!(t.state_at(t.not_after + 1), CertState::Expired);
        let json = |s| serde_json::to_value(s).unwrap();
        assert_eq!(json(CertState::RenewalOpen), "renewal_open");
        assert_eq!(json(CertState::NotYetValid), "not_yet_valid");
        assert_eq!((json(CertState::Valid), json(CertState::Expired)), ("valid".into(), "expired".into()));
    }

    #[test]
    fn other_name_strings() {
        let v = [0xA0, 0x05, 0x0C, 0x03, b'a', b'b', b'c'];
        assert_eq!(other_name_text(&v).as_deref(), Some("abc"));
        assert_eq!(other_name_text(&[0xA0, 0x05, 0x0C, 0x09]), None);
    }
}
