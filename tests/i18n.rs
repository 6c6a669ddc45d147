//! Japanese and English: every help text exists in both; Japanese output
//! (help, parse errors, refusals before the card, and every card path through
//! pcscd and jpki-sim) carries no English sentence; English output carries no
//! Japanese-only line; `--json` gives the same document in both languages but
//! for its `message` and `hint` texts.

#[path = "bad_input/cases.rs"]
mod cases;
mod common;

use std::path::Path;
use std::process::{Command, Output};

use clap::Command as ClapCommand;
use common::*;
use jpki::cli::i18n::{set_for_this_thread, Lang};

// ---------------------------------------------------------------------------
// The detectors.

/// Command names after `jpki` (a command line quoted in a Japanese sentence).
const COMMAND_WORDS: &[&str] = &[
    "readers",
    "status",
    "verify",
    "cert",
    "sign",
    "check",
    "pin",
    "change",
    "card-info",
    "completions",
    "man",
    "pdf",
    "help",
    "auth",
    "cardinfo",
];

/// The first run of three or more English words in `text`, if any: words of
/// ASCII letters (not all capitals: PIN, APDU and PDF are names) separated by
/// spaces only. Text in backquotes, quotes or angle brackets, option names,
/// paths, URLs, hex and `jpki COMMAND` do not count and break a run, and so
/// does punctuation after a word (`auto, on, off` is a list, not a sentence).
pub fn english_sentence(text: &str) -> Option<String> {
    for line in text.lines() {
        if let Some(label) = english_label(line) {
            return Some(format!("the label {label:?} in {line:?}"));
        }
        let line = without_quoted(line);
        let mut run: Vec<&str> = Vec::new();
        let mut after_jpki = false;
        // Inside `KEY=value` up to its comma: a certificate's name (OU=JPKI for digital signature, ...).
        let mut in_value = false;
        for token in line.split_whitespace() {
            if in_value || token.contains('=') {
                in_value = !token.ends_with(',');
                run.clear();
                continue;
            }
            let word = token.trim_start_matches(['(', '[', '{']);
            let bare = word.trim_end_matches([',', '.', ';', ':', '!', '?', ')', ']', '}']);
            let ends_phrase = bare.len() != word.len();
            let is_word = !bare.is_empty()
                && bare.chars().all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '-')
                && bare.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && (bare.len() == 1 || bare.chars().any(|c| c.is_ascii_lowercase()));
            if bare == "jpki" || (after_jpki && COMMAND_WORDS.contains(&bare)) {
                after_jpki = true;
                run.clear();
                continue;
            }
            after_jpki = false;
            if is_word {
                run.push(bare);
                if run.len() >= 3 {
                    return Some(format!("{:?} in {line:?}", run.join(" ")));
                }
            } else {
                run.clear();
            }
            if ends_phrase {
                run.clear();
            }
        }
    }
    None
}

/// An English label that starts `line` (`Name:`, `signed at:`), where Japanese
/// output would have 氏名 or 生年月日; `jpki:` and a URL (`https:`) are not labels.
fn english_label(line: &str) -> Option<&str> {
    let (label, rest) = line.trim_start().split_once(':')?;
    // `Name (氏名):` is an English label with a Japanese gloss.
    let label = label.split('(').next().unwrap_or(label).trim_end();
    let is_label = label.len() >= 2
        && label.starts_with(|c: char| c.is_ascii_alphabetic())
        && label.chars().all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '-' || c == '(' || c == ')')
        && label.chars().any(|c| c.is_ascii_lowercase())
        // `auth:` before a value's description is a value, not a label.
        && (label.contains(' ') || label.starts_with(|c: char| c.is_ascii_uppercase()));
    (is_label && label != "jpki" && !rest.starts_with("//")).then_some(label)
}

