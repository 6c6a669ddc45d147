//! The free retry query, by SELECT + query or by short EF identifier (the
//! short form), which each applet must prove plausible before it is trusted.

use super::*;

/// What the card has shown of the short-form retry query.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct ShortForm {
    /// An answer showed the card does not take it: never again this session.
    refused: bool,
    /// Applets where a plausible count proved it. Each applet proves it for
    /// itself: one that reads P2 differently must not borrow another's proof.
    proven: Vec<Applet>,
}

/// What to make of a short-form retry query's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ShortAnswer {
    /// The answer stands.
    Use(StatusWord),
    /// Ask this counter by SELECT + query instead.
    BySelect,
    /// It said "blocked": ask by SELECT + query, and distrust the form if
    /// that disagrees.
    ConfirmBlocked,
}

impl<T: Transport> JpkiCard<T> {
    /// The free retry query (VERIFY with no data). Spends no try.
    pub fn pin_state(&mut self, kind: PinKind) -> Result<PinState> {
        self.counter_state(&Counter::of(kind))
    }

    /// Let retry queries use the short-EF-identifier form, which saves a
    /// SELECT per counter. Not every card generation is known to accept it,
    /// so every answer is checked, applet by applet. A count within the
    /// counter's known maximum proves it for that applet. 9000, or a count with
    /// no known maximum, is used only once the applet has proven it (before
    /// that, such a counter is asked by SELECT + query at once). A blocked answer
    /// (63C0, 6983, 6984) before the proof is confirmed by SELECT + query, because a
    /// false "blocked" would send the holder to a kiosk or the municipal office; it proves
    /// nothing, and disagreement turns the form off. A count above the maximum,
    /// or any other answer before the proof, turns the form off; after the
    /// proof, such an answer sends only that counter by SELECT + query. No proof is
    /// taken while another counter's file is current.
    /// A query without data never spends a try, whatever the card makes of it.
    pub fn allow_short_form(&mut self) {
        self.short_form = Some(ShortForm::default());
    }

    /// Whether the card answered a query by short EF identifier: `Some(false)`
    /// once refused, `Some(true)` once proven for some applet, else `None`.
    pub fn short_form_works(&self) -> Option<bool> {
        let q = self.short_form.as_ref()?;
        match (q.refused, q.proven.is_empty()) {
            (true, _) => Some(false),
            (false, false) => Some(true),
            (false, true) => None,
        }
    }

    pub(super) fn short_form_query(&mut self, counter: &Counter) -> Result<ShortAnswer> {
        let proven = match &self.short_form {
            Some(q) if !q.refused && counter.fid <= 0x1E => q.proven.contains(&counter.applet),
            _ => return Ok(ShortAnswer::BySelect),
        };
        // Where the form is not proven yet, skip it when its answer could not
        // be used: a counter with no known maximum cannot prove it, and with
        // another counter's file current, a card that ignores the short
        // identifier would answer for that file and seem to prove it.
        let other_counter_current = matches!(self.selection, Selection::File(a, f)
            if a == counter.applet && f != counter.fid && Counter::ALL.iter().any(|c| c.applet == a && c.fid == f));
        if !proven && (counter.max_tries.is_none() || other_counter_current) {
            return Ok(ShortAnswer::BySelect);
        }
        self.select_applet(counter.applet)?;
        let response = self.send(&Command::new(0x00, 0x20, 0x00, 0x80 | counter.fid as u8))?;
        // What becomes current after a short-form VERIFY is not documented.
        self.selection = Selection::Applet(counter.applet);
        let Some(queries) = self.short_form.as_mut() else { return Ok(ShortAnswer::BySelect) };
        let if_proven = if proven { ShortAnswer::Use(response.sw) } else { ShortAnswer::BySelect };
        match response.sw {
            // Blocked, where the form is proven: it stands. Elsewhere it is
            // confirmed by SELECT + query. It never proves the form: a card
            // that misreads P2 may answer 6984 to every short query.
            sw if sw.means_blocked() => Ok(if proven { ShortAnswer::Use(sw) } else { ShortAnswer::ConfirmBlocked }),
            // A plausible count proves the form for this applet; one above
            // the known maximum means the card read P2 some other way.
            StatusWord::TriesLeft(n) if counter.max_tries.is_some_and(|max| n <= max) => {
                if !proven {
                    queries.proven.push(counter.applet);
                }
                Ok(ShortAnswer::Use(response.sw))
            }
            // Nothing to check it against: used only where the form is proven.
            StatusWord::TriesLeft(_) if counter.max_tries.is_none() => Ok(if_proven),
            StatusWord::Success => Ok(if_proven),
            // Another answer after the proof (6A82 for a missing key file)
            // concerns this counter only.
            sw if proven && !matches!(sw, StatusWord::TriesLeft(_)) => Ok(ShortAnswer::BySelect),
            _ => {
                queries.refused = true;
                Ok(ShortAnswer::BySelect)
            }
        }
    }

