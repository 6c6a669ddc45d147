//! CMS (PKCS#7) SignedData around a card signature, and checking one.
//! Built from the RustCrypto `cms`, `der` and `x509-cert` types.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use der::{Any, Decode, Encode, Tag};
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::digest::HashAlgorithm;

use const_oid::db::rfc5911::{
    ID_AA_SIGNING_CERTIFICATE_V_2 as ID_SIGNING_CERTIFICATE_V2, ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST,
    ID_SIGNED_DATA, ID_SIGNING_TIME,
};
use const_oid::db::rfc5912::{ID_SHA_1, ID_SHA_224, ID_SHA_256, ID_SHA_384, ID_SHA_512, RSA_ENCRYPTION};

#[derive(Debug, Clone, thiserror::Error)]
pub enum CmsError {
    #[error("DER encoding failed: {0}")]
    Der(#[from] der::Error),
    #[error("not a CMS SignedData: {0}")]
    NotSignedData(String),
    #[error("the CMS holds no signer")]
    NoSigner,
    #[error("the signer's certificate is not in the CMS and none was given")]
    NoSignerCertificate,
    #[error("the CMS message digest does not match the content")]
    DigestMismatch,
    #[error("the CMS uses an unsupported digest algorithm {0}")]
    UnsupportedDigest(String),
    #[error("the CMS is detached: give the signed content")]
    ContentMissing,
    #[error("the CMS has no signed attributes")]
    NoSignedAttributes,
}

pub fn digest_oid(hash: HashAlgorithm) -> ObjectIdentifier {
    match hash {
        HashAlgorithm::Sha1 => ID_SHA_1,
        HashAlgorithm::Sha224 => ID_SHA_224,
        HashAlgorithm::Sha256 => ID_SHA_256,
        HashAlgorithm::Sha384 => ID_SHA_384,
        HashAlgorithm::Sha512 => ID_SHA_512,
    }
}

fn hash_from_oid(oid: &ObjectIdentifier) -> Option<HashAlgorithm> {
    HashAlgorithm::ALL.into_iter().find(|h| &digest_oid(*h) == oid)
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, CmsError> {
    Ok(Attribute { oid, values: SetOfVec::try_from(vec![value])? })
}

/// The signed attributes: content type, message digest, signing time.
pub fn signed_attributes(message_digest: &[u8], signing_time: SystemTime) -> Result<SignedAttributes, CmsError> {
    let since_epoch = signing_time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let time = UtcTime::from_unix_duration(Duration::from_secs(since_epoch.as_secs()))?;
    let attrs = vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA)?)?,
        attribute(ID_MESSAGE_DIGEST, Any::new(Tag::OctetString, message_digest)?)?,
        attribute(ID_SIGNING_TIME, Any::encode_from(&time)?)?,
    ];
    Ok(SetOfVec::try_from(attrs)?)
}

/// DER of one TLV with a definite length.
fn der_tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let len = value.len();
    let mut out = vec![tag];
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend([0x81, len as u8]),
        0x100..=0xFFFF => out.extend([0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend([0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
    out.extend_from_slice(value);
    out
}

/// SigningCertificateV2 naming the certificate by its SHA-256 hash (the
/// default algorithm, so not written) and its issuer and serial number.
fn signing_certificate_v2(certificate_der: &[u8]) -> Result<Any, CmsError> {
    let cert = Certificate::from_der(certificate_der)?;
    let issuer = cert.tbs_certificate.issuer.to_der()?;
    let serial = cert.tbs_certificate.serial_number.to_der()?;
    // GeneralNames holding one directoryName ([4], explicit).
    let general_names = der_tlv(0x30, &der_tlv(0xA4, &issuer));
    let issuer_serial = der_tlv(0x30, &[general_names, serial].concat());
    let hash = der_tlv(0x04, &HashAlgorithm::Sha256.hash(certificate_der));
    let cert_id = der_tlv(0x30, &[hash, issuer_serial].concat());
    Ok(Any::from_der(&der_tlv(0x30, &der_tlv(0x30, &cert_id)))?)
}

/// The signed attributes of a PAdES (CAdES) signature: content type, message
/// digest and the signer's certificate by hash; the signing time is not among
/// them (PAdES puts it in the PDF's /M).
pub fn pades_signed_attributes(message_digest: &[u8], certificate_der: &[u8]) -> Result<SignedAttributes, CmsError> {
    let attrs = vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA)?)?,
        attribute(ID_MESSAGE_DIGEST, Any::new(Tag::OctetString, message_digest)?)?,
        attribute(ID_SIGNING_CERTIFICATE_V2, signing_certificate_v2(certificate_der)?)?,
    ];
    Ok(SetOfVec::try_from(attrs)?)
}

/// The certificate hash of the first ESSCertIDv2 in a SigningCertificateV2.
fn read_ess_cert_hash(value: &[u8]) -> Option<(HashAlgorithm, Vec<u8>)> {
    let (_, certs, _) = crate::ber::tlv(value).ok()?;
    let (_, first_list, _) = crate::ber::tlv(certs).ok()?;
    let (_, cert_id, _) = crate::ber::tlv(first_list).ok()?;
    let (tag, item, rest) = crate::ber::tlv(cert_id).ok()?;
    let (hash, octets) = if tag == 0x30 {
        let (_, oid, _) = crate::ber::tlv(item).ok()?;
        let hash = HashAlgorithm::ALL.into_iter().find(|h| digest_oid(*h).as_bytes() == oid)?;
        let (tag, octets, _) = crate::ber::tlv(rest).ok()?;
        (tag == 0x04).then_some((hash, octets))?
    } else {
        (tag == 0x04).then_some((HashAlgorithm::Sha256, item))?
    };
    Some((hash, octets.to_vec()))
}

