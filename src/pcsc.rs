//! The PC/SC transport: readers, connecting, and disconnecting
//! so that no verified PIN outlives the command.

use std::ffi::CString;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use pcsc::{Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};

use crate::error::{Error, Result};
use crate::transport::{Transport, TransportError};

/// A reader and what is in it.
#[derive(Debug, Clone)]
pub struct ReaderInfo {
    pub index: usize,
    pub name: String,
    pub card_present: bool,
    /// The card is held exclusively by another program.
    pub in_use: bool,
    pub atr: Vec<u8>,
}

/// How to hold the card. Both hold it exclusively for the whole command:
/// our SELECTs and another program's must never interleave, or a READ could
/// return another file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Nothing is verified: the card is left as it is on disconnect (or
    /// powered down all the same if a VERIFY or PIN change went out).
    ReadOnly,
    /// A PIN may be verified: the card is powered down on disconnect,
    /// so a verified PIN never outlives the command.
    Verifying,
}

static CANCELLED: AtomicBool = AtomicBool::new(false);
static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// Ask every open connection to stop before its next APDU, and a wait for a
/// card to end (safe to call from a signal handler or another thread): the
/// command then fails with [`TransportError::Cancelled`] and the card is
/// disconnected as usual, powered down if a PIN may have been verified.
pub fn cancel() {
    CANCELLED.store(true, Ordering::SeqCst);
}

/// Has [`cancel`] been called?
pub fn cancelled() -> bool {
    CANCELLED.load(Ordering::SeqCst)
}

/// Connections to a card now open in this process.
pub fn open_connections() -> usize {
    CONNECTIONS.load(Ordering::SeqCst)
}

/// How long one APDU may take before the card is taken as unresponsive.
/// Generous: a card computes an RSA-2048 signature in a second or two, more
/// over a weak NFC field.
pub const DEFAULT_APDU_TIMEOUT: Duration = Duration::from_secs(30);

/// Exclusive for every command (see [`Access`]).
const SHARE_MODE: ShareMode = ShareMode::Exclusive;

pub fn map_pcsc_error(e: pcsc::Error) -> Error {
    use pcsc::Error as P;
    match e {
        P::NoReadersAvailable => Error::NoReader,
        P::NoService | P::ServiceStopped => Error::NoService,
        P::SharingViolation => Error::Transport(TransportError::Busy),
        P::NoSmartcard | P::RemovedCard | P::ResetCard | P::UnpoweredCard | P::UnresponsiveCard => {
            Error::Transport(TransportError::CardGone)
        }
        other => Error::Pcsc(other),
    }
}

fn map_transmit_error(e: pcsc::Error) -> TransportError {
    use pcsc::Error as P;
    log::debug!("SCardTransmit failed: {e:?}");
    match e {
        P::NoSmartcard | P::RemovedCard | P::ResetCard | P::UnpoweredCard | P::UnresponsiveCard | P::NoService
        | P::ServiceStopped | P::ReaderUnavailable | P::UnknownReader | P::CommError
        // pcsc-lite's answer to a shared-mode transmit when the card left mid-command.
        | P::NotTransacted => TransportError::CardGone,
        P::SharingViolation => TransportError::Busy,
        P::InsufficientBuffer | P::InvalidParameter | P::InvalidValue | P::UnsupportedFeature => {
            TransportError::Refused(e.to_string())
        }
        other => TransportError::Other(other.to_string()),
    }
}

/// An established PC/SC context.
pub struct Pcsc {
    context: Context,
    apdu_timeout: Duration,
}

impl Pcsc {
    pub fn establish() -> Result<Self> {
        let context = Context::establish(Scope::User).map_err(map_pcsc_error)?;
        Ok(Pcsc { context, apdu_timeout: DEFAULT_APDU_TIMEOUT })
    }

    /// The per-APDU deadline of the connections made from now on.
    pub fn set_apdu_timeout(&mut self, timeout: Duration) {
        self.apdu_timeout = timeout;
    }

    fn reader_names(&self) -> Result<Vec<CString>> {
        match self.context.list_readers_owned() {
            Ok(names) => Ok(names),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(map_pcsc_error(e)),
        }
    }

