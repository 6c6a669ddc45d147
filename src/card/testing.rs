//! Helpers of the scripted unit tests.

pub(super) use super::*;
pub(super) use crate::transport::scripted::Scripted;

pub(super) const AP: &str = "00A4040C0AD392F000260100000001";
pub(super) const TXT: &str = "00A4040C0AD3921000310001010408";
pub(super) const VIS: &str = "00A4040C0AD3921000310001010402";
/// SELECT of the JPKI token file (EF 0006), which says card or smartphone.
pub(super) const TOKEN: &str = "00A4020C020006";

/// A scripted card with short-form retry queries allowed.
pub(super) fn short_form_card(steps: &[(&str, &str)]) -> JpkiCard<Scripted> {
    let mut card = JpkiCard::new(Scripted::new(steps), ExtendedLength::On);
    card.allow_short_form();
    card
}

pub(super) fn yes(_: PinKind) -> bool {
    true
}
pub(super) fn no(_: PinKind) -> bool {
    false
}

/// A session over a fresh in-process virtual card.
pub(super) fn virtual_card(config: crate::sim::SimConfig) -> JpkiCard<crate::sim::VirtualCard> {
    let data = crate::sim::CardData::default_fixture();
    let pins = crate::sim::PinStore::defaults(&data);
    JpkiCard::new(crate::sim::VirtualCard::new(config, data, pins), ExtendedLength::On)
}