/// The bytes the signer signs: the DER of the attributes as a SET OF.
pub fn to_be_signed(attrs: &SignedAttributes) -> Result<Vec<u8>, CmsError> {
    Ok(attrs.to_der()?)
}

/// Assemble a ContentInfo(SignedData). `content` is included when attached.
pub fn assemble(
    certificate_der: &[u8],
    hash: HashAlgorithm,
    attrs: SignedAttributes,
    signature: &[u8],
    attached_content: Option<&[u8]>,
) -> Result<Vec<u8>, CmsError> {
    let cert = Certificate::from_der(certificate_der)?;
    let digest_alg = AlgorithmIdentifierOwned { oid: digest_oid(hash), parameters: None };
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: digest_alg.clone(),
        signed_attrs: Some(attrs),
        signature_algorithm: AlgorithmIdentifierOwned { oid: RSA_ENCRYPTION, parameters: Some(Any::null()) },
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let econtent = match attached_content {
        Some(c) => Some(Any::new(Tag::OctetString, c)?),
        None => None,
    };
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![digest_alg])?,
        encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent },
        certificates: Some(CertificateSet(SetOfVec::try_from(vec![CertificateChoices::Certificate(cert)])?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer])?),
    };
    let info = ContentInfo { content_type: ID_SIGNED_DATA, content: Any::encode_from(&signed_data)? };
    Ok(info.to_der()?)
}

/// What a parsed CMS signature says, for checking.
pub struct ParsedCms {
    pub hash: HashAlgorithm,
    /// DER of the signed attributes as a SET OF (what was signed).
    pub signed_bytes: Vec<u8>,
    pub message_digest: Vec<u8>,
    pub signature: Vec<u8>,
    /// The signer's certificate, when the CMS carries one matching the signer.
    pub signer_certificate: Option<Vec<u8>>,
    pub attached_content: Option<Vec<u8>>,
    pub signing_time: Option<i64>,
    /// The certificate hash named by an ESS signing-certificate-v2 attribute.
    pub ess_cert_hash: Option<(HashAlgorithm, Vec<u8>)>,
}

/// Parse DER or PEM CMS SignedData with one signer and signed attributes.
pub fn parse(bytes: &[u8]) -> Result<ParsedCms, CmsError> {
    let der = match crate::cert::pem_decode(bytes, None) {
        Some(decoded) => decoded.map_err(CmsError::NotSignedData)?,
        None => bytes.to_vec(),
    };
    let info = ContentInfo::from_der(&der).map_err(|e| CmsError::NotSignedData(e.to_string()))?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(CmsError::NotSignedData(format!("content type {}", info.content_type)));
    }
    let sd: SignedData = info.content.decode_as().map_err(|e| CmsError::NotSignedData(e.to_string()))?;
    let signer = sd.signer_infos.0.iter().next().ok_or(CmsError::NoSigner)?;
    let hash = hash_from_oid(&signer.digest_alg.oid)
        .ok_or_else(|| CmsError::UnsupportedDigest(signer.digest_alg.oid.to_string()))?;
    let attrs = signer.signed_attrs.as_ref().ok_or(CmsError::NoSignedAttributes)?;
    let mut message_digest = None;
    let mut signing_time = None;
    let mut ess_cert_hash = None;
    for attr in attrs.iter() {
        let Some(value) = attr.values.iter().next() else { continue };
        if attr.oid == ID_MESSAGE_DIGEST {
            message_digest = Some(value.value().to_vec());
        } else if attr.oid == ID_SIGNING_TIME {
            if let Ok(t) = value.to_der().and_then(|d| x509_cert::time::Time::from_der(&d)) {
                signing_time = Some(t.to_unix_duration().as_secs() as i64);
            }
        } else if attr.oid == ID_SIGNING_CERTIFICATE_V2 {
            ess_cert_hash = value.to_der().ok().and_then(|d| read_ess_cert_hash(&d));
        }
    }
    let message_digest = message_digest.ok_or(CmsError::NoSignedAttributes)?;
    let signer_certificate = match (&signer.sid, &sd.certificates) {
        (SignerIdentifier::IssuerAndSerialNumber(ias), Some(set)) => set.0.iter().find_map(|c| match c {
            CertificateChoices::Certificate(cert)
                if cert.tbs_certificate.serial_number == ias.serial_number
                    && cert.tbs_certificate.issuer == ias.issuer =>
            {
                cert.to_der().ok()
            }
            _ => None,
        }),
        _ => None,
    };
    let attached_content = sd
        .encap_content_info
        .econtent
        .as_ref()
        .map(|any| any.decode_as::<OctetString>().map(|o| o.into_bytes()).unwrap_or_else(|_| any.value().to_vec()));
    Ok(ParsedCms {
        hash,
        signed_bytes: to_be_signed(attrs)?,
        message_digest,
        signature: signer.signature.as_bytes().to_vec(),
        signer_certificate,
        attached_content,
        signing_time,
        ess_cert_hash,
    })
}

/// DER → PEM with the `CMS` label that `openssl cms` reads.
pub fn to_pem(der: &[u8]) -> String {
    crate::cert::pem_encode("CMS", der)
}