    /// Every reader with its card state.
    pub fn readers(&self) -> Result<Vec<ReaderInfo>> {
        let names = self.reader_names()?;
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut states: Vec<ReaderState> = names.into_iter().map(|n| ReaderState::new(n, State::UNAWARE)).collect();
        self.context.get_status_change(Duration::ZERO, &mut states).map_err(map_pcsc_error)?;
        Ok(states
            .iter()
            .enumerate()
            .map(|(index, s)| ReaderInfo {
                index,
                name: s.name().to_string_lossy().into_owned(),
                card_present: s.event_state().contains(State::PRESENT) && !s.event_state().contains(State::MUTE),
                in_use: s.event_state().contains(State::EXCLUSIVE),
                atr: s.atr().to_vec(),
            })
            .collect())
    }

    /// Wait up to `timeout` for any change in the readers' states.
    pub fn wait_for_change(&self, timeout: Duration) -> Result<()> {
        let names = self.reader_names()?;
        let mut states: Vec<ReaderState> = names.into_iter().map(|n| ReaderState::new(n, State::UNAWARE)).collect();
        // PnP pseudo-reader so that a new reader also wakes us.
        states.push(ReaderState::new(pcsc::PNP_NOTIFICATION(), State::UNAWARE));
        self.context.get_status_change(Duration::ZERO, &mut states).map_err(map_pcsc_error)?;
        for s in &mut states {
            s.sync_current_state();
        }
        match self.context.get_status_change(timeout, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => Ok(()),
            Err(e) => Err(map_pcsc_error(e)),
        }
    }

    /// Connect to the named reader.
    pub fn connect(&self, reader: &ReaderInfo, access: Access) -> Result<PcscTransport> {
        // Names come from PC/SC as C strings: a NUL cannot be in one.
        let name = CString::new(reader.name.as_bytes()).map_err(|_| Error::Pcsc(pcsc::Error::InvalidParameter))?;
        let card = match self.context.connect(&name, SHARE_MODE, Protocols::ANY) {
            Ok(card) => card,
            Err(pcsc::Error::NoSmartcard) | Err(pcsc::Error::RemovedCard) => {
                return Err(Error::NoCard { reader: reader.name.clone() })
            }
            Err(e) => return Err(map_pcsc_error(e)),
        };
        let atr = card.status2_owned().map(|s| s.atr().to_vec()).unwrap_or_else(|_| reader.atr.clone());
        CONNECTIONS.fetch_add(1, Ordering::SeqCst);
        Ok(PcscTransport {
            card: Some(card),
            context: self.context.clone(),
            access,
            reader: reader.name.clone(),
            atr,
            sent: 0,
            sent_secret: false,
            apdu_timeout: self.apdu_timeout,
        })
    }
}

/// Find a reader by index or by a case-insensitive substring of its name.
pub fn find_reader(readers: &[ReaderInfo], query: &str) -> Result<ReaderInfo> {
    if let Ok(index) = query.parse::<usize>() {
        if let Some(r) = readers.get(index) {
            return Ok(r.clone());
        }
    }
    let q = query.to_lowercase();
    if let Some(exact) = readers.iter().find(|r| r.name.to_lowercase() == q) {
        return Ok(exact.clone());
    }
    let matches: Vec<&ReaderInfo> = readers.iter().filter(|r| r.name.to_lowercase().contains(&q)).collect();
    match matches.as_slice() {
        [only] => Ok((*only).clone()),
        [] => Err(Error::ReaderNotFound {
            query: query.to_string(),
            available: readers.iter().map(|r| r.name.clone()).collect(),
        }),
        many => Err(Error::ReaderQueryAmbiguous {
            query: query.to_string(),
            candidates: many.iter().map(|r| r.name.clone()).collect(),
        }),
    }
}

/// A connected card. Dropping it disconnects: a verifying session powers the
/// card down (a warm reset is reported not to clear a verified PIN).
pub struct PcscTransport {
    /// `None` once disconnected, or while a transmit that missed its deadline
    /// still holds it on the worker thread.
    card: Option<pcsc::Card>,
    /// To cancel a blocked call at the deadline.
    context: Context,
    access: Access,
    reader: String,
    atr: Vec<u8>,
    /// APDUs transmitted on this connection.
    sent: u64,
    /// A VERIFY or CHANGE REFERENCE DATA with data went out on this connection.
    sent_secret: bool,
    apdu_timeout: Duration,
}

