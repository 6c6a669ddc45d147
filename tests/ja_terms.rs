//! One voice in Japanese: every string literal in src/ that holds Japanese
//! (the Japanese side of each `pick`/`tr!`, and the Japanese-only helpers)
//! uses the official terms and one punctuation rule, and so do README.ja.md
//! and scripts/try.sh. A variant fails the test with its file:line and the
//! preferred wording.
//!
//! The simulator (src/sim, src/bin/jpki-sim.rs) is left out: what it holds is
//! card content, not messages.

use std::path::{Path, PathBuf};

/// A wording that must not appear, unless followed by one of `unless_followed_by`.
struct Rule {
    variant: &'static str,
    unless_followed_by: &'static [&'static str],
    preferred: &'static str,
}

const fn rule(variant: &'static str, preferred: &'static str) -> Rule {
    Rule { variant, unless_followed_by: &[], preferred }
}

const TERMS: &[Rule] = &[
    // The applets, by the names J-LIS and the Digital Agency use.
    rule("券面確認", "券面事項確認AP"),
    rule("券面AP", "券面事項確認AP"),
    rule("券面入力補助", "券面事項入力補助AP / 券面事項入力補助用暗証番号"),
    Rule { variant: "券面事項確認", unless_followed_by: &["AP"], preferred: "券面事項確認AP" },
    Rule {
        variant: "券面事項入力補助",
        unless_followed_by: &["AP", "用暗証番号"],
        preferred: "券面事項入力補助AP / 券面事項入力補助用暗証番号",
    },
    rule("JPKI-AP", "公的個人認証AP"),
    rule("JPKIアプリ", "公的個人認証AP"),
    rule("公的個人認証アプリ", "公的個人認証AP"),
    Rule {
        variant: "公的個人認証",
        unless_followed_by: &["AP", "サービス"],
        preferred: "公的個人認証サービス (or 公的個人認証AP for the applet)",
    },
    // The PINs: a password for signing, 暗証番号 for the other two.
    rule("署名用暗証番号", "署名用パスワード"),
    rule("署名用の暗証番号", "署名用パスワード"),
    rule("署名用のパスワード", "署名用パスワード"),
    rule("署名用電子証明書の暗証番号", "署名用パスワード"),
    rule("利用者証明用電子証明書のパスワード", "利用者証明用暗証番号"),
    rule("利用者証明用パスワード", "利用者証明用暗証番号"),
    rule("利用者証明用の暗証番号", "利用者証明用暗証番号"),
    rule("券面事項入力補助暗証番号", "券面事項入力補助用暗証番号"),
    rule("券面事項入力補助用パスワード", "券面事項入力補助用暗証番号"),
    rule("4桁の数字", "数字4桁"),
    rule("6〜16桁", "英数字6〜16文字"),
    rule("閉塞", "ロック"),
    // The certificates and the card.
    rule("利用者証明用証明書", "利用者証明用電子証明書"),
    rule("利用者証明用の電子証明書", "利用者証明用電子証明書"),
    rule("署名用証明書", "署名用電子証明書"),
    rule("署名用の電子証明書", "署名用電子証明書"),
    rule("スマートフォン用電子証明書", "スマホ用電子証明書"),
    Rule { variant: "スマホ", unless_followed_by: &["用電子証明書"], preferred: "スマートフォン" },
    rule("個人番号カード", "マイナンバーカード"),
    rule("基本４情報", "基本4情報"),
    rule("基本四情報", "基本4情報"),
    rule("照合番号Ａ", "照合番号A"),
    rule("照合番号Ｂ", "照合番号B"),
    // Where to go, and words for the computer.
    rule("市役所", "市区町村の窓口"),
    rule("区役所", "市区町村の窓口"),
    rule("役場", "市区町村の窓口"),
    rule("市町村の窓口", "市区町村の窓口"),
    rule("市区町村窓口", "市区町村の窓口"),
    rule("コンビニエンスストア", "コンビニ"),
    rule("スマートカードリーダー", "カードリーダー"),
    rule("残り {", "残り{n}回 (numbers and counters written together)"),
    rule("ディレクトリ", "フォルダー"),
    Rule { variant: "フォルダ", unless_followed_by: &["ー"], preferred: "フォルダー" },
    rule("たずね", "尋ね"),
    rule("持ち主", "名義人"),
    rule("指定の認証局", "指定した認証局"),
    rule("指定した CA", "指定した認証局"),
    rule("CA 証明書", "認証局 (CA) 証明書"),
    rule("書き込みました", "書き出しました"),
    rule("現在の暗証番号", "今の暗証番号"),
    // An applet's name is one word: 公的個人認証APの, not 公的個人認証AP の.
    rule("AP を", "APを"),
    rule("AP が", "APが"),
    rule("AP の", "APの"),
    rule("AP から", "APから"),
    rule("AP など", "APなど"),
];