/// `line` with what stands between backquotes, double quotes, single quotes
/// (a quoted argument) and angle brackets replaced by a marker that breaks a run.
fn without_quoted(line: &str) -> String {
    let mut out = String::new();
    let mut closing: Option<char> = None;
    for c in line.chars() {
        match closing {
            Some(end) if c == end => {
                closing = None;
                out.push_str(" § ");
            }
            Some(_) => {}
            None => match c {
                '`' | '"' => closing = Some(c),
                '\'' if !out.ends_with(|p: char| p.is_ascii_alphabetic()) => closing = Some('\''),
                '<' => closing = Some('>'),
                c => out.push(c),
            },
        }
    }
    out
}

fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// Terminal columns of `line`: Japanese characters and punctuation take two.
fn cells(line: &str) -> usize {
    line.chars().map(|c| if is_japanese(c) || ('\u{3000}'..='\u{303f}').contains(&c) { 2 } else { 1 }).sum()
}

fn has_japanese(text: &str) -> bool {
    text.chars().any(is_japanese)
}

/// The first line of English output that is Japanese alone (no English word
/// of three letters or more beside it): a Japanese term is a gloss in
/// English, never the whole line. Card data (a name, an address) sits after
/// an English label.
pub fn japanese_only_line(text: &str) -> Option<String> {
    text.lines()
        .find(|line| {
            has_japanese(line) && !line.split(|c: char| !c.is_ascii_alphabetic()).any(|w| w.len() >= 3 && w != "jpki")
        })
        .map(str::to_string)
}

#[test]
fn the_detectors_catch_sentences_and_spare_names() {
    for english in [
        "jpki: エラー: the card is not ready",
        "使い方の誤り: no such file",
        "Wrong PIN: two tries are left",
        "暗証番号が違います (It was wrong)",
        "  Birth date:   平成1年1月1日",
        "Auth PIN (利用者証明用暗証番号):   3 of 3",
    ] {
        assert!(english_sentence(english).is_some(), "missed: {english}");
    }
    for japanese in [
        "jpki: エラー: '--wait <秒数>' に 'abc' は指定できません (数値で指定してください)",
        "使い方: jpki pin change [オプション] <暗証番号>",
        "拡張長の READ BINARY: auto (カードの ATR で判断)、on、off [指定できる値: auto, on, off]",
        "`jpki --help` または `jpki コマンド --help` を見てください",
        "出力先 \"/tmp/no such dir/x.sig\" がありません",
        "130  中断された (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT)",
        "adbe: adbe.pkcs7.detached: 署名属性に署名時刻を含む CMS",
        "https://www.jpki.go.jp/ を見てください",
        "発行者:     C=JP, O=JPKI, OU=JPKI for digital signature, OU=Japan Agency for Local Authority Information Systems",
    ] {
        assert_eq!(english_sentence(japanese), None, "{japanese}");
    }
    assert!(japanese_only_line("Name: 山田\n署名用パスワードが違います").is_some());
    assert_eq!(japanese_only_line("Signing certificate (署名用電子証明書): issued\nName:  山田 太郎"), None);
}

// ---------------------------------------------------------------------------
// Help, built in-process in each language.

fn command_in(lang: Lang) -> ClapCommand {
    set_for_this_thread(lang);
    let mut cmd = jpki::cli::help::command();
    cmd.build();
    cmd
}

