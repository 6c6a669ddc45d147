//! Contents of the virtual card: certificates, keys and the holder data.
//!
//! The keys and certificates are fixtures made by
//! `scripts/make-sim-fixtures.sh` and embedded in the binary. Every value is
//! fictional.

use std::fmt;

use rsa::pkcs8::DecodePrivateKey;
use rsa::RsaPrivateKey;
use serde::Serialize;

const AUTH_CERT: &[u8] = include_bytes!("fixtures/auth.crt.der");
const SIGN_CERT: &[u8] = include_bytes!("fixtures/sign.crt.der");
const AUTH_CA_CERT: &[u8] = include_bytes!("fixtures/auth-ca.crt.der");
const SIGN_CA_CERT: &[u8] = include_bytes!("fixtures/sign-ca.crt.der");
const AUTH_KEY: &[u8] = include_bytes!("fixtures/auth.key.der");
const SIGN_KEY: &[u8] = include_bytes!("fixtures/sign.key.der");
const AUTH_CA_KEY: &[u8] = include_bytes!("fixtures/auth-ca.key.der");
const SIGN_CA_KEY: &[u8] = include_bytes!("fixtures/sign-ca.key.der");

/// A leaf certificate of the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeafCert {
    Auth,
    Sign,
}

/// Japan Standard Time, UTC+9, in seconds.
const JST_OFFSET: i64 = 9 * 3600;

/// The end of a day in JST (23:59:59 JST, as on real cards), `days` days
/// after the JST day of `now` (Unix seconds); negative is before.
pub fn jst_end_of_day(now: i64, days: i64) -> i64 {
    let today = (now + JST_OFFSET).div_euclid(86_400);
    (today + days + 1) * 86_400 - JST_OFFSET - 1
}

/// `cert` (DER) with a new notAfter, signed again with `ca_key` (PKCS#8 DER)
/// like the fixtures (sha256WithRSAEncryption). notBefore stays unless it
/// would fall after notAfter; then it is one year before.
fn reissue(cert: &[u8], ca_key: &[u8], not_after: i64) -> Result<Vec<u8>, String> {
    use der::asn1::{BitString, GeneralizedTime, UtcTime};
    use der::{Decode, Encode};
    use sha2::{Digest, Sha256};
    use std::time::Duration;
    use x509_cert::time::Time;
    let time = |unix: i64| -> Result<Time, String> {
        let since = Duration::from_secs(u64::try_from(unix).map_err(|_| "a time before 1970".to_string())?);
        // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
        match UtcTime::from_unix_duration(since) {
            Ok(t) => Ok(Time::UtcTime(t)),
            Err(_) => GeneralizedTime::from_unix_duration(since).map(Time::GeneralTime).map_err(|e| e.to_string()),
        }
    };
    let mut c = x509_cert::Certificate::from_der(cert).map_err(|e| e.to_string())?;
    let validity = &mut c.tbs_certificate.validity;
    let not_before = validity.not_before.to_unix_duration().as_secs() as i64;
    if not_before > not_after {
        validity.not_before = time(not_after - 365 * 86_400)?;
    }
    validity.not_after = time(not_after)?;
    let tbs = c.tbs_certificate.to_der().map_err(|e| e.to_string())?;
    let key = RsaPrivateKey::from_pkcs8_der(ca_key).map_err(|e| e.to_string())?;
    let signature = key.sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&tbs)).map_err(|e| e.to_string())?;
    c.signature = BitString::from_bytes(&signature).map_err(|e| e.to_string())?;
    c.to_der().map_err(|e| e.to_string())
}

/// Size granule of the certificate EFs: the DER is followed by `FF` filler up
/// to the next multiple of this, so readers must size reads from the DER header.
pub const CERT_EF_GRANULE: usize = 2048;