/// Full-width punctuation where the messages use the half-width form.
const PUNCTUATION: &[Rule] = &[
    rule("（", "half-width ( after a space"),
    rule("）", "half-width )"),
    rule("：", "half-width :"),
    rule("？", "half-width ?"),
    rule("！", "half-width !"),
    rule("～", "〜 (wave dash)"),
];

fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}')
}

/// The string literals of a Rust source that hold Japanese, each with the line
/// it starts on and its text as written between the quotes (escapes kept, so
/// that a line continuation still counts its newline).
fn japanese_literals(source: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = source.chars().collect();
    let mut found = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && at(i + 1) == '/') {
                line += usize::from(chars[i] == '\n');
                i += 1;
            }
            i += 2;
        } else if c == '\'' && (at(i + 2) == '\'' || at(i + 1) == '\\') {
            // A char literal ('"', '\''); a lifetime ('a) has no closing quote here.
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == 'r' && (at(i + 1) == '"' || at(i + 1) == '#') && !at(i.wrapping_sub(1)).is_alphanumeric() {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if at(i + 1 + hashes) != '"' {
                i += 1;
                continue;
            }
            let start = i + 2 + hashes;
            let mut end = start;
            while end < chars.len() && !(chars[end] == '"' && (1..=hashes).all(|k| at(end + k) == '#')) {
                end += 1;
            }
            let text: String = chars[start..end.min(chars.len())].iter().collect();
            if text.chars().any(is_japanese) {
                found.push((line, text.clone()));
            }
            line += text.matches('\n').count();
            i = end + 1 + hashes;
        } else if c == '"' {
            let mut end = i + 1;
            while end < chars.len() && chars[end] != '"' {
                end += if chars[end] == '\\' { 2 } else { 1 };
            }
            let text: String = chars[i + 1..end.min(chars.len())].iter().collect();
            if text.chars().any(is_japanese) {
                found.push((line, text.clone()));
            }
            line += text.matches('\n').count();
            i = end + 1;
        } else {
            line += usize::from(c == '\n');
            i += 1;
        }
    }
    found
}

/// Where `rules` find a variant in `text` (which starts on `first_line`).
fn check(file: &Path, first_line: usize, text: &str, rules: &[Rule], problems: &mut Vec<String>) {
    for rule in rules {
        for (at, _) in text.match_indices(rule.variant) {
            let rest = &text[at + rule.variant.len()..];
            if rule.unless_followed_by.iter().any(|ok| rest.starts_with(ok)) {
                continue;
            }
            let line = first_line + text[..at].matches('\n').count();
            problems.push(format!("{}:{line}: {:?}: write {}", file.display(), rule.variant, rule.preferred));
        }
    }
}

/// Names that mix Latin letters into Japanese on purpose.
const MIXED_TERMS: &[&str] = &[
    "公的個人認証AP",
    "券面事項入力補助AP",
    "券面事項確認AP",
    "照合番号A・B",
    "照合番号A",
    "照合番号B",
    "JPKI暗証番号リセット",
];

/// Half-width brackets and Latin words stand apart from Japanese text:
/// `残り3回 (最大3回)`, `CMS 署名`.
fn check_spacing(file: &Path, first_line: usize, text: &str, problems: &mut Vec<String>) {
    // The text as the program has it: a `\` line continuation drops the
    // newline and the next line's indent. `lines[k]`: the line of char k.
    let (mut shown_chars, mut lines) = (Vec::new(), Vec::new());
    let (raw, mut i, mut line) = (text.chars().collect::<Vec<_>>(), 0, first_line);
    while i < raw.len() {
        if raw[i] == '\\' && raw.get(i + 1) == Some(&'\n') {
            i += 1;
            while i < raw.len() && raw[i].is_whitespace() {
                line += usize::from(raw[i] == '\n');
                i += 1;
            }
            continue;
        }
        shown_chars.push(raw[i]);
        lines.push(line);
        line += usize::from(raw[i] == '\n');
        i += 1;
    }
    let mut masked: String = shown_chars.iter().collect();
    for term in MIXED_TERMS {
        masked = masked.replace(term, &"語".repeat(term.chars().count()));
    }
    let chars: Vec<char> = masked.chars().collect();
    let latin = |k: usize| {
        // `\n` and `%Y年` are an escape and a date format, not words.
        chars[k].is_ascii_alphabetic() && !(k > 0 && matches!(chars[k - 1], '\\' | '%' | '-'))
    };
    // `e-Tax・マイナポータル`: the middle dot is punctuation, not a word.
    let word = |c: char| is_japanese(c) && c != '・';
    for (k, pair) in chars.windows(2).enumerate() {
        let glued =
            (word(pair[0]) && (pair[1] == '(' || latin(k + 1))) || ((pair[0] == ')' || latin(k)) && word(pair[1]));
        if glued {
            let line = lines[k];
            let shown: String = shown_chars[k.saturating_sub(6)..(k + 8).min(chars.len())].iter().collect();
            problems.push(format!(
                "{}:{line}: {shown:?}: put a space between Japanese and ( ) or a Latin word",
                file.display()
            ));
        }
    }
}

