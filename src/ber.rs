//! The one BER/DER TLV header reader shared by the certificate, CMS and
//! card-info parsers. Only what the card's files use: tags of one or two
//! bytes, and definite lengths in short form or long form of up to 3 bytes.
//!
//! It is not the `der` crate's reader because that one refuses high tag
//! numbers (a first byte with all five tag bits set, as in the card-info
//! applet's `FF 20` attribute template and the tags inside it).

/// Why a TLV header could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("truncated")]
    Truncated,
    #[error("unsupported length form {0:#04x}")]
    LengthForm(u8),
    #[error("tag longer than two bytes")]
    LongTag,
}

/// A TLV header: the tag (one or two bytes, as a number), the header's size
/// and the value's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub tag: u16,
    pub header_len: usize,
    pub value_len: usize,
}

impl Header {
    /// Header plus value.
    pub fn total_len(&self) -> usize {
        self.header_len + self.value_len
    }
}

/// Read the TLV header at the start of `bytes`. The value itself need not be
/// present (callers use this to learn how much more to read).
pub fn header(bytes: &[u8]) -> Result<Header, HeaderError> {
    let first = *bytes.first().ok_or(HeaderError::Truncated)?;
    let (tag, tag_len) = if first & 0x1F == 0x1F {
        let second = *bytes.get(1).ok_or(HeaderError::Truncated)?;
        if second & 0x80 != 0 {
            return Err(HeaderError::LongTag);
        }
        (u16::from_be_bytes([first, second]), 2)
    } else {
        (u16::from(first), 1)
    };
    let form = *bytes.get(tag_len).ok_or(HeaderError::Truncated)?;
    let (value_len, len_len) = match form {
        0..=0x7F => (usize::from(form), 1),
        0x81..=0x83 => {
            let n = usize::from(form & 0x7F);
            let digits = bytes.get(tag_len + 1..tag_len + 1 + n).ok_or(HeaderError::Truncated)?;
            (digits.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b)), 1 + n)
        }
        other => return Err(HeaderError::LengthForm(other)),
    };
    Ok(Header { tag, header_len: tag_len + len_len, value_len })
}

/// One complete TLV at the start of `bytes`: (tag, value, what follows).
pub fn tlv(bytes: &[u8]) -> Result<(u16, &[u8], &[u8]), HeaderError> {
    let h = header(bytes)?;
    let value = bytes.get(h.header_len..h.total_len()).ok_or(HeaderError::Truncated)?;
    Ok((h.tag, value, &bytes[h.total_len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(header(&[0x30, 0x82, 0x06, 0x2B]), Ok(Header { tag: 0x30, header_len: 4, value_len: 1579 }));
        assert_eq!(header(&[0xFF, 0x20, 0x81, 0x80]), Ok(Header { tag: 0xFF20, header_len: 4, value_len: 128 }));
        assert_eq!(header(&[0x0C, 0x03]), Ok(Header { tag: 0x0C, header_len: 2, value_len: 3 }));
        assert_eq!(header(&[0x30, 0x83, 1, 0, 0]).map(|h| h.value_len), Ok(0x10000));
        assert_eq!(header(&[0x30, 0x84, 0, 0, 0, 1]), Err(HeaderError::LengthForm(0x84)));
        assert_eq!(header(&[0x30, 0x80]), Err(HeaderError::LengthForm(0x80)));
        assert_eq!(header(&[0xFF, 0x81, 0x01, 0x00]), Err(HeaderError::LongTag));
        for truncated in [&[][..], &[0x30], &[0xFF], &[0xFF, 0x20], &[0x30, 0x82, 0x06]] {
            assert_eq!(header(truncated), Err(HeaderError::Truncated), "{truncated:02X?}");
        }
    }

    #[test]
    fn tlvs() {
        assert_eq!(tlv(&[0x04, 0x02, 0xAA, 0xBB, 0x05, 0x00]), Ok((0x04, &[0xAA, 0xBB][..], &[0x05, 0x00][..])));
        assert_eq!(tlv(&[0x04, 0x03, 0xAA, 0xBB]), Err(HeaderError::Truncated));
        assert_eq!(tlv(&[0x04, 0x83, 0xFF, 0xFF, 0xFF]), Err(HeaderError::Truncated));
    }
}
