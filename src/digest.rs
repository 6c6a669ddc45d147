//! Hash algorithms and the PKCS#1 DigestInfo the card signs.

use rsa::Pkcs1v15Sign;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    pub const ALL: [HashAlgorithm; 5] = [Self::Sha1, Self::Sha224, Self::Sha256, Self::Sha384, Self::Sha512];

    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase().replace('-', "");
        Self::ALL.into_iter().find(|h| h.name() == lower)
    }

    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The RSA PKCS#1 v1.5 signature scheme for this hash: its DigestInfo
    /// prefix and digest length, as the `rsa` crate builds them.
    pub fn pkcs1v15(self) -> Pkcs1v15Sign {
        match self {
            Self::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
            Self::Sha224 => Pkcs1v15Sign::new::<Sha224>(),
            Self::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
            Self::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
            Self::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
        }
    }

    /// DER of `DigestInfo` up to the digest bytes (RFC 8017 §9.2 note 1).
    pub fn digest_info_prefix(self) -> Box<[u8]> {
        self.pkcs1v15().prefix
    }

    /// Hash everything `reader` yields.
    pub fn hash_reader(self, reader: &mut dyn std::io::Read) -> std::io::Result<Vec<u8>> {
        fn run<D: Digest>(reader: &mut dyn std::io::Read) -> std::io::Result<Vec<u8>> {
            let mut hasher = D::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                hasher.update(&buf[..n]);
            }
            Ok(hasher.finalize().to_vec())
        }
        match self {
            Self::Sha1 => run::<Sha1>(reader),
            Self::Sha224 => run::<Sha224>(reader),
            Self::Sha256 => run::<Sha256>(reader),
            Self::Sha384 => run::<Sha384>(reader),
            Self::Sha512 => run::<Sha512>(reader),
        }
    }

    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        let mut slice = data;
        self.hash_reader(&mut slice).unwrap_or_default()
    }
}

/// A digest of a known algorithm, length-checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageDigest {
    pub algorithm: HashAlgorithm,
    pub bytes: Vec<u8>,
}

/// Why a digest was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("the digest is not valid hex")]
    NotHex,
    #[error("a {algorithm} digest has {expected} bytes ({} hex digits), but {got} bytes were given", expected * 2)]
    WrongLength { algorithm: &'static str, expected: usize, got: usize },
}

impl MessageDigest {
    pub fn new(algorithm: HashAlgorithm, bytes: Vec<u8>) -> Result<Self, DigestError> {
        if bytes.len() != algorithm.output_len() {
            return Err(DigestError::WrongLength {
                algorithm: algorithm.name(),
                expected: algorithm.output_len(),
                got: bytes.len(),
            });
        }
        Ok(MessageDigest { algorithm, bytes })
    }

    /// Parse hex (spaces and colons allowed between bytes).
    pub fn from_hex(algorithm: HashAlgorithm, text: &str) -> Result<Self, DigestError> {
        let cleaned: String = text.trim().chars().filter(|c| !matches!(c, ' ' | ':')).collect();
        let bytes = hex::decode(cleaned).map_err(|_| DigestError::NotHex)?;
        Self::new(algorithm, bytes)
    }

    /// The DER DigestInfo the card signs.
    pub fn digest_info(&self) -> Vec<u8> {
        let mut v = self.algorithm.digest_info_prefix().to_vec();
        v.extend_from_slice(&self.bytes);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_have_consistent_lengths() {
        for h in HashAlgorithm::ALL {
            let p = h.digest_info_prefix();
            assert_eq!(p[1] as usize + 2, p.len() + h.output_len(), "{h:?}");
            assert_eq!(*p.last().unwrap() as usize, h.output_len());
            assert_eq!(h.hash(b"abc").len(), h.output_len());
            assert_eq!(h.pkcs1v15().hash_len, Some(h.output_len()));
        }
        // RFC 8017 §9.2 note 1, written out.
        assert_eq!(
            &HashAlgorithm::Sha1.digest_info_prefix()[..],
            hex::decode("3021300906052b0e03021a05000414").unwrap()
        );
        assert_eq!(
            &HashAlgorithm::Sha256.digest_info_prefix()[..],
            hex::decode("3031300d060960864801650304020105000420").unwrap()
        );
        assert_eq!(
            &HashAlgorithm::Sha512.digest_info_prefix()[..],
            hex::decode("3051300d060960864801650304020305000440").unwrap()
        );
    }

    #[test]
    fn digest_parsing() {
        let d = MessageDigest::from_hex(HashAlgorithm::Sha256, &"ab".repeat(32)).unwrap();
        assert_eq!(d.digest_info().len(), 51);
        assert!(matches!(
            MessageDigest::from_hex(HashAlgorithm::Sha256, &"ab".repeat(20)),
            Err(DigestError::WrongLength { .. })
        ));
        assert_eq!(MessageDigest::from_hex(HashAlgorithm::Sha1, "zz"), Err(DigestError::NotHex));
        assert_eq!(HashAlgorithm::from_name("SHA-256"), Some(HashAlgorithm::Sha256));
    }
}