/// Everything stored on the card.
#[derive(Clone)]
pub struct CardData {
    /// EF `000A`: auth certificate (DER).
    pub auth_cert: Vec<u8>,
    /// EF `0001`: signing certificate (DER).
    pub sign_cert: Vec<u8>,
    /// EF `000B`: auth CA certificate (DER).
    pub auth_ca_cert: Vec<u8>,
    /// EF `0002`: signing CA certificate (DER).
    pub sign_ca_cert: Vec<u8>,
    /// EF `0017`: auth private key.
    pub auth_key: RsaPrivateKey,
    /// EF `001A`: signing private key.
    pub sign_key: RsaPrivateKey,
    /// Label at the start of EF `0006` (`JPKIAPICCTOKEN2` for a plastic card).
    pub token_label: String,
    /// 個人番号: 12 ASCII digits with a valid check digit.
    pub my_number: String,
    /// 氏名 (family and given name separated by U+3000).
    pub name: String,
    /// 住所.
    pub address: String,
    /// 生年月日 `YYYYMMDD` (Gregorian).
    pub birth_date: String,
    /// 性別 code: `1` male, `2` female, `9` not applicable, `0` unknown.
    pub sex: String,
    /// Expiry year of the card (part of 照合番号B).
    pub card_expiry_year: u16,
    /// 4-digit security code printed on the card (part of 照合番号B).
    pub security_code: String,
}

impl fmt::Debug for CardData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardData")
            .field("token_label", &self.token_label)
            .field("my_number", &self.my_number)
            .field("name", &self.name)
            .field("birth_date", &self.birth_date)
            .finish_non_exhaustive()
    }
}

/// Why a holder field of the card-info AP cannot be set as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HolderFieldError {
    #[error("{field} must be 1 to 1000 bytes of UTF-8")]
    BadText { field: String },
    #[error("bad {field} {value:?} (birth-date YYYYMMDD, sex 1, 2 or 9, my-number 12 digits)")]
    BadValue { field: String, value: String },
    #[error("unknown holder field {0:?} (name, address, birth-date, sex, my-number)")]
    UnknownField(String),
}

impl CardData {
    /// The embedded fixture card.
    pub fn default_fixture() -> CardData {
        CardData {
            auth_cert: AUTH_CERT.to_vec(),
            sign_cert: SIGN_CERT.to_vec(),
            auth_ca_cert: AUTH_CA_CERT.to_vec(),
            sign_ca_cert: SIGN_CA_CERT.to_vec(),
            // The fixtures are checked by the unit tests; a broken fixture is a
            // build defect, not a runtime condition.
            auth_key: RsaPrivateKey::from_pkcs8_der(AUTH_KEY).expect("embedded auth key fixture"),
            sign_key: RsaPrivateKey::from_pkcs8_der(SIGN_KEY).expect("embedded sign key fixture"),
            token_label: "JPKIAPICCTOKEN2".to_string(),
            my_number: "314159265352".to_string(),
            name: "山田\u{3000}太郎".to_string(),
            address: "東京都千代田区永田町一丁目７番１号".to_string(),
            birth_date: "19800217".to_string(),
            sex: "1".to_string(),
            card_expiry_year: 2035,
            security_code: "4821".to_string(),
        }
    }

    /// Replace one field of the card-info AP's holder data (`name`, `address`,
    /// `birth-date` as YYYYMMDD, `sex` as 1/2/9, `my-number` as 12 digits).
    /// The certificates are fixtures and keep their own holder data.
    pub fn set_holder_field(&mut self, field: &str, value: &str) -> Result<(), HolderFieldError> {
        let digits = |n: usize| value.len() == n && value.bytes().all(|b| b.is_ascii_digit());
        match field {
            "name" | "address" if value.is_empty() || value.len() > 1000 => {
                return Err(HolderFieldError::BadText { field: field.to_string() })
            }
            "name" => self.name = value.to_string(),
            "address" => self.address = value.to_string(),
            "birth-date" if digits(8) => self.birth_date = value.to_string(),
            "sex" if matches!(value, "1" | "2" | "9") => self.sex = value.to_string(),
            "my-number" if digits(12) => self.my_number = value.to_string(),
            "birth-date" | "sex" | "my-number" => {
                return Err(HolderFieldError::BadValue { field: field.to_string(), value: value.to_string() })
            }
            other => return Err(HolderFieldError::UnknownField(other.to_string())),
        }
        Ok(())
    }

