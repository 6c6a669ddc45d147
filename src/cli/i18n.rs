//! English and Japanese, side by side at the place each line is written.
//!
//! Every message is written as a pair (`tr!("…", "…")`, `pick("…", "…")`), so
//! the compiler refuses a message without both languages and a reader sees the
//! two together. A catalogue keyed by ids (Fluent, rust-i18n) would let a
//! translation go missing until run time and would hide the wording from the
//! code that uses it; with two languages, the pair is simpler and safer.
//!
//! The language is chosen once per command (`--lang`, `JPKI_LANG`, the POSIX
//! locale, the system's language, else English) and read wherever a line is
//! made. JSON keys, `kind` values and enumerations never depend on it.

use std::cell::Cell;
use std::ffi::{OsStr, OsString};
use std::sync::atomic::{AtomicU8, Ordering};

/// The language of what a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    #[default]
    En,
    Ja,
}

impl Lang {
    /// `ja`, `ja_JP.UTF-8`, `ja-JP`, `japanese` → Japanese; `en…`, `C`, `POSIX` → English; others: not ours.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("ja") {
            Some(Lang::Ja)
        } else if tag.starts_with("en") || tag == "c" || tag.starts_with("c.") || tag == "posix" {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language `--lang` (anywhere before `--`), `JPKI_LANG`, the locale
    /// (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, the first one set, as POSIX
    /// reads them) or, on Windows and macOS, the system's language asks for.
    /// `env` reads a variable (a parameter, so that tests need not change the process's own).
    pub fn detect(args: &[OsString], env: &dyn Fn(&str) -> Option<OsString>) -> Lang {
        if let Some(lang) = lang_argument(args) {
            return lang;
        }
        if let Some(lang) = env("JPKI_LANG").and_then(|v| Lang::from_tag(&v.to_string_lossy())) {
            return lang;
        }
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|k| env(k).filter(|v| !v.is_empty()));
        if let Some(locale) = locale {
            // A locale we do not speak (fr_FR) means English, not the system's guess.
            return Lang::from_tag(&locale.to_string_lossy()).unwrap_or(Lang::En);
        }
        system_language().unwrap_or(Lang::En)
    }
}

/// The value of `--lang X` or `--lang=X`, if valid; clap reports a bad one.
fn lang_argument(args: &[OsString]) -> Option<Lang> {
    let mut words = args.iter().map(OsString::as_os_str).take_while(|a| *a != OsStr::new("--"));
    while let Some(word) = words.next() {
        let word = word.to_string_lossy();
        let value = match word.strip_prefix("--lang") {
            Some("") => words.next().map(|v| v.to_string_lossy().into_owned()),
            Some(rest) => rest.strip_prefix('=').map(str::to_owned),
            None => None,
        };
        if let Some(lang) = value.as_deref().and_then(|v| <Lang as clap::ValueEnum>::from_str(v, true).ok()) {
            return Some(lang);
        }
    }
    None
}

/// Windows and macOS keep the user's language outside the environment.
#[cfg(any(windows, target_os = "macos"))]
fn system_language() -> Option<Lang> {
    sys_locale::get_locale().and_then(|l| Lang::from_tag(&l))
}

#[cfg(not(any(windows, target_os = "macos")))]
fn system_language() -> Option<Lang> {
    None
}

/// The process's language, for threads that did not choose their own (the signal watchdog).
static PROCESS_LANG: AtomicU8 = AtomicU8::new(0);

thread_local! {
    /// Set by the command running on this thread; in-process tests run
    /// commands in different languages on parallel threads.
    static THREAD_LANG: Cell<Option<Lang>> = const { Cell::new(None) };
}

/// Use `lang` from now on, on this thread and for threads that have not chosen.
pub fn set(lang: Lang) {
    PROCESS_LANG.store(lang as u8, Ordering::Relaxed);
    set_for_this_thread(lang);
}