impl PcscTransport {
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// Disconnect now, reporting failures (dropping also disconnects).
    pub fn close(mut self) -> Result<()> {
        self.disconnect()
    }

    fn disconnect(&mut self) -> Result<()> {
        let Some(card) = self.card.take() else { return Ok(()) };
        CONNECTIONS.fetch_sub(1, Ordering::SeqCst);
        card.disconnect(disposition(self.access, self.sent_secret)).map_err(|(_, e)| map_pcsc_error(e))
    }
}

/// How to leave the card: powered down where a PIN may be verified, whether
/// the caller said so (`Access::Verifying`) or a secret was in fact sent, so
/// that no command can leave a verified PIN behind by declaring the wrong access.
fn disposition(access: Access, sent_secret: bool) -> Disposition {
    match access {
        Access::ReadOnly if !sent_secret => Disposition::LeaveCard,
        _ => Disposition::UnpowerCard,
    }
}

impl Drop for PcscTransport {
    fn drop(&mut self) {
        if let Err(e) = self.disconnect() {
            log::debug!("disconnect: {e}");
        }
    }
}

impl Transport for PcscTransport {
    fn reader(&self) -> &str {
        &self.reader
    }

    fn transmit_raw(&mut self, command: &[u8]) -> std::result::Result<Vec<u8>, TransportError> {
        if cancelled() {
            return Err(TransportError::Cancelled);
        }
        let first = self.sent == 0;
        self.sent += 1;
        // Set before sending: a VERIFY whose answer is lost may still have
        // verified the PIN.
        self.sent_secret |= carries_secret(command);
        let card = self.card.take().ok_or(TransportError::CardGone)?;
        // SCardTransmit blocks until the card answers, however long that is,
        // so it runs on a worker thread and we wait for it up to the deadline.
        // The worker hands the card back with the answer.
        let (done, answer) = std::sync::mpsc::channel();
        let command = zeroize::Zeroizing::new(command.to_vec());
        std::thread::spawn(move || {
            let mut card = card;
            let result = transmit_once(&mut card, &command, first);
            let _ = done.send((card, result));
        });
        let outcome = answer.recv_timeout(self.apdu_timeout).or_else(|_| {
            // pcsc-lite cannot abort a transmit: SCardCancel only ends a
            // wait for a status change. It is asked anyway (other PC/SC
            // stacks may honour it), and the worker gets a moment to return.
            log::debug!("no answer within {:?}; cancelling", self.apdu_timeout);
            let _ = self.context.cancel();
            answer.recv_timeout(CANCEL_GRACE)
        });
        match outcome {
            Ok((card, result)) => {
                self.card = Some(card);
                let response = result?;
                // An empty answer is what pcscd hands back when the card left mid-command:
                // the link is gone, which is not the same as a card sending garbage.
                if response.is_empty() {
                    return Err(TransportError::CardGone);
                }
                Ok(response.to_vec())
            }
            Err(_) => {
                // The card stays with the blocked worker. Disconnecting would
                // block as well (pcsc-lite serialises calls on a context), so
                // the card is left to pcscd, which resets it once the reader
                // gives up or this process has exited.
                CONNECTIONS.fetch_sub(1, Ordering::SeqCst);
                Err(TransportError::Unresponsive { seconds: self.apdu_timeout.as_secs() })
            }
        }
    }
}

/// How long a transmit that missed its deadline gets to return after SCardCancel.
const CANCEL_GRACE: Duration = Duration::from_millis(500);

/// One SCardTransmit, on the worker thread. The answer may carry personal
/// data (My Number, the attributes): it and the receive buffer are wiped on drop.
fn transmit_once(
    card: &mut pcsc::Card,
    command: &[u8],
    first: bool,
) -> std::result::Result<zeroize::Zeroizing<Vec<u8>>, TransportError> {
    let mut buf = zeroize::Zeroizing::new(vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED]);
    let response = match card.transmit(command, &mut buf) {
        // pcscd may reset a card that was just inserted or idle-powered-down
        // while we connected. Before our first APDU nothing of ours is lost:
        // reconnect and send it once more.
        Err(pcsc::Error::ResetCard) if first && !carries_secret(command) => {
            log::debug!("card reset before the first APDU; reconnecting");
            card.reconnect(SHARE_MODE, Protocols::ANY, Disposition::LeaveCard).map_err(map_transmit_error)?;
            card.transmit(command, &mut buf).map_err(map_transmit_error)?
        }
        other => other.map_err(map_transmit_error)?,
    };
    Ok(zeroize::Zeroizing::new(response.to_vec()))
}