    /// Make a leaf certificate expire at `not_after` (Unix seconds): the
    /// fixture's certificate with that notAfter, signed again by its CA.
    pub fn set_cert_expiry(&mut self, which: LeafCert, not_after: i64) -> Result<(), String> {
        let (cert, ca_key) = match which {
            LeafCert::Auth => (&mut self.auth_cert, AUTH_CA_KEY),
            LeafCert::Sign => (&mut self.sign_cert, SIGN_CA_KEY),
        };
        *cert = reissue(cert, ca_key, not_after)?;
        Ok(())
    }

    /// EF `0006`: 160 bytes shaped like a PKCS#11 `CK_TOKEN_INFO` with
    /// big-endian integers; the first 32 bytes are the space-padded label.
    pub fn token_info_ef(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(160);
        let text = |out: &mut Vec<u8>, s: &str, n: usize| {
            let mut b: Vec<u8> = s.bytes().take(n).collect();
            b.resize(n, b' ');
            out.extend_from_slice(&b);
        };
        text(&mut out, &self.token_label, 32); // label
        text(&mut out, "J-LIS", 32); // manufacturerID
        text(&mut out, "JPKI-SIM", 16); // model
        text(&mut out, "0000000000000001", 16); // serialNumber
        let u32s: [u32; 11] = [
            0x0000_040D, // flags: RNG | LOGIN_REQUIRED | USER_PIN_INITIALIZED | TOKEN_INITIALIZED
            0,           // ulMaxSessionCount
            0,           // ulSessionCount
            0,           // ulMaxRwSessionCount
            0,           // ulRwSessionCount
            16,          // ulMaxPinLen
            4,           // ulMinPinLen
            u32::MAX,    // ulTotalPublicMemory
            u32::MAX,    // ulFreePublicMemory
            u32::MAX,    // ulTotalPrivateMemory
            u32::MAX,    // ulFreePrivateMemory
        ];
        for v in u32s {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&[1, 0, 1, 0]); // hardware and firmware version
        out.resize(160, b' ');
        out
    }

    /// EF `0008`: certificate availability (`8F 8F 00`, or `00 8F 00`
    /// without a signing certificate).
    pub fn cert_flags_ef(no_sign_cert: bool) -> Vec<u8> {
        if no_sign_cert {
            vec![0x00, 0x8F, 0x00]
        } else {
            vec![0x8F, 0x8F, 0x00]
        }
    }

    /// A certificate EF: the DER followed by `FF` filler up to the next
    /// multiple of [`CERT_EF_GRANULE`].
    pub fn cert_ef(der: &[u8]) -> Vec<u8> {
        let size = der.len().div_ceil(CERT_EF_GRANULE).max(1) * CERT_EF_GRANULE;
        let mut ef = der.to_vec();
        ef.resize(size, 0xFF);
        ef
    }

    /// Text AP EF `0001`: `FF 10 0C` + 12 ASCII digits + `FF FF` (17 bytes).
    pub fn my_number_ef(&self) -> Vec<u8> {
        let mut ef = vec![0xFF, 0x10, 0x0C];
        let mut digits: Vec<u8> = self.my_number.bytes().take(12).collect();
        digits.resize(12, b'0');
        ef.extend_from_slice(&digits);
        ef.extend_from_slice(&[0xFF, 0xFF]);
        ef
    }

    /// Text AP EF `0002` (基本4情報): `FF 20 <len>` { `DF 21 08` offsets,
    /// `DF 22` name, `DF 23` address, `DF 24 08` birth date, `DF 25 01` sex },
    /// then `FF` filler up to a multiple of 256 bytes. Each offset is a
    /// big-endian u16 from the start of the file to the tag of the field.
    pub fn attributes_ef(&self) -> Vec<u8> {
        let fields: [(u8, &[u8]); 4] = [
            (0x22, self.name.as_bytes()),
            (0x23, self.address.as_bytes()),
            (0x24, self.birth_date.as_bytes()),
            (0x25, self.sex.as_bytes()),
        ];
        let encoded: Vec<Vec<u8>> = fields.iter().map(|(tag, v)| tlv(&[0xDF, *tag], v)).collect();
        let table_len = 3 + 8;
        let content_len = table_len + encoded.iter().map(Vec::len).sum::<usize>();
        let header_len = 2 + ber_length(content_len).len();
        let mut offsets = Vec::with_capacity(8);
        let mut pos = header_len + table_len;
        for e in &encoded {
            offsets.extend_from_slice(&(pos as u16).to_be_bytes());
            pos += e.len();
        }
        let mut content = tlv(&[0xDF, 0x21], &offsets);
        for e in encoded {
            content.extend_from_slice(&e);
        }
        let mut ef = tlv(&[0xFF, 0x20], &content);
        let size = ef.len().div_ceil(256) * 256;
        ef.resize(size, 0xFF);
        ef
    }

