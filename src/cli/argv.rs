//! Keeping a PIN typed on the command line out of the error that refuses it.

use jpki::pin::{Pin, PinKind};

use super::exit::Failure;

/// What stands in a message for a word that must not be repeated.
fn hidden_mark() -> &'static str {
    super::i18n::pick("<hidden>", "<非表示>")
}

/// Valid as some PIN (either case), with a digit, and not a hash name.
pub fn could_be_pin(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit())
        && !word.to_ascii_lowercase().starts_with("sha")
        && [PinKind::Auth, PinKind::Sign].iter().any(|&k| Pin::new(k, word).is_ok())
}

/// The parts of the command line an error message must not repeat, longest
/// first, and whether one of them could be a PIN. A PIN may hide anywhere: as
/// a word, after `=` (`--hash=1234`), attached to a short option (`-x1234`),
/// inside a longer word, or after `--`, whose words are never repeated at all.
pub fn unspeakable(args: &[String]) -> (Vec<String>, bool) {
    let mut hidden = Vec::new();
    let mut pin_like = false;
    let mut after_dashes = false;
    for arg in args {
        if !after_dashes && arg == "--" {
            after_dashes = true;
            continue;
        }
        let mut parts = vec![arg.as_str()];
        if let Some((_, value)) = arg.split_once('=') {
            parts.push(value);
        }
        if arg.starts_with('-') && !arg.starts_with("--") {
            parts.push(arg.get(2..).unwrap_or(""));
        }
        parts.extend(arg.split(|c: char| !c.is_ascii_alphanumeric()));
        // A run of 4 or more digits inside a word may hold an auth PIN.
        parts.extend(arg.split(|c: char| !c.is_ascii_digit()).filter(|run| run.len() >= 4));
        for part in parts {
            let pin = could_be_pin(part);
            pin_like |= pin || (after_dashes && !part.is_empty());
            let digits = part.len() >= 4 && part.bytes().all(|b| b.is_ascii_digit());
            if (pin || digits || (after_dashes && part == arg)) && !part.is_empty() {
                hidden.push(part.to_string());
            }
        }
    }
    hidden.sort_by_key(|h| std::cmp::Reverse(h.len()));
    hidden.dedup();
    (hidden, pin_like)
}

/// `message` with every part of `args` that must not be repeated replaced by
/// `<hidden>`, and whether one of them could be a PIN.
pub fn hide_pin_like(message: &str, args: &[String]) -> (String, bool) {
    let (hidden, pin_like) = unspeakable(args);
    let mut message = message.to_string();
    for part in &hidden {
        message = message.replace(part.as_str(), hidden_mark());
    }
    (message, pin_like)
}

/// The words of a command line that parsed which could be a PIN as a whole
/// (a PIN typed as a file name or a reader), or after `=`, longest first.
/// Parts of longer words are not hidden here: the line parsed, so a path such
/// as `report2024.pdf` is a path, and an error that names it must show it.
pub fn pin_like_words(args: &[String]) -> Vec<String> {
    let mut hidden: Vec<String> = args
        .iter()
        .flat_map(|arg| [Some(arg.as_str()), arg.split_once('=').map(|(_, value)| value)])
        .flatten()
        .filter(|word| could_be_pin(word))
        .map(str::to_string)
        .collect();
    hidden.sort_by_key(|h| std::cmp::Reverse(h.len()));
    hidden.dedup();
    hidden
}

/// A failure whose message and hint repeat no word of this process's command
/// line that could be a PIN (a PIN typed as a file name or a reader, say).
pub fn scrubbed(failure: &Failure) -> Failure {
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    let hidden = pin_like_words(&args);
    let hide =
        |text: &str| hidden.iter().fold(text.to_string(), |text, word| text.replace(word.as_str(), hidden_mark()));
    Failure { message: hide(&failure.message), hint: failure.hint.as_deref().map(hide), ..*failure }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn no_form_of_a_pin_is_repeated() {
        for (line, secret) in [
            ("sign --hash=1234", "1234"),
            ("sign --key=ABC123", "ABC123"),
            ("--wait=abc123 status", "abc123"),
            ("sign --format=ABC123", "ABC123"),
            ("verify auth --force=1234", "1234"),
            ("verify auth -- 1234", "1234"),
            ("verify auth -- not-a-pin", "not-a-pin"),
            ("verify auth -x1234", "1234"),
            ("verify auth -Zabc123", "abc123"),
            ("verify auth --pin:1234", "1234"),
            ("verify auth 12345678", "12345678"),
        ] {
            let word = line.split(' ').find(|w| w.contains(secret)).unwrap();
            let message = format!("unexpected argument '{word}' found; invalid value '{secret}'");
            let (shown, pin_like) = hide_pin_like(&message, &words(line));
            assert!(!shown.contains(secret), "{line}: {shown}");
            assert!(shown.contains("<hidden>"), "{line}: {shown}");
            assert!(pin_like, "{line}");
        }
    }

    #[test]
    fn a_failure_after_parsing_hides_whole_words_only() {
        let args = words("sign --key auth 1234 --reader=ABC123 -o /tmp/tmp.4IZx1zTenp/report2024.sig");
        let hidden = pin_like_words(&args);
        assert_eq!(hidden, ["ABC123", "1234"]);
    }

    #[test]
    fn the_mark_follows_the_language() {
        crate::cli::i18n::set_for_this_thread(crate::cli::i18n::Lang::Ja);
        let (shown, _) = hide_pin_like("'1234' という引数はありません", &words("verify auth 1234"));
        crate::cli::i18n::set_for_this_thread(crate::cli::i18n::Lang::En);
        assert_eq!(shown, "'<非表示>' という引数はありません");
    }

    #[test]
    fn ordinary_words_stay() {
        let (shown, pin_like) = hide_pin_like("invalid value 'sha1' for '--hash <HASH>'", &words("sign --hash sha1"));
        assert_eq!(shown, "invalid value 'sha1' for '--hash <HASH>'");
        assert!(!pin_like);
    }
}
