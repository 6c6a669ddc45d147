//! The link to a card, as a trait, so the applet client runs the same over
//! PC/SC and over the in-process virtual card.

use crate::apdu::{Command, Response, StatusWord};

/// Failures below the APDU level.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TransportError {
    /// The card was removed or reset, or the link dropped, mid-command.
    #[error("the card was removed or the link to it was lost")]
    CardGone,
    /// Another program holds the card exclusively.
    #[error("the card is in use by another program")]
    Busy,
    /// The reader or driver refused an APDU of this size.
    #[error("the reader refused the command: {0}")]
    Refused(String),
    /// The user interrupted the command (a signal such as Ctrl-C or SIGTERM).
    #[error("interrupted")]
    Cancelled,
    /// The card did not answer one APDU within the deadline.
    #[error("the card did not answer within {seconds} s")]
    Unresponsive { seconds: u64 },
    #[error("{0}")]
    Other(String),
}

/// Something that can exchange one raw APDU with a card.
pub trait Transport {
    /// Send one command APDU and return the raw response (data + SW1 SW2).
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Optional hook called with each exchange for tracing; secrets are redacted.
    fn trace(&self, command: &Command, response: &Response) {
        log::trace!(">> {}  << {} ({} bytes)", command.redacted_hex(), response.sw, response.data.len());
    }

    /// The reader the card sits in, for messages (empty if there is none).
    fn reader(&self) -> &str {
        ""
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit_raw(command)
    }

    fn trace(&self, command: &Command, response: &Response) {
        (**self).trace(command, response)
    }

    fn reader(&self) -> &str {
        (**self).reader()
    }
}

/// GET RESPONSE rounds before giving up on a card that keeps answering 61xx.
pub const MAX_GET_RESPONSE_ROUNDS: usize = 300;

/// Errors of one APDU exchange.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ExchangeError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Malformed(#[from] crate::apdu::MalformedResponse),
    #[error("the card kept answering 61xx for more than {MAX_GET_RESPONSE_ROUNDS} rounds")]
    EndlessResponseChain,
    #[error("the card returned more data ({got} bytes) than asked for ({limit})")]
    TooMuchData { got: usize, limit: usize },
}

/// Counts APDUs and bytes sent over a transport, for benchmarks and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Traffic {
    pub apdus: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

/// Send a command and return its response, following 61xx with GET RESPONSE
/// and answering 6Cxx by resending once with the corrected Le.
/// A sensitive command (VERIFY) is never resent.
pub fn exchange<T: Transport + ?Sized>(
    transport: &mut T,
    traffic: &mut Traffic,
    command: &Command,
) -> Result<Response, ExchangeError> {
    let mut response = send_once(transport, traffic, command)?;
    if let StatusWord::WrongLe(n) = response.sw {
        if !command.is_sensitive() && command.le.is_some() {
            let le = if n == 0 { 256 } else { n as usize };
            let mut retry = command.clone();
            retry.le = Some(le);
            response = send_once(transport, traffic, &retry)?;
        }
    }
    let limit = command.le.unwrap_or(0).max(crate::apdu::MAX_SHORT_LE);
    let mut data = std::mem::take(&mut response.data);
    let mut rounds = 0;
    while let StatusWord::BytesRemaining(n) = response.sw {
        rounds += 1;
        if rounds > MAX_GET_RESPONSE_ROUNDS {
            return Err(ExchangeError::EndlessResponseChain);
        }
        let le = if n == 0 { 256 } else { n as usize };
        let get = Command::new(0x00, 0xC0, 0x00, 0x00).with_le(le);
        response = send_once(transport, traffic, &get)?;
        data.extend_from_slice(&response.data);
        if data.len() > limit {
            return Err(ExchangeError::TooMuchData { got: data.len(), limit });
        }
    }
    response.data = data;
    Ok(response)
}

fn send_once<T: Transport + ?Sized>(
    transport: &mut T,
    traffic: &mut Traffic,
    command: &Command,
) -> Result<Response, ExchangeError> {
    let bytes = command.to_bytes();
    traffic.apdus += 1;
    traffic.bytes_sent += bytes.len() as u64;
    // Wiped on drop: the answer may carry personal data, and Response keeps its own copy.
    let raw = zeroize::Zeroizing::new(transport.transmit_raw(&bytes)?);
    traffic.bytes_received += raw.len() as u64;
    let response = Response::parse(&raw)?;
    transport.trace(command, &response);
    Ok(response)
}

#[cfg(test)]
pub(crate) mod scripted {
    //! A transport that checks an exact APDU script, for unit tests.
    use super::*;

    /// One expected command and the canned answer (`Err` = the card went away).
    type Step = (Vec<u8>, Result<Vec<u8>, ()>);

    pub struct Scripted {
        pub steps: std::collections::VecDeque<Step>,
    }

    impl Scripted {
        pub fn new(steps: &[(&str, &str)]) -> Self {
            Scripted {
                steps: steps
                    .iter()
                    .map(|(c, r)| {
                        let resp = if *r == "GONE" { Err(()) } else { Ok(hex::decode(r).unwrap()) };
                        (hex::decode(c).unwrap(), resp)
                    })
                    .collect(),
            }
        }
        pub fn finished(&self) -> bool {
            self.steps.is_empty()
        }
    }

    impl Transport for Scripted {
        fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            let (expected, response) = self.steps.pop_front().expect("unexpected extra APDU");
            assert_eq!(hex::encode_upper(command), hex::encode_upper(&expected));
            response.map_err(|_| TransportError::CardGone)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scripted::Scripted;
    use super::*;

    #[test]
    fn follows_get_response_and_wrong_le() {
        let mut t = Scripted::new(&[("00B0000000", "6C10"), ("00B0000010", "AABB6102"), ("00C0000002", "CCDD9000")]);
        let mut traffic = Traffic::default();
        let r = exchange(&mut t, &mut traffic, &Command::new(0, 0xB0, 0, 0).with_le(256)).unwrap();
        assert_eq!(r.data, [0xAA, 0xBB, 0xCC, 0xDD]);
        assert!(r.is_ok());
        assert_eq!(traffic.apdus, 3);
        assert!(t.finished());
    }

    #[test]
    fn never_resends_a_verify() {
        let mut t = Scripted::new(&[("002000800431323334", "6C04")]);
        let mut traffic = Traffic::default();
        let cmd = Command::new(0, 0x20, 0, 0x80).with_secret_data(b"1234");
        let r = exchange(&mut t, &mut traffic, &cmd).unwrap();
        assert_eq!(r.sw, StatusWord::WrongLe(4));
        assert_eq!(traffic.apdus, 1);
    }

    #[test]
    fn endless_chains_end() {
        struct Endless;
        impl Transport for Endless {
            fn transmit_raw(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![0x61, 0x00])
            }
        }
        let mut traffic = Traffic::default();
        let err = exchange(&mut Endless, &mut traffic, &Command::new(0, 0xB0, 0, 0).with_le(256));
        assert!(err.is_err());
    }
}
