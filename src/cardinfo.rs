//! Data of the 券面事項入力補助AP: My Number and the basic four attributes.
//! Values are personal: they are never logged and are wiped when dropped.

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The basic four attributes (基本4情報).
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Attributes {
    pub name: String,
    pub address: String,
    /// YYYYMMDD as stored.
    pub birth_date: String,
    /// JIS X 0303 code: 1 male, 2 female, 9 not applicable, 0 unknown.
    pub sex: String,
}

impl std::fmt::Debug for Attributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Attributes(<redacted>)")
    }
}

/// One BER TLV with a one- or two-byte tag; returns (tag, value, rest).
fn tlv(bytes: &[u8]) -> Result<(u16, &[u8], &[u8]), String> {
    crate::ber::tlv(bytes).map_err(|e| format!("bad TLV ({e})"))
}

/// `FF 10 0C` + 12 ASCII digits (then filler).
pub fn parse_my_number(bytes: &[u8]) -> Result<Zeroizing<String>, String> {
    let (tag, value, _) = tlv(bytes).map_err(|e| format!("My Number file: {e}"))?;
    if tag != 0xFF10 || value.len() != 12 || !value.iter().all(u8::is_ascii_digit) {
        return Err("the My Number file does not hold a 12-digit number".into());
    }
    Ok(Zeroizing::new(String::from_utf8_lossy(value).into_owned()))
}

/// Size of the `FF 20` object at the start of the attributes file.
pub fn attributes_len(bytes: &[u8]) -> Result<usize, String> {
    let header = crate::ber::header(bytes).map_err(|e| format!("the attributes file has a bad header ({e})"))?;
    if header.tag != 0xFF20 {
        return Err("the attributes file does not start with tag FF20".into());
    }
    let total = header.total_len();
    if total > 0x8000 {
        return Err(format!("the attributes length {total} is too large"));
    }
    Ok(total)
}

/// `FF 20` { `DF 21` offsets, `DF 22` name, `DF 23` address, `DF 24` birth, `DF 25` sex }.
pub fn parse_attributes(bytes: &[u8]) -> Result<Attributes, String> {
    let (tag, mut inner, _) = tlv(bytes)?;
    if tag != 0xFF20 {
        return Err("the attributes file does not start with tag FF20".into());
    }
    let mut a = Attributes::default();
    let text = |v: &[u8]| String::from_utf8(v.to_vec()).map_err(|_| "an attribute is not UTF-8".to_string());
    while !inner.is_empty() {
        if inner.iter().all(|b| *b == 0xFF || *b == 0) {
            break;
        }
        let (tag, value, rest) = tlv(inner)?;
        match tag {
            0xDF22 => a.name = text(value)?,
            0xDF23 => a.address = text(value)?,
            0xDF24 => a.birth_date = text(value)?,
            0xDF25 => a.sex = text(value)?,
            _ => {}
        }
        inner = rest;
    }
    if a.name.is_empty() || a.birth_date.is_empty() {
        return Err("the attributes file lacks the name or the birth date".into());
    }
    Ok(a)
}

/// My Number with all but the last four digits hidden.
pub fn mask_my_number(number: &str) -> String {
    // Counted in characters, so that a non-ASCII input cannot split a character.
    let hidden = number.chars().count().saturating_sub(4);
    format!("{}{}", "*".repeat(hidden), number.chars().skip(hidden).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn my_number_and_masking() {
        let mut ef = vec![0xFF, 0x10, 0x0C];
        ef.extend_from_slice(b"314159265352");
        ef.extend_from_slice(&[0xFF, 0xFF]);
        assert_eq!(parse_my_number(&ef).unwrap().as_str(), "314159265352");
        assert_eq!(mask_my_number("314159265352"), "********5352");
        // Not ASCII: masked by characters, without splitting one (this used to panic).
        assert_eq!(mask_my_number("３１４１５"), "*１４１５");
        assert_eq!(mask_my_number("12"), "12");
        assert!(parse_my_number(&[0xFF, 0x10, 0x0C, b'1']).is_err());
        assert!(parse_my_number(&[]).is_err());
    }

    #[test]
    fn attributes() {
        let mut inner = vec![0xDF, 0x21, 0x08, 0, 0, 0, 0, 0, 0, 0, 0];
        for (tag, v) in [(0x22u8, "山田　太郎"), (0x23, "東京都"), (0x24, "19800217"), (0x25, "1")] {
            inner.extend_from_slice(&[0xDF, tag, v.len() as u8]);
            inner.extend_from_slice(v.as_bytes());
        }
        let mut ef = vec![0xFF, 0x20, inner.len() as u8];
        ef.extend_from_slice(&inner);
        assert_eq!(attributes_len(&ef).unwrap(), ef.len());
        ef.extend_from_slice(&[0xFF; 10]);
        let a = parse_attributes(&ef[..attributes_len(&ef).unwrap()]).unwrap();
        assert_eq!(a.name, "山田　太郎");
        assert_eq!(a.sex, "1");
        assert!(!format!("{a:?}").contains("山田"));
        assert!(parse_attributes(&[0xFF, 0x20, 0x05, 0xDF, 0x22, 0x09]).is_err());
    }
}
