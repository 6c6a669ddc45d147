//! The command line run in-process (`jpki::cli::run`) with a connector that
//! counts the cards it opens: the bad-input cases jpki refuses from the
//! command line and files alone, fast and without pcscd. The cases that need
//! a process of their own run through pcscd in tests/bad_input.rs.
//!
//! The count of cases is printed (the line starting with `CASES`).

#[path = "bad_input/cases.rs"]
mod cases;

use std::cell::Cell;

use clap::Parser;
use jpki::card::{ExtendedLength, JpkiCard};
use jpki::cli::exit::{ExitCode, Failure};
use jpki::cli::session::Card;
use jpki::cli::{Cli, Connect, Global};
use jpki::pcsc::Access;
use jpki::sim::{CardData, PinStore, SimConfig, VirtualCard};

use cases::*;

/// Opens the virtual card, and counts how often it was asked to.
#[derive(Default)]
struct CountingConnect {
    opened: Cell<usize>,
}

impl Connect for CountingConnect {
    fn open(&self, _global: &Global, _access: Access) -> Result<Card, Failure> {
        self.opened.set(self.opened.get() + 1);
        let data = CardData::default_fixture();
        let pins = PinStore::defaults(&data);
        Ok(JpkiCard::new(Box::new(VirtualCard::new(SimConfig::default(), data, pins)), ExtendedLength::On))
    }
}

#[test]
fn bad_inputs_are_refused_before_the_card_in_process() {
    // The command reads these; in-process it would see the test's own.
    let read = ["JPKI_AUTH_PIN", "JPKI_SIGN_PIN", "JPKI_CARDINFO_PIN", "JPKI_NEW_PIN", "JPKI_READER"];
    let set: Vec<&str> = read.into_iter().filter(|k| std::env::var_os(k).is_some()).collect();
    assert!(set.is_empty(), "unset {set:?} to run these tests: jpki would read them");
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<Case> = all_cases(dir.path()).into_iter().filter(Case::in_process).collect();
    let mut failures = Vec::new();
    for c in &cases {
        let argv = std::iter::once("jpki".into()).chain(c.args.iter().cloned());
        let cli = match Cli::try_parse_from(argv) {
            Ok(cli) => cli,
            Err(e) => {
                failures.push(format!("{}: the argument parser refused it: {e}", c.name));
                continue;
            }
        };
        let connect = CountingConnect::default();
        let mut problems = Vec::new();
        match jpki::cli::run(&cli, &connect) {
            Ok(_) => problems.push("it succeeded".to_string()),
            Err(f) => {
                if f.code != ExitCode::Usage {
                    problems.push(format!("exit code {}, expected 2", f.code as i32));
                }
                let line = f.line();
                if line.lines().count() != 1 {
                    problems.push(format!("the message is not one line: {line:?}"));
                }
                if let Some(word) = c.says {
                    if !line.to_lowercase().contains(&word.to_lowercase()) {
                        problems.push(format!("the message does not mention {word:?}: {line}"));
                    }
                }
            }
        }
        if connect.opened.get() != 0 {
            problems.push("the card was opened".to_string());
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}", c.name, problems.join("; ")));
        }
    }
    println!("CASES bad input in-process: {}", cases.len());
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    assert!(cases.len() >= 30, "{}", cases.len());
}
