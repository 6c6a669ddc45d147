//! Finding the card: the reader to use, chosen among several by asking each
//! card for the JPKI applet. It sits above both the PC/SC link ([`crate::pcsc`])
//! and the applet client ([`crate::card`]), which know nothing of each other.

use std::time::{Duration, Instant};

use crate::card::{Applet, Device, ExtendedLength, JpkiCard};
use crate::error::{Error, Result};
use crate::pcsc::{cancelled, find_reader, Access, Pcsc, PcscTransport, ReaderInfo};
use crate::transport::TransportError;

/// Choose the reader: by `--reader` (an index or a name substring), or
/// the single reader whose card answers SELECT of the JPKI applet.
pub fn choose_reader(pcsc: &Pcsc, query: Option<&str>) -> Result<ReaderInfo> {
    let readers = pcsc.readers()?;
    if readers.is_empty() {
        return Err(Error::NoReader);
    }
    if let Some(query) = query {
        return find_reader(&readers, query);
    }
    let with_card: Vec<&ReaderInfo> = readers.iter().filter(|r| r.card_present).collect();
    match with_card.as_slice() {
        [] => Err(Error::NoCardAnywhere),
        // One card: no probe; the command's own SELECT tells whether it is JPKI.
        [only] => Ok((*only).clone()),
        several => {
            let jpki: Vec<&ReaderInfo> =
                several.iter().copied().filter(|r| probe_jpki(pcsc, r).unwrap_or(false)).collect();
            match jpki.as_slice() {
                [only] => Ok((*only).clone()),
                [] => Err(Error::NotJpki {
                    reader: several.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", "),
                }),
                many => Err(Error::AmbiguousReader { candidates: many.iter().map(|r| r.name.clone()).collect() }),
            }
        }
    }
}

/// Does the card in this reader answer SELECT of the JPKI AID?
pub fn probe_jpki(pcsc: &Pcsc, reader: &ReaderInfo) -> Result<bool> {
    let transport = pcsc.connect(reader, Access::ReadOnly)?;
    let mut card = JpkiCard::new(transport, ExtendedLength::Off);
    match card.select_applet(Applet::Jpki) {
        Ok(()) => Ok(true),
        Err(Error::NotJpki { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// What the card in this reader is: `None` without the JPKI applet, else
/// the device its token file names (the card or a smartphone). Three APDUs:
/// SELECT of the applet, then SELECT and READ of EF 0006.
pub fn probe_device(pcsc: &Pcsc, reader: &ReaderInfo) -> Result<Option<Device>> {
    let transport = pcsc.connect(reader, Access::ReadOnly)?;
    let mut card = JpkiCard::new(transport, ExtendedLength::Off);
    match card.device() {
        Ok(device) => Ok(Some(device)),
        Err(Error::NotJpki { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Does this failure to connect end when a reader is plugged in, a card
/// inserted, or another program lets go of the card? [`connect_waiting`]
/// waits through these and no others.
pub fn worth_waiting(e: &Error) -> bool {
    matches!(e, Error::NoCard { .. } | Error::NoCardAnywhere | Error::Transport(TransportError::Busy) | Error::NoReader)
}

/// Connect, waiting up to `wait` for the card to appear or become free.
pub fn connect_waiting(pcsc: &Pcsc, query: Option<&str>, access: Access, wait: Duration) -> Result<PcscTransport> {
    // A wait too long for the clock to represent has no deadline (no overflow panic).
    let deadline = Instant::now().checked_add(wait);
    loop {
        // Interrupted while waiting: stop here (polled at least every 250 ms).
        if cancelled() {
            return Err(Error::Transport(TransportError::Cancelled));
        }
        let attempt = choose_reader(pcsc, query).and_then(|r| pcsc.connect(&r, access));
        match attempt {
            Err(e) if worth_waiting(&e) && deadline.is_none_or(|d| Instant::now() < d) => {
                let left = deadline.map_or(wait, |d| d.saturating_duration_since(Instant::now()));
                // Busy does not show as a state change: poll it.
                pcsc.wait_for_change(left.min(Duration::from_millis(250)))?;
            }
            other => return other,
        }
    }
}