    /// The free retry query for any counter.
    pub fn counter_state(&mut self, counter: &Counter) -> Result<PinState> {
        let short = self.short_form_query(counter)?;
        let sw = match short {
            ShortAnswer::Use(sw) => sw,
            ShortAnswer::BySelect | ShortAnswer::ConfirmBlocked => {
                self.select_pin_file(counter.applet, counter.fid)?;
                self.send(&Command::new(0x00, 0x20, 0x00, 0x80))?.sw
            }
        };
        if let (ShortAnswer::ConfirmBlocked, false, Some(q)) = (short, sw.means_blocked(), self.short_form.as_mut()) {
            // The short form gave a false "blocked": not trusted on this card.
            q.refused = true;
        }
        match sw {
            StatusWord::TriesLeft(0) => Ok(PinState::Blocked),
            // Shown as the card says, even above the documented maximum: a
            // clamped count would hide a card that differs from the sources.
            StatusWord::TriesLeft(n) => Ok(PinState::TriesLeft(n)),
            StatusWord::Success => Ok(PinState::Verified),
            sw if sw.means_blocked() => Ok(PinState::Blocked),
            sw => Err(Error::OddRetryAnswer { sw }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    #[test]
    fn status_uses_five_apdus() {
        let t = Scripted::new(&[
            (AP, "9000"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
            ("00A4020C02001B", "9000"),
            ("00200080", "6984"),
        ]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::Blocked);
        assert_eq!(card.traffic().apdus, 5);
    }
    #[test]
    fn a_blocked_answer_by_the_short_form_is_confirmed_where_the_form_is_not_proven() {
        for blocked in ["63C0", "6983", "6984"] {
            // Before the proof: confirmed by SELECT + query, which proves nothing
            // (a card that misreads P2 may say 6984 to every short query) and
            // leaves the PIN file current, so the next counter goes by SELECT + query.
            let mut card = short_form_card(&[
                (AP, "9000"),
                ("00200098", blocked),
                ("00A4020C020018", "9000"),
                ("00200080", blocked),
                ("00A4020C02001B", "9000"),
                ("00200080", "63C5"),
            ]);
            assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::Blocked, "{blocked}");
            assert_eq!(card.short_form_works(), None, "{blocked}");
            assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::TriesLeft(5), "{blocked}");
            assert!(card.transport().finished());
            // After the proof by a count: it stands at once.
            let mut card = short_form_card(&[(AP, "9000"), ("00200098", "63C3"), ("0020009B", blocked)]);
            assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
            assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::Blocked, "{blocked}");
            assert!(card.transport().finished());
            // Proven on the JPKI applet only: on the card-info applet it is confirmed.
            let mut card = short_form_card(&[
                (AP, "9000"),
                ("00200098", "63C3"),
                (TXT, "9000"),
                ("00200091", blocked),
                ("00A4020C020011", "9000"),
                ("00200080", blocked),
            ]);
            assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
            assert_eq!(card.pin_state(PinKind::CardInfo).unwrap(), PinState::Blocked, "{blocked}");
            assert!(card.transport().finished());
            // A card that says "blocked" to the short form but counts the long
            // way is believed by SELECT + query.
            let mut card = short_form_card(&[
                (AP, "9000"),
                ("00200098", blocked),
                ("00A4020C020018", "9000"),
                ("00200080", "63C2"),
            ]);
            assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(2), "{blocked}");
            // The short form gave a false "blocked": it is not used again.
            assert_eq!(card.short_form_works(), Some(false), "{blocked}");
        }
    }
    #[test]
    fn each_applet_proves_the_short_form_for_itself() {
        let [auth, _, cardinfo, cardinfo_a, ..] = Counter::ALL;
        let mut card = short_form_card(&[
            (AP, "9000"),
            ("00200098", "63C3"),
            // Proven on the JPKI applet only: on the card-info applet a
            // counter with no maximum to check is asked by SELECT + query...
            (TXT, "9000"),
            ("00A4020C020014", "9000"),
            ("00200080", "63CA"),
            // ...and with its file current, so is the next one.
            ("00A4020C020011", "9000"),
            ("00200080", "63C2"),
        ]);
        assert_eq!(card.counter_state(&auth).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.counter_state(&cardinfo_a).unwrap(), PinState::TriesLeft(10));
        assert_eq!(card.counter_state(&cardinfo).unwrap(), PinState::TriesLeft(2));
        assert!(card.transport().finished());
    }
    #[test]
    fn a_missing_key_file_after_the_proof_keeps_the_short_form() {
        let cardinfo = Counter::of(PinKind::CardInfo);
        let mut card = short_form_card(&[
            (AP, "9000"),
            ("00200098", "63C3"),
            ("0020009B", "6A82"),
            ("00A4020C02001B", "6A82"),
            (TXT, "9000"),
            ("00200091", "63C3"),
        ]);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        let missing = card.pin_state(PinKind::Sign);
        assert!(matches!(missing, Err(Error::PinFileNotSelected { sw: StatusWord::FileNotFound })), "{missing:?}");
        assert_eq!(card.counter_state(&cardinfo).unwrap(), PinState::TriesLeft(3));
        assert!(card.transport().finished());
    }
    #[test]
    fn counts_above_the_documented_maximum_are_shown_as_they_are() {
        let visual_a = Counter::ALL[5];
        let t = Scripted::new(&[(VIS, "9000"), ("00A4020C020013", "9000"), ("00200080", "63C5")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert_eq!(card.counter_state(&visual_a).unwrap(), PinState::TriesLeft(5));
    }
    #[test]
    fn a_count_without_a_known_maximum_does_not_prove_the_short_form() {
        // cardinfo-a first: a count of it could not be checked, so it is asked
        // by SELECT + query at once; after the card-info PIN proved the form on a
        // fresh applet selection, cardinfo-a's short answer is used.
        let [_, _, cardinfo, cardinfo_a, ..] = Counter::ALL;
        let mut card = short_form_card(&[(TXT, "9000"), ("00A4020C020014", "9000"), ("00200080", "63CA")]);
        assert_eq!(card.counter_state(&cardinfo_a).unwrap(), PinState::TriesLeft(10));
        assert_eq!(card.short_form_works(), None);
        assert!(card.transport().finished());
        let mut card = short_form_card(&[(TXT, "9000"), ("00200091", "63C3"), ("00200094", "63CA")]);
        assert_eq!(card.counter_state(&cardinfo).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.short_form_works(), Some(true));
        assert_eq!(card.counter_state(&cardinfo_a).unwrap(), PinState::TriesLeft(10));
        assert!(card.transport().finished());
    }
    #[test]
    fn short_form_queries_are_used_only_while_their_answers_are_plausible() {
        // Accepted: two counters in two APDUs after the applet.
        let mut card = short_form_card(&[(AP, "9000"), ("00200098", "63C3"), ("0020009B", "63C5")]);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::TriesLeft(5));
        assert_eq!((card.traffic().apdus, card.short_form_works()), (3, Some(true)));
        // Refused, or a count above the maximum: the SELECT form from then on.
        for odd in ["6A86", "63C9"] {
            let mut card = short_form_card(&[
                (AP, "9000"),
                ("00200098", odd),
                ("00A4020C020018", "9000"),
                ("00200080", "63C3"),
                ("00A4020C02001B", "9000"),
                ("00200080", "63C5"),
            ]);
            assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3), "{odd}");
            assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::TriesLeft(5), "{odd}");
            assert_eq!(card.short_form_works(), Some(false), "{odd}");
        }
        // 9000 before any count is inconclusive: that counter is asked the long
        // way, which leaves its file current, so no proof is taken on this
        // applet afterwards (the short answer could be for that file).
        let mut card = short_form_card(&[
            (AP, "9000"),
            ("00200098", "9000"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
            ("00A4020C02001B", "9000"),
            ("00200080", "63C5"),
        ]);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::TriesLeft(5));
        assert_eq!(card.short_form_works(), None);
        assert!(card.transport().finished());
    }
    #[test]
    fn after_the_proof_9000_stands_and_a_count_above_the_maximum_turns_the_form_off() {
        let mut card = short_form_card(&[
            (AP, "9000"),
            ("00200098", "63C3"),
            ("0020009B", "9000"),
            ("00200098", "63C9"),
            ("00A4020C020018", "9000"),
            ("00200080", "63C3"),
            ("00A4020C02001B", "9000"),
            ("00200080", "63C5"),
        ]);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::Verified);
        // A count above the maximum after the proof: the card reads P2 some
        // other way after all. Off for the rest of the session, and it says so.
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::TriesLeft(3));
        assert_eq!(card.short_form_works(), Some(false));
        assert_eq!(card.pin_state(PinKind::Sign).unwrap(), PinState::TriesLeft(5));
        assert!(card.transport().finished());
    }
    #[test]
    fn verified_query_is_not_zero() {
        let t = Scripted::new(&[(AP, "9000"), ("00A4020C020018", "9000"), ("00200080", "9000")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert_eq!(card.pin_state(PinKind::Auth).unwrap(), PinState::Verified);
    }
}