    /// Birth date as Japanese-era `YYMMDD` (6 digits).
    pub fn birth_era_yymmdd(&self) -> String {
        era_yymmdd(&self.birth_date).unwrap_or_else(|| "000000".to_string())
    }

    /// 照合番号B: era `YYMMDD` of the birth date + expiry year + security code.
    pub fn verification_code_b(&self) -> String {
        format!("{}{:04}{}", self.birth_era_yymmdd(), self.card_expiry_year, self.security_code)
    }

    /// The holder data as JSON (written to `card.json` in the state directory).
    pub fn holder_json(&self) -> String {
        #[derive(Serialize)]
        struct Holder<'a> {
            token_label: &'a str,
            my_number: &'a str,
            name: &'a str,
            address: &'a str,
            birth_date: &'a str,
            sex: &'a str,
            card_expiry_year: u16,
            security_code: &'a str,
            verification_code_b: String,
        }
        let h = Holder {
            token_label: &self.token_label,
            my_number: &self.my_number,
            name: &self.name,
            address: &self.address,
            birth_date: &self.birth_date,
            sex: &self.sex,
            card_expiry_year: self.card_expiry_year,
            security_code: &self.security_code,
            verification_code_b: self.verification_code_b(),
        };
        let mut s = serde_json::to_string_pretty(&h).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn ber_length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        vec![len as u8]
    } else if len < 0x100 {
        vec![0x81, len as u8]
    } else {
        vec![0x82, (len >> 8) as u8, len as u8]
    }
}

fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.extend_from_slice(&ber_length(value.len()));
    out.extend_from_slice(value);
    out
}

/// Check digit of a My Number (個人番号) from its first 11 digits, by the
/// official rule: with P(n) the n-th digit counted from the right of the 11
/// and Q(n) = n+1 for n ≤ 6, n−5 for n ≥ 7, r = ΣP(n)Q(n) mod 11; the check
/// digit is 0 when r ≤ 1, else 11 − r.
pub fn my_number_check_digit(first11: &str) -> Option<u8> {
    let b = first11.as_bytes();
    if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let n = i as u32 + 1;
            let q = if n <= 6 { n + 1 } else { n - 5 };
            u32::from(d - b'0') * q
        })
        .sum();
    let r = sum % 11;
    Some(if r <= 1 { 0 } else { (11 - r) as u8 })
}

/// Whether `s` is 12 digits with a correct check digit.
pub fn is_valid_my_number(s: &str) -> bool {
    s.len() == 12 && s.is_ascii() && my_number_check_digit(&s[..11]).is_some_and(|c| s.as_bytes()[11] == b'0' + c)
}

