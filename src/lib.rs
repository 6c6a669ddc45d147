//! `jpki`: a safe client for the JPKI applet of the Japanese My Number Card,
//! and a virtual card to test it against.
//!
//! Layers: [`apdu`] encodes commands and status words, [`ber`] reads TLV headers, [`transport`] is the
//! link to a card ([`pcsc`] over PC/SC), [`card`] speaks the applet protocol,
//! [`discovery`] chooses the reader by asking each card for the applet,
//! [`pin`], [`digest`] and [`cert`] hold the data types, and `sim` (feature
//! `sim`) is the virtual card. Nothing here prints or parses a command line,
//! except `cli` (feature `cli`): the `jpki` command itself, kept in the
//! library so that tests can run it in-process against the virtual card.
#![forbid(unsafe_code)]

// `cli` names the library as its users do (`jpki::...`).
extern crate self as jpki;

pub mod apdu;
pub mod ber;
pub mod card;
pub mod cardinfo;
pub mod cert;
#[cfg(feature = "cli")]
pub mod cli;
pub mod cms;
pub mod diagnose;
pub mod digest;
pub mod discovery;
pub mod error;
pub mod pcsc;
pub mod pdf;
pub mod pin;
// The virtual card; the library's own unit tests also build it, because they
// play hostile cards by rewriting its answers.
#[cfg(any(feature = "sim", test))]
pub mod sim;
pub mod transport;

pub use error::{BadData, Error, Result};
