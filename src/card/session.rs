//! Selection: the applet and file the card has selected, so that no SELECT
//! is sent twice.

use super::*;

impl<T: Transport> JpkiCard<T> {
    /// SELECT an applet by its full AID. A 6F00 right after power-on is
    /// answered by one more SELECT (seen on a card after a power cycle).
    pub fn select_applet(&mut self, applet: Applet) -> Result<()> {
        if matches!(self.selection, Selection::Applet(a) | Selection::File(a, _) if a == applet) {
            return Ok(());
        }
        if self.missing_applets.contains(&applet) {
            return Err(missing(applet));
        }
        let cmd = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(applet.aid());
        let mut response = self.send(&cmd)?;
        if response.sw == StatusWord::NoPreciseDiagnosis {
            response = self.send(&cmd)?;
        }
        match response.sw {
            StatusWord::Success => {
                self.selection = Selection::Applet(applet);
                Ok(())
            }
            StatusWord::FileNotFound => {
                self.selection = Selection::Nothing;
                self.missing_applets.push(applet);
                Err(missing(applet))
            }
            // Not a My Number Card's JPKI applet, as before; on the other
            // applets only "not found" means missing.
            StatusWord::IncorrectParameters(_) if applet == Applet::Jpki => {
                self.selection = Selection::Nothing;
                Err(missing(applet))
            }
            sw => Err(Error::UnexpectedStatus { operation: "SELECT of the applet", sw }),
        }
    }

    pub(super) fn select_file(&mut self, applet: Applet, fid: u16) -> Result<StatusWord> {
        if self.selection == Selection::File(applet, fid) {
            return Ok(StatusWord::Success);
        }
        self.select_applet(applet)?;
        let cmd = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(&fid.to_be_bytes());
        let response = self.send(&cmd)?;
        if response.is_ok() {
            self.selection = Selection::File(applet, fid);
        } else {
            self.selection = Selection::Applet(applet);
        }
        Ok(response.sw)
    }

    pub(super) fn select_file_or_fail(&mut self, applet: Applet, fid: u16, operation: &'static str) -> Result<()> {
        match self.select_file(applet, fid)? {
            StatusWord::Success => Ok(()),
            sw => Err(Error::UnexpectedStatus { operation, sw }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    #[test]
    fn a_missing_applet_is_asked_for_once_but_an_odd_answer_again() {
        let cardinfo = Counter::of(PinKind::CardInfo);
        let t = Scripted::new(&[(TXT, "6A82")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        for _ in 0..3 {
            assert!(matches!(card.counter_state(&cardinfo), Err(Error::AppletMissing { .. })));
        }
        // 6A86 says the parameters were wrong, not that the applet is missing.
        let t = Scripted::new(&[(TXT, "6A86"), (TXT, "6A86")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        for _ in 0..2 {
            assert!(matches!(card.counter_state(&cardinfo), Err(Error::UnexpectedStatus { .. })));
        }
        assert!(card.transport().finished());
        // The JPKI applet missing is still "not a My Number Card".
        let t = Scripted::new(&[(AP, "6A82")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert!(matches!(card.pin_state(PinKind::Auth), Err(Error::NotJpki { .. })));
    }
    #[test]
    fn not_a_jpki_card() {
        let t = Scripted::new(&[(AP, "6A82")]);
        let mut card = JpkiCard::new(t, ExtendedLength::On);
        assert!(matches!(card.pin_state(PinKind::Auth), Err(Error::NotJpki { .. })));
    }
}