/// Convert a Gregorian `YYYYMMDD` date to Japanese-era `YYMMDD`.
pub fn era_yymmdd(yyyymmdd: &str) -> Option<String> {
    if yyyymmdd.len() != 8 || !yyyymmdd.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date: u32 = yyyymmdd.parse().ok()?;
    let year = date / 10000;
    // (first day, first Gregorian year) of Meiji, Taishō, Shōwa, Heisei, Reiwa.
    const ERAS: [(u32, u32); 5] =
        [(20190501, 2019), (19890108, 1989), (19261225, 1926), (19120730, 1912), (18680125, 1868)];
    let (_, base) = ERAS.iter().find(|(start, _)| date >= *start)?;
    let era_year = year - base + 1;
    if era_year > 99 {
        return None;
    }
    Some(format!("{:02}{}", era_year, &yyyymmdd[4..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::traits::PublicKeyParts;

    #[test]
    fn check_digit_known_values() {
        assert_eq!(my_number_check_digit("12345678901"), Some(8));
        assert!(is_valid_my_number("123456789018"));
        assert!(!is_valid_my_number("123456789017"));
        assert!(!is_valid_my_number("12345678901"));
        assert!(!is_valid_my_number("12345678901x"));
        assert_eq!(my_number_check_digit("1234567890"), None);
        // r <= 1 gives 0: 00000000000 sums to 0.
        assert_eq!(my_number_check_digit("00000000000"), Some(0));
    }

    #[test]
    fn fixture_my_number_is_valid() {
        assert!(is_valid_my_number(&CardData::default_fixture().my_number));
    }

    #[test]
    fn era_conversion() {
        assert_eq!(era_yymmdd("19800217").as_deref(), Some("550217"));
        assert_eq!(era_yymmdd("19890107").as_deref(), Some("640107"));
        assert_eq!(era_yymmdd("19890108").as_deref(), Some("010108"));
        assert_eq!(era_yymmdd("20190501").as_deref(), Some("010501"));
        assert_eq!(era_yymmdd("20190430").as_deref(), Some("310430"));
        assert_eq!(era_yymmdd("1980021"), None);
        assert_eq!(era_yymmdd("18000101"), None);
    }

    #[test]
    fn verification_code_b_layout() {
        let d = CardData::default_fixture();
        assert_eq!(d.verification_code_b(), "55021720354821");
    }

    #[test]
    fn keys_match_certificates() {
        let d = CardData::default_fixture();
        for (cert, key) in [(&d.auth_cert, &d.auth_key), (&d.sign_cert, &d.sign_key)] {
            let (_, c) = x509_parser::parse_x509_certificate(cert).unwrap();
            let spki = c.public_key().raw;
            let pubkey = <rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(spki).unwrap();
            assert_eq!(pubkey.n(), key.n());
            assert_eq!(key.size(), 256);
        }
    }

    #[test]
    fn reissued_certificates_keep_everything_but_the_expiry() {
        use rsa::traits::PublicKeyParts;
        let fixture = CardData::default_fixture();
        let mut d = CardData::default_fixture();
        // 2026-12-01 22:00 UTC is already the 2nd in JST.
        let now = 1_796_162_400;
        assert_eq!(jst_end_of_day(now, 0), 1_796_223_599); // 2026-12-02 14:59:59 UTC
        assert_eq!(jst_end_of_day(now, -1), 1_796_223_599 - 86_400);
        d.set_cert_expiry(LeafCert::Auth, jst_end_of_day(now, 60)).unwrap();
        d.set_cert_expiry(LeafCert::Sign, jst_end_of_day(now, -1)).unwrap();
        for (new, old, ca) in
            [(&d.auth_cert, &fixture.auth_cert, &d.auth_ca_cert), (&d.sign_cert, &fixture.sign_cert, &d.sign_ca_cert)]
        {
            let (_, n) = x509_parser::parse_x509_certificate(new).unwrap();
            let (_, o) = x509_parser::parse_x509_certificate(old).unwrap();
            assert_eq!((n.subject(), n.issuer(), n.public_key()), (o.subject(), o.issuer(), o.public_key()));
            assert_eq!(n.extensions(), o.extensions());
            let (_, ca) = x509_parser::parse_x509_certificate(ca).unwrap();
            let ca_key =
                <rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(ca.public_key().raw).unwrap();
            let digest = <sha2::Sha256 as sha2::Digest>::digest(n.tbs_certificate.as_ref());
            let scheme = rsa::Pkcs1v15Sign::new::<sha2::Sha256>();
            ca_key.verify(scheme, &digest, &n.signature_value.data).expect("signed by its CA");
            assert!(n.validity().not_before.timestamp() < n.validity().not_after.timestamp());
        }
        let (_, auth) = x509_parser::parse_x509_certificate(&d.auth_cert).unwrap();
        assert_eq!(auth.validity().not_after.timestamp(), 1_796_223_599 + 60 * 86_400);
        assert_eq!(d.auth_key.n().bits(), 2048);
        // Far ahead: GeneralizedTime from 2050 on.
        d.set_cert_expiry(LeafCert::Auth, jst_end_of_day(now, 365 * 30)).unwrap();
        let (_, auth) = x509_parser::parse_x509_certificate(&d.auth_cert).unwrap();
        assert!(auth.validity().not_after.timestamp() > 2_524_608_000);
    }

    #[test]
    fn fixed_ef_layouts() {
        let d = CardData::default_fixture();
        let t = d.token_info_ef();
        assert_eq!(t.len(), 160);
        assert_eq!(&t[..32], b"JPKIAPICCTOKEN2                 ");
        let mn = d.my_number_ef();
        assert_eq!(mn.len(), 17);
        assert_eq!(&mn[..3], &[0xFF, 0x10, 0x0C]);
        assert_eq!(&mn[3..15], d.my_number.as_bytes());
        assert_eq!(&mn[15..], &[0xFF, 0xFF]);
        let ef = CardData::cert_ef(&d.auth_cert);
        assert_eq!(ef.len() % CERT_EF_GRANULE, 0);
        assert!(ef.len() > d.auth_cert.len());
        assert!(ef[d.auth_cert.len()..].iter().all(|&b| b == 0xFF));
        assert_eq!(CardData::cert_flags_ef(false), vec![0x8F, 0x8F, 0x00]);
        assert_eq!(CardData::cert_flags_ef(true), vec![0x00, 0x8F, 0x00]);
    }

    #[test]
    fn attributes_ef_offsets_point_at_fields() {
        let d = CardData::default_fixture();
        let ef = d.attributes_ef();
        assert_eq!(&ef[..2], &[0xFF, 0x20]);
        assert_eq!(ef.len() % 256, 0);
        let (len, hdr) = if ef[2] < 0x80 { (ef[2] as usize, 3) } else { (ef[3] as usize, 4) };
        assert!(ef[hdr + len..].iter().all(|&b| b == 0xFF));
        assert_eq!(&ef[hdr..hdr + 3], &[0xDF, 0x21, 0x08]);
        let want: [(u8, &[u8]); 4] =
            [(0x22, d.name.as_bytes()), (0x23, d.address.as_bytes()), (0x24, b"19800217"), (0x25, b"1")];
        for (i, (tag, value)) in want.iter().enumerate() {
            let off = u16::from_be_bytes([ef[hdr + 3 + 2 * i], ef[hdr + 4 + 2 * i]]) as usize;
            assert_eq!(&ef[off..off + 2], &[0xDF, *tag]);
            assert_eq!(ef[off + 2] as usize, value.len());
            assert_eq!(&ef[off + 3..off + 3 + value.len()], *value);
        }
        let name = String::from_utf8(d.name.as_bytes().to_vec()).unwrap();
        assert!(name.contains('\u{3000}'));
    }

    #[test]
    fn long_attributes_use_long_form_length() {
        let mut d = CardData::default_fixture();
        d.address = "東京都".repeat(20);
        let ef = d.attributes_ef();
        assert_eq!(ef[2], 0x81);
        let off = u16::from_be_bytes([ef[4 + 3 + 2], ef[4 + 3 + 3]]) as usize;
        assert_eq!(&ef[off..off + 2], &[0xDF, 0x23]);
    }

    #[test]
    fn holder_fields_are_checked() {
        let mut d = CardData::default_fixture();
        d.set_holder_field("sex", "2").unwrap();
        assert_eq!(d.sex, "2");
        assert_eq!(d.set_holder_field("name", ""), Err(HolderFieldError::BadText { field: "name".into() }));
        let bad = d.set_holder_field("birth-date", "1980").unwrap_err();
        assert_eq!(bad, HolderFieldError::BadValue { field: "birth-date".into(), value: "1980".into() });
        assert!(bad.to_string().starts_with("bad birth-date \"1980\" ("), "{bad}");
        assert_eq!(d.set_holder_field("age", "1"), Err(HolderFieldError::UnknownField("age".into())));
    }
}
