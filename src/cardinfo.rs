//! Data of the 券面事項入力補助AP: My Number and the basic four attributes.
//! Values are personal: they are never logged and are wiped when dropped.

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::ber::HeaderError;

/// Why a card-info file cannot be read. No variant holds the file's bytes:
/// they are personal, and errors end up in messages and traces.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CardInfoError {
    #[error("My Number file: bad TLV ({0})")]
    MyNumberTlv(#[source] HeaderError),
    #[error("the My Number file does not hold a 12-digit number")]
    NotMyNumber,
    #[error("the attributes file has a bad header ({0})")]
    AttributesHeader(#[source] HeaderError),
    #[error("the attributes file does not start with tag FF20")]
    NotAttributes,
    #[error("the attributes length {len} is too large")]
    AttributesTooLarge { len: usize },
    #[error("bad TLV ({0})")]
    AttributesTlv(#[source] HeaderError),
    #[error("an attribute is not UTF-8")]
    NotUtf8(#[source] std::str::Utf8Error),
    #[error("the attributes file lacks the name or the birth date")]
    MissingNameOrBirthDate,
}

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

/// `FF 10 0C` + 12 ASCII digits (then filler).
pub fn parse_my_number(bytes: &[u8]) -> Result<Zeroizing<String>, CardInfoError> {
    let (tag, value, _) = crate::ber::tlv(bytes).map_err(CardInfoError::MyNumberTlv)?;
    if tag != 0xFF10 || value.len() != 12 || !value.iter().all(u8::is_ascii_digit) {
        return Err(CardInfoError::NotMyNumber);
    }
    Ok(Zeroizing::new(String::from_utf8_lossy(value).into_owned()))
}

/// Size of the `FF 20` object at the start of the attributes file.
pub fn attributes_len(bytes: &[u8]) -> Result<usize, CardInfoError> {
    let header = crate::ber::header(bytes).map_err(CardInfoError::AttributesHeader)?;
    if header.tag != 0xFF20 {
        return Err(CardInfoError::NotAttributes);
    }
    let total = header.total_len();
    if total > 0x8000 {
        return Err(CardInfoError::AttributesTooLarge { len: total });
    }
    Ok(total)
}

/// `FF 20` { `DF 21` offsets, `DF 22` name, `DF 23` address, `DF 24` birth, `DF 25` sex }.
pub fn parse_attributes(bytes: &[u8]) -> Result<Attributes, CardInfoError> {
    let tlv = |bytes| crate::ber::tlv(bytes).map_err(CardInfoError::AttributesTlv);
    let (tag, mut inner, _) = tlv(bytes)?;
    if tag != 0xFF20 {
        return Err(CardInfoError::NotAttributes);
    }
    let mut a = Attributes::default();
    // Utf8Error, unlike FromUtf8Error, does not carry the (personal) bytes.
    let text = |v: &[u8]| std::str::from_utf8(v).map(str::to_string).map_err(CardInfoError::NotUtf8);
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
        return Err(CardInfoError::MissingNameOrBirthDate);
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
        assert_eq!(parse_my_number(&[0xFF, 0x10, 0x0C, b'1']), Err(CardInfoError::MyNumberTlv(HeaderError::Truncated)));
        assert_eq!(parse_my_number(&[0xFF, 0x10, 0x01, b'1']), Err(CardInfoError::NotMyNumber));
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
        assert!(matches!(
            parse_attributes(&[0xFF, 0x20, 0x05, 0xDF, 0x22, 0x09]),
            Err(CardInfoError::AttributesTlv(_))
        ));
        assert_eq!(parse_attributes(&[0xFF, 0x20, 0x03, 0xDF, 0x22, 0x00]), Err(CardInfoError::MissingNameOrBirthDate));
        let not_utf8 = parse_attributes(&[0xFF, 0x20, 0x04, 0xDF, 0x22, 0x01, 0xFF]).unwrap_err();
        assert_eq!(not_utf8.to_string(), "an attribute is not UTF-8");
        assert_eq!(
            attributes_len(&[0xFF, 0x20, 0x82, 0x80, 0x01]),
            Err(CardInfoError::AttributesTooLarge { len: 0x8006 })
        );
    }
}