/// Use `lang` on this thread only (a command run in-process).
pub fn set_for_this_thread(lang: Lang) {
    THREAD_LANG.with(|l| l.set(Some(lang)));
}

/// The language lines are written in.
pub fn lang() -> Lang {
    THREAD_LANG.with(Cell::get).unwrap_or(match PROCESS_LANG.load(Ordering::Relaxed) {
        1 => Lang::Ja,
        _ => Lang::En,
    })
}

/// `en` or `ja`, in the current language.
pub fn pick<T>(en: T, ja: T) -> T {
    match lang() {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

/// `format!` in the current language: `tr!("{n} files", "{n}件", n = count)`.
/// Both format strings take the same arguments.
#[doc(hidden)]
#[macro_export]
macro_rules! __jpki_tr {
    ($en:literal, $ja:literal $(, $($args:tt)*)?) => {
        match $crate::cli::i18n::lang() {
            $crate::cli::i18n::Lang::En => format!($en $(, $($args)*)?),
            $crate::cli::i18n::Lang::Ja => format!($ja $(, $($args)*)?),
        }
    };
}
pub use crate::__jpki_tr as tr;

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(args: &[&str], vars: &[(&str, &str)]) -> Lang {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let env = |k: &str| vars.iter().find(|(name, _)| *name == k).map(|(_, v)| OsString::from(v));
        Lang::detect(&args, &env)
    }

    #[test]
    fn the_command_line_wins_then_jpki_lang_then_the_locale() {
        assert_eq!(detect(&["jpki", "--lang", "ja", "status"], &[("LANG", "C")]), Lang::Ja);
        assert_eq!(detect(&["jpki", "status", "--lang=en"], &[("JPKI_LANG", "ja")]), Lang::En);
        assert_eq!(detect(&["jpki", "status"], &[("JPKI_LANG", "ja"), ("LC_ALL", "C")]), Lang::Ja);
        assert_eq!(detect(&["jpki"], &[("LC_ALL", "ja_JP.UTF-8"), ("LANG", "C.UTF-8")]), Lang::Ja);
        assert_eq!(detect(&["jpki"], &[("LC_MESSAGES", "ja_JP.eucJP"), ("LANG", "en_US.UTF-8")]), Lang::Ja);
        assert_eq!(detect(&["jpki"], &[("LANG", "ja_JP.UTF-8")]), Lang::Ja);
        assert_eq!(detect(&["jpki"], &[("LANG", "C.UTF-8")]), Lang::En);
    }

    #[test]
    fn an_empty_variable_is_unset_and_a_foreign_locale_means_english() {
        assert_eq!(detect(&["jpki"], &[("LC_ALL", ""), ("LANG", "ja_JP.UTF-8")]), Lang::Ja);
        assert_eq!(detect(&["jpki"], &[("LANG", "fr_FR.UTF-8")]), Lang::En);
        assert_eq!(detect(&["jpki"], &[("JPKI_LANG", "klingon"), ("LANG", "ja_JP.UTF-8")]), Lang::Ja);
    }

    #[test]
    fn words_after_the_double_dash_are_not_options() {
        assert_eq!(detect(&["jpki", "sign", "--", "--lang", "ja"], &[]), Lang::En);
        assert_eq!(detect(&["jpki", "--lang", "xx"], &[("LANG", "ja_JP.UTF-8")]), Lang::Ja);
    }

    #[test]
    fn each_thread_keeps_the_language_its_command_chose() {
        set_for_this_thread(Lang::Ja);
        let other = std::thread::spawn(|| {
            set_for_this_thread(Lang::En);
            tr!("{n} files", "{n}件", n = 2)
        });
        assert_eq!(other.join().unwrap(), "2 files");
        let n = 3;
        assert_eq!(tr!("{n} files", "{n}件"), "3件");
        assert_eq!(pick("yes", "はい"), "はい");
    }
}
