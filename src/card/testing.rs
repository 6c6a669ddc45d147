//! Helpers of the scripted unit tests.

pub(super) use super::*;
pub(super) use crate::transport::scripted::Scripted;

pub(super) const AP: &str = "00A4040C0AD392F000260100000001";
pub(super) const TXT: &str = "00A4040C0AD3921000310001010408";
pub(super) const VIS: &str = "00A4040C0AD3921000310001010402";

/// A scripted card with short-form retry queries allowed.
pub(super) fn sfi_card(steps: &[(&str, &str)]) -> JpkiCard<Scripted> {
    let mut card = JpkiCard::new(Scripted::new(steps), ExtendedLength::On);
    card.allow_sfi_queries();
    card
}

pub(super) fn yes(_: PinKind) -> bool {
    true
}
pub(super) fn no(_: PinKind) -> bool {
    false
}