fn rust_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.ends_with("src/sim") || path.ends_with("src/bin/jpki-sim.rs") {
            continue;
        }
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_japanese_message_uses_the_official_terms_and_one_punctuation() {
    let mut files = Vec::new();
    rust_sources(&root().join("src"), &mut files);
    let mut problems = Vec::new();
    let mut literals = 0;
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        let shown = file.strip_prefix(root()).unwrap();
        for (line, text) in japanese_literals(&source) {
            literals += 1;
            check(shown, line, &text, TERMS, &mut problems);
            check(shown, line, &text, PUNCTUATION, &mut problems);
            check_spacing(shown, line, &text, &mut problems);
        }
    }
    assert!(literals > 300, "only {literals} Japanese literals found: is the scanner still reading src/?");
    assert!(problems.is_empty(), "{} variants in Japanese messages:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_japanese_readme_and_try_script_use_the_same_terms_and_punctuation() {
    let mut problems = Vec::new();
    for name in ["README.ja.md", "scripts/try.sh"] {
        let text = std::fs::read_to_string(root().join(name)).unwrap();
        check(Path::new(name), 1, &text, TERMS, &mut problems);
        check(Path::new(name), 1, &text, PUNCTUATION, &mut problems);
        check_spacing(Path::new(name), 1, &text, &mut problems);
    }
    assert!(problems.is_empty(), "{} variants:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_scanner_finds_variants_where_they_are() {
    let source = "let a = 1; // \"券面確認\" in a comment\n\
                  let b = pick(\"x\", \"署名用暗証番号\\\n  と券面確認AP\");\n\
                  let c = '\"'; let d: &'static str = r#\"残り1回（最大3回）\"#;\n";
    let literals = japanese_literals(source);
    assert_eq!(literals.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![2, 4]);
    let mut problems = Vec::new();
    for (line, text) in &literals {
        check(Path::new("x.rs"), *line, text, TERMS, &mut problems);
        check(Path::new("x.rs"), *line, text, PUNCTUATION, &mut problems);
    }
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems.contains(&"x.rs:2: \"署名用暗証番号\": write 署名用パスワード".to_string()), "{problems:#?}");
    assert!(problems.iter().any(|p| p.starts_with("x.rs:3: \"券面確認\"")), "{problems:#?}");
    assert!(problems.iter().any(|p| p.starts_with("x.rs:4: \"（\"")), "{problems:#?}");
    let mut spacing = Vec::new();
    check_spacing(Path::new("x.rs"), 1, "残り1回(最大3回) と (ok) です", &mut spacing);
    check_spacing(Path::new("x.rs"), 2, "CMS署名、照合番号A(個人番号)", &mut spacing);
    check_spacing(
        Path::new("x.rs"),
        3,
        "CMS 署名\\n券面事項確認APの%Y年 「JPKI暗証番号リセット」 e-Tax・マイナポータル",
        &mut spacing,
    );
    check_spacing(Path::new("x.rs"), 4, "カードを外す\\\n    (または抜く) と", &mut spacing);
    assert_eq!(spacing.len(), 4, "{spacing:#?}");
    assert!(spacing[3].starts_with("x.rs:4: "), "{spacing:#?}");
    let mut allowed = Vec::new();
    check(Path::new("x.rs"), 1, "公的個人認証AP と公的個人認証サービス、スマホ用電子証明書", TERMS, &mut allowed);
    assert!(allowed.is_empty(), "{allowed:#?}");
}