/// Every visible command and subcommand, by its path of names.
fn commands(cmd: &ClapCommand, path: &str, out: &mut Vec<(String, ClapCommand)>) {
    out.push((path.to_string(), cmd.clone()));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        commands(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

/// What a person reads for a command: its about, each visible argument's help
/// and each possible value's help, keyed so the two languages can be paired.
fn texts(cmd: &ClapCommand) -> Vec<(String, String)> {
    let mut texts = vec![("about".to_string(), cmd.get_about().map(ToString::to_string).unwrap_or_default())];
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let id = arg.get_id().to_string();
        texts.push((format!("--{id}"), arg.get_help().map(ToString::to_string).unwrap_or_default()));
        for value in arg.get_possible_values().iter().filter(|v| !v.is_hide_set()) {
            if let Some(help) = value.get_help() {
                texts.push((format!("--{id}={}", value.get_name()), help.to_string()));
            }
        }
    }
    if let Some(after) = cmd.get_after_help() {
        texts.push(("after_help".to_string(), after.to_string()));
    }
    texts
}

#[test]
fn every_help_text_exists_in_both_languages() {
    // Possible values are described when asked for: read each walk's texts in its language.
    let walk = |lang| {
        let mut all = Vec::new();
        commands(&command_in(lang), "jpki", &mut all);
        all.iter().map(|(path, cmd)| (path.clone(), texts(cmd))).collect::<Vec<_>>()
    };
    let (en, ja) = (walk(Lang::En), walk(Lang::Ja));
    assert_eq!(
        en.iter().map(|c| &c.0).collect::<Vec<_>>(),
        ja.iter().map(|c| &c.0).collect::<Vec<_>>(),
        "the commands differ between the languages"
    );
    let mut problems = Vec::new();
    let mut checked = 0;
    for ((path, en_texts), (_, ja_texts)) in en.iter().zip(&ja) {
        let ja_texts: std::collections::HashMap<&String, &String> = ja_texts.iter().map(|(k, v)| (k, v)).collect();
        for (key, english) in en_texts {
            checked += 1;
            let japanese = ja_texts.get(key).map(|t| t.to_string()).unwrap_or_default();
            if english.trim().is_empty() {
                problems.push(format!("{path} {key}: no English text"));
            }
            if !has_japanese(&japanese) {
                problems.push(format!("{path} {key}: no Japanese text (got {japanese:?})"));
            } else if &japanese == english {
                problems.push(format!("{path} {key}: the Japanese text is the English one"));
            }
            if let Some(sentence) = english_sentence(&japanese) {
                problems.push(format!("{path} {key}: English in the Japanese text: {sentence}"));
            }
        }
    }
    assert!(checked > 100, "only {checked} texts found: the walk is broken");
    assert!(problems.is_empty(), "{} of {checked} help texts:\n{}", problems.len(), problems.join("\n"));
}

// ---------------------------------------------------------------------------
// Processes without a card: help, parse errors.

/// `jpki` with the locale `locale` and no language chosen otherwise.
fn jpki_in(locale: &str) -> Command {
    let mut c = jpki();
    c.env_remove("JPKI_LANG").env_remove("LC_ALL").env_remove("LC_MESSAGES").env("LANG", locale);
    c
}

fn text_of(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The command lines of every help page.
fn help_lines() -> Vec<Vec<String>> {
    let mut all = Vec::new();
    commands(&command_in(Lang::En), "jpki", &mut all);
    // `jpki help` takes no --help of its own: it is asked the other way round.
    let mut lines: Vec<Vec<String>> = all
        .iter()
        .filter(|(path, _)| !path.split(' ').any(|w| w == "help"))
        .map(|(path, _)| path.split(' ').skip(1).map(str::to_string).chain(["--help".to_string()]).collect())
        .collect();
    for line in
        [&["help"][..], &["help", "help"], &["help", "pin", "change"], &["pin", "help"], &["pdf", "help", "sign"]]
    {
        lines.push(line.iter().map(|w| w.to_string()).collect());
    }
    lines
}

#[test]
fn help_pages_in_japanese_have_no_english_sentence() {
    let mut problems = Vec::new();
    let lines = help_lines();
    assert!(lines.len() >= 20, "{lines:?}");
    for args in &lines {
        for (locale, extra) in [("ja_JP.UTF-8", None), ("C.UTF-8", Some("--lang=ja"))] {
            let o = run(jpki_in(locale).args(extra).args(args));
            let text = text_of(&o);
            if o.status.code() != Some(0) {
                problems.push(format!("{args:?} ({locale}): exit {:?}", o.status.code()));
            }
            for english in ["Usage:", "Options:", "Commands:", "Arguments:", "Print help", "[default:", "[possible"] {
                if text.contains(english) {
                    problems.push(format!("{args:?} ({locale}): clap's {english:?}"));
                }
            }
            if let Some(s) = english_sentence(&text) {
                problems.push(format!("{args:?} ({locale}): {s}"));
            }
            // clap breaks lines only at spaces, which Japanese seldom has: a
            // line past its 100 columns would spill over the terminal's edge.
            for line in text.lines().filter(|line| cells(line) > 100) {
                problems.push(format!("{args:?} ({locale}): {} columns: {line}", cells(line)));
            }
        }
        let o = run(jpki_in("C.UTF-8").args(args));
        if let Some(line) = japanese_only_line(&text_of(&o)) {
            problems.push(format!("{args:?} (C.UTF-8): Japanese only: {line}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Command lines the argument parser refuses, one per kind of clap error.
const PARSE_FAILURES: &[&[&str]] = &[
    &[],
    &["sing"],
    &["status", "--jsn"],
    &["status", "--wait", "abc"],
    &["status", "--wait", "99999"],
    &["status", "--certs", "--certs"],
    &["sign"],
    &["sign", "--key", "x"],
    &["sign", "--key", "auth", "--digest", "00", "file"],
    &["sign", "--key", "auth", "--attached"],
    &["verify"],
    &["verify", "auth", "1234"],
    &["verify", "auth", "--pin=1234"],
    &["verify", "auth", "--", "ABC123"],
    &["cert", "auth", "--der", "--pem"],
    &["pin"],
    &["pin", "change", "nope"],
    &["pdf", "sign", "in.pdf"],
    &["completions", "tcsh"],
    &["--lang", "xx", "status"],
    &["status", "--reader"],
];

#[test]
fn parse_errors_in_japanese_name_the_argument_and_hide_a_pin() {
    let mut problems = Vec::new();
    // The locale, a --lang argument before the command line, and the language they ask for.
    let ways = [("ja_JP.UTF-8", None, Lang::Ja), ("C.UTF-8", Some("--lang=ja"), Lang::Ja), ("C.UTF-8", None, Lang::En)];
    for args in PARSE_FAILURES {
        let mut documents = Vec::new();
        let mut errors = Vec::new();
        for (locale, lang_arg, lang) in ways {
            let how = format!("{locale}{}", lang_arg.map(|a| format!(" {a}")).unwrap_or_default());
            let o = run(jpki_in(locale).args(lang_arg).args(*args));
            let err = String::from_utf8_lossy(&o.stderr).into_owned();
            if o.status.code() != Some(2) || err.lines().count() != 1 {
                problems.push(format!("{args:?} ({how}): exit {:?}, stderr {err:?}", o.status.code()));
            }
            for pin in ["1234", "ABC123"] {
                if args.iter().any(|a| a.contains(pin)) && err.contains(pin) {
                    problems.push(format!("{args:?} ({how}): the PIN is repeated: {err}"));
                }
            }
            let issue = match lang {
                Lang::En => japanese_only_line(&err),
                Lang::Ja => english_sentence(&err).or_else(|| (!has_japanese(&err)).then(|| "no Japanese".into())),
            };
            if let Some(issue) = issue {
                problems.push(format!("{args:?} ({how}): {issue}: {err}"));
            }
            errors.push((lang, err));
            let o = run(jpki_in(locale).args(lang_arg).arg("--json").args(*args));
            match serde_json::from_slice::<serde_json::Value>(&o.stdout) {
                Ok(doc) => documents.push(neutral(&doc)),
                Err(e) => problems.push(format!("{args:?} --json ({how}): no JSON document ({e})")),
            }
        }
        if documents.windows(2).any(|pair| pair[0] != pair[1]) {
            problems.push(format!("{args:?}: the JSON failure differs with the language: {documents:?}"));
        }
        // The offending option is named in Japanese too.
        let english = &errors.iter().find(|(lang, _)| *lang == Lang::En).unwrap().1;
        for word in args.iter().filter(|a| a.starts_with("--") && a.len() > 2 && !a.contains("pin")) {
            let name = word.split('=').next().unwrap_or(word);
            for (_, japanese) in errors.iter().filter(|(lang, _)| *lang == Lang::Ja) {
                if english.contains(name) && !japanese.contains(name) {
                    problems.push(format!("{args:?}: the Japanese error does not name {name}: {japanese}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// Refusals before the card, in-process (the bad-input cases).

#[test]
fn refusals_before_the_card_in_japanese_have_no_english_sentence() {
    use clap::Parser;
    let read = ["JPKI_AUTH_PIN", "JPKI_SIGN_PIN", "JPKI_CARDINFO_PIN", "JPKI_NEW_PIN", "JPKI_READER"];
    assert!(read.iter().all(|k| std::env::var_os(k).is_none()), "unset {read:?} to run these tests");
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<cases::Case> = cases::all_cases(dir.path()).into_iter().filter(cases::Case::in_process).collect();
    assert!(cases.len() > 30, "{}", cases.len());
    let mut problems = Vec::new();
    for c in &cases {
        for lang in [Lang::Ja, Lang::En] {
            set_for_this_thread(lang);
            let argv = std::iter::once("jpki".into()).chain(c.args.iter().cloned());
            let cli = jpki::cli::Cli::try_parse_from(argv).expect("the case parses");
            let line = match jpki::cli::run(&cli, &NoCard) {
                Ok(_) => {
                    problems.push(format!("{}: it succeeded", c.name));
                    continue;
                }
                Err(f) => format!("{}{}", f.message, f.hint.map(|h| format!(" / {h}")).unwrap_or_default()),
            };
            let issue = match lang {
                Lang::Ja => english_sentence(&line),
                Lang::En => japanese_only_line(&line),
            };
            if let Some(issue) = issue {
                problems.push(format!("{} ({lang:?}): {issue}", c.name));
            }
        }
    }
    assert!(problems.is_empty(), "{} of {} cases:\n{}", problems.len(), cases.len() * 2, problems.join("\n"));
}

/// The bad-input cases are refused before any card: this one has none.
struct NoCard;

impl jpki::cli::Connect for NoCard {
    fn open(
        &self,
        _global: &jpki::cli::Global,
        _access: jpki::pcsc::Access,
    ) -> Result<jpki::cli::session::Card, jpki::cli::exit::Failure> {
        panic!("a bad input reached the card");
    }
}

// ---------------------------------------------------------------------------
// Every card path, through pcscd and jpki-sim, in both languages.

struct Step {
    name: &'static str,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
}

fn step(name: &'static str, args: &[&str]) -> Step {
    Step { name, args: args.iter().map(|a| a.to_string()).collect(), env: vec![] }
}

impl Step {
    fn pin(mut self, var: &'static str, pin: &str) -> Step {
        self.env.push((var, pin.to_string()));
        self
    }
}

/// What one step printed in one language.
struct Seen {
    name: String,
    code: Option<i32>,
    text: String,
    json: Option<serde_json::Value>,
}

/// The card paths: a card with every PIN usable, then cards with a PIN at its
/// last try or blocked. Each step runs twice, the second time with `--json`.
fn scenarios(dir: &Path) -> Vec<(Vec<&'static str>, Vec<Step>)> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/pdf_read");
    let unsigned = corpus.join("acroform").display().to_string();
    let signed = corpus.join("signed_pades").display().to_string();
    let data = dir.join("data.txt");
    std::fs::write(&data, b"hello\n").unwrap();
    let data = data.display().to_string();
    let out = |name: &str| dir.join(name).display().to_string();
    let usable = vec![
        step("readers", &["readers"]),
        step("status", &["status"]),
        step("status --jpki-only", &["status", "--jpki-only"]),
        step("status --certs", &["status", "--certs"]),
        step("status --certs --sign-cert", &["status", "--certs", "--sign-cert"]).pin("JPKI_SIGN_PIN", SIGN_PIN),
        step("cert auth", &["cert", "auth"]),
        step("cert auth --details", &["cert", "auth", "--details"]),
        step("cert sign --details", &["cert", "sign", "--details"]).pin("JPKI_SIGN_PIN", SIGN_PIN),
        step("cert sign-ca --details", &["cert", "sign-ca", "--details"]),
        step("verify auth", &["verify", "auth"]).pin("JPKI_AUTH_PIN", AUTH_PIN),
        step("verify auth wrong", &["verify", "auth"]).pin("JPKI_AUTH_PIN", "9999"),
        step("verify sign wrong", &["verify", "sign"]).pin("JPKI_SIGN_PIN", "WRONG9"),
        step("verify sign", &["verify", "sign"]).pin("JPKI_SIGN_PIN", SIGN_PIN),
        step("verify auth again", &["verify", "auth"]).pin("JPKI_AUTH_PIN", AUTH_PIN),
        step("sign auth", &["sign", "--key", "auth", &data]).pin("JPKI_AUTH_PIN", AUTH_PIN),
        step("sign sign -o", &["sign", "--key", "sign", &data, "-o", &out("data.sig")]).pin("JPKI_SIGN_PIN", SIGN_PIN),
        step("check", &["check", "--signature", &out("data.sig"), "--card-cert", "sign", &data])
            .pin("JPKI_SIGN_PIN", SIGN_PIN),
        step("check mismatch", &["check", "--signature", &out("data.sig"), "--card-cert", "sign", &unsigned])
            .pin("JPKI_SIGN_PIN", SIGN_PIN),
        step("card-info", &["card-info"]).pin("JPKI_CARDINFO_PIN", CARDINFO_PIN),
        step("card-info --my-number-only", &["card-info", "--my-number-only"]).pin("JPKI_CARDINFO_PIN", CARDINFO_PIN),
        step("card-info wrong", &["card-info"]).pin("JPKI_CARDINFO_PIN", "9999"),
        step("card-info right", &["card-info"]).pin("JPKI_CARDINFO_PIN", CARDINFO_PIN),
        step("pdf sign", &["pdf", "sign", &unsigned, "-o", &out("signed.pdf")]).pin("JPKI_SIGN_PIN", SIGN_PIN),
        step("pdf verify", &["pdf", "verify", &signed]),
        step("pdf verify bad", &["pdf", "verify", &data]),
        step("pin change auth", &["pin", "change", "auth"]).pin("JPKI_AUTH_PIN", AUTH_PIN).pin("JPKI_NEW_PIN", "5678"),
        step("pin change auth back", &["pin", "change", "auth"])
            .pin("JPKI_AUTH_PIN", "5678")
            .pin("JPKI_NEW_PIN", AUTH_PIN),
        step("pin change bad new", &["pin", "change", "sign"])
            .pin("JPKI_SIGN_PIN", SIGN_PIN)
            .pin("JPKI_NEW_PIN", "short"),
        step("no such reader", &["--reader", "no such reader", "status"]),
    ];
    let last_try = vec![
        step("status at the last try", &["status"]),
        step("verify auth last try refused", &["verify", "auth"]).pin("JPKI_AUTH_PIN", AUTH_PIN),
        step("sign last try refused", &["sign", "--key", "sign", &data]).pin("JPKI_SIGN_PIN", SIGN_PIN),
        step("card-info last try refused", &["card-info"]).pin("JPKI_CARDINFO_PIN", CARDINFO_PIN),
    ];
    let blocked = vec![
        step("status blocked", &["status"]),
        step("status blocked --certs", &["status", "--certs"]),
        step("verify auth blocked", &["verify", "auth"]).pin("JPKI_AUTH_PIN", AUTH_PIN),
        step("verify sign blocked", &["verify", "sign"]).pin("JPKI_SIGN_PIN", SIGN_PIN),
        step("card-info blocked", &["card-info"]).pin("JPKI_CARDINFO_PIN", CARDINFO_PIN),
        step("pin change blocked", &["pin", "change", "sign"])
            .pin("JPKI_SIGN_PIN", SIGN_PIN)
            .pin("JPKI_NEW_PIN", "NEW12345"),
    ];
    let no_sign_cert = vec![
        step("status without a signing certificate", &["status"]),
        step("sign without a signing certificate", &["sign", "--key", "sign", &data]).pin("JPKI_SIGN_PIN", SIGN_PIN),
    ];
    vec![
        (vec![], usable),
        (vec!["--set-tries", "auth=1", "--set-tries", "sign=1", "--set-tries", "cardinfo=1"], last_try),
        (vec!["--set-tries", "auth=0", "--set-tries", "sign=0", "--set-tries", "cardinfo=0"], blocked),
        (vec!["--no-sign-cert"], no_sign_cert),
    ]
}

/// Run every scenario on fresh cards with the locale `locale` (and `lang_arg` before each command line).
fn run_all(locale: &str, lang_arg: Option<&str>) -> Vec<Seen> {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    for (sim_args, steps) in scenarios(dir.path()) {
        // `readers` is among the steps: no other test's card in the other readers.
        let sim = Sim::start_alone(&sim_args);
        for json in [false, true] {
            // Each scenario leaves the card as it found it (a wrong PIN is
            // followed by the right one, a changed PIN is changed back), so
            // both passes start from the same counters.
            let before = sim.pins();
            for s in &steps {
                let mut cmd = sim.jpki();
                cmd.env_remove("JPKI_LANG").env_remove("LC_ALL").env_remove("LC_MESSAGES").env("LANG", locale);
                for (k, v) in &s.env {
                    cmd.env(k, v);
                }
                cmd.args(lang_arg);
                if json {
                    cmd.arg("--json");
                }
                let o = run(cmd.args(&s.args));
                seen.push(Seen {
                    name: format!("{}{}", s.name, if json { " --json" } else { "" }),
                    code: o.status.code(),
                    text: text_of(&o),
                    json: json.then(|| serde_json::from_slice(&o.stdout).ok()).flatten(),
                });
            }
            assert_eq!(sim.pins(), before, "the steps of {sim_args:?} changed the card");
        }
    }
    seen
}

/// `doc` without its human texts (`message`, `hint`) and what changes from
/// run to run (the time of a signature, a temporary path).
fn neutral(doc: &serde_json::Value) -> serde_json::Value {
    match doc {
        serde_json::Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !["message", "hint", "signing_time", "output", "path"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), neutral(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        serde_json::Value::Array(items) => items.iter().map(neutral).collect(),
        other => other.clone(),
    }
}

#[cfg_attr(jpki_skip_pcscd, ignore = "needs pcscd with vpcd; built with JPKI_SKIP_PCSCD_TESTS=1")]
#[test]
fn every_card_path_speaks_the_language_and_json_stays_the_same() {
    pcscd_test!();
    let en = run_all("C.UTF-8", None);
    let by_locale = run_all("ja_JP.UTF-8", None);
    let by_argument = run_all("C.UTF-8", Some("--lang=ja"));
    let mut problems = Vec::new();
    let japanese =
        by_locale.iter().map(|s| (s, "LANG=ja_JP.UTF-8")).chain(by_argument.iter().map(|s| (s, "--lang=ja")));
    for ((j, how), e) in japanese.zip(en.iter().chain(&en)) {
        let name = &format!("{} ({how})", j.name);
        if j.code != e.code {
            problems.push(format!("{name}: exit {:?} in Japanese, {:?} in English", j.code, e.code));
        }
        if let Some(s) = english_sentence(&j.text) {
            problems.push(format!("{name}: {s}"));
        }
        if let Some(line) = japanese_only_line(&e.text).filter(|_| how.starts_with("LANG")) {
            problems.push(format!("{} (LANG=C.UTF-8): Japanese only: {line}", e.name));
        }
        if j.name.ends_with("--json") {
            match (&j.json, &e.json) {
                (Some(jd), Some(ed)) if neutral(jd) != neutral(ed) => {
                    problems.push(format!("{name}: the JSON differs:\n  ja {}\n  en {}", neutral(jd), neutral(ed)))
                }
                (Some(_), Some(_)) => {}
                _ => problems.push(format!("{name}: no JSON document on stdout")),
            }
        }
    }
    let codes: std::collections::BTreeSet<i32> = en.iter().filter_map(|s| s.code).collect();
    for code in [0, 2, 3, 4, 5, 7, 8] {
        assert!(codes.contains(&code), "no step ended with exit {code}: the scenarios do not reach it ({codes:?})");
    }
    assert!(problems.is_empty(), "{} problems in {} runs:\n{}", problems.len(), en.len() * 3, problems.join("\n"));
}