/// VERIFY or CHANGE REFERENCE DATA with data: never to be sent twice.
fn carries_secret(command: &[u8]) -> bool {
    crate::apdu::carries_secret(command)
}

/// Does this ATR advertise extended Lc/Le (ISO 7816-4 card capabilities,
/// third software-function byte, bit 7)?
pub fn atr_advertises_extended_length(atr: &[u8]) -> bool {
    historical_bytes(atr).is_some_and(|h| {
        if h.first() != Some(&0x80) {
            return false;
        }
        let mut i = 1;
        while i < h.len() {
            let tag = h[i] >> 4;
            let len = (h[i] & 0x0F) as usize;
            let value = h.get(i + 1..i + 1 + len).unwrap_or(&[]);
            if tag == 0x7 && len >= 3 {
                return value.get(2).is_some_and(|b| b & 0x40 != 0);
            }
            i += 1 + len;
        }
        false
    })
}

/// The historical bytes of an ATR, if its structure is well formed.
fn historical_bytes(atr: &[u8]) -> Option<&[u8]> {
    let t0 = *atr.get(1)?;
    let k = (t0 & 0x0F) as usize;
    let mut y = t0 >> 4;
    let mut i = 2;
    loop {
        let mut td = None;
        for bit in 0..4 {
            if y & (1 << bit) != 0 {
                if bit == 3 {
                    td = Some(*atr.get(i)?);
                }
                i += 1;
            }
        }
        match td {
            Some(td) => y = td >> 4,
            None => break,
        }
    }
    atr.get(i..i + k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_that_was_sent_a_secret_is_powered_down_whatever_the_access() {
        assert_eq!(disposition(Access::ReadOnly, false), Disposition::LeaveCard);
        assert_eq!(disposition(Access::ReadOnly, true), Disposition::UnpowerCard);
        assert_eq!(disposition(Access::Verifying, false), Disposition::UnpowerCard);
        assert_eq!(disposition(Access::Verifying, true), Disposition::UnpowerCard);
        assert!(carries_secret(&[0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4']));
        assert!(!carries_secret(&[0x00, 0x20, 0x00, 0x80]), "a retry query carries none");
    }

    #[test]
    fn extended_capability_from_atr() {
        let newer = hex::decode("3BDA13FF8131FB468012392F31C173C601C03B").unwrap();
        let older = hex::decode("3BE000FF8131FE4514").unwrap();
        let third = hex::decode("3BC5FF8131FB45807 3C6010000".replace(' ', "")).unwrap();
        assert!(atr_advertises_extended_length(&newer));
        assert!(!atr_advertises_extended_length(&older));
        assert!(!atr_advertises_extended_length(&third));
        assert!(!atr_advertises_extended_length(&[]));
        assert!(!atr_advertises_extended_length(&[0x3B, 0xFF]));
        // Historical bytes cut short inside the capabilities object.
        assert!(!atr_advertises_extended_length(&[0x3B, 0x02, 0x80, 0x73]));
    }

    #[test]
    fn readers_by_index_and_substring() {
        let r = |i, n: &str| ReaderInfo { index: i, name: n.into(), card_present: true, in_use: false, atr: vec![] };
        let readers = vec![r(0, "Virtual PCD 00 00"), r(1, "Virtual PCD 00 01"), r(2, "Sony RC-S300")];
        assert_eq!(find_reader(&readers, "1").unwrap().name, "Virtual PCD 00 01");
        assert_eq!(find_reader(&readers, "sony").unwrap().name, "Sony RC-S300");
        assert_eq!(find_reader(&readers, "Virtual PCD 00 00").unwrap().index, 0);
        assert!(matches!(find_reader(&readers, "Virtual"), Err(Error::ReaderQueryAmbiguous { .. })));
        assert!(matches!(find_reader(&readers, "nope"), Err(Error::ReaderNotFound { .. })));
    }
}
