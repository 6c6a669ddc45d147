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

#[cfg(test)]
mod layering {
    /// The library outside the CLI and the binaries: it never
    /// prints, reads argv or the environment, or ends the process.
    #[test]
    fn the_library_neither_prints_nor_reads_argv_or_the_environment() {
        // Split so that this list does not match itself.
        let forbidden = [
            concat!("print", "ln!"),
            concat!("print", "!("),
            concat!("e", "print"),
            concat!("env::", "var"),
            concat!("env::", "args"),
            concat!("process::", "exit"),
            concat!("dbg", "!"),
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut dirs = vec![root.clone()];
        let mut found = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
                if ["cli", "bin", "main.rs"].contains(&rel.as_str()) {
                    continue;
                }
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or("");
                    if forbidden.iter().any(|f| code.contains(f)) {
                        found.push(format!("src/{rel}:{}: {}", n + 1, line.trim()));
                    }
                }
            }
        }
        assert!(found.is_empty(), "the library must leave this to the CLI:\n{}", found.join("\n"));
    }
}
