//! Exit codes and the one-line error messages (what happened, what to do).

use jpki::card::{PinState, Unlock};
use jpki::pin::PinKind;
use jpki::transport::TransportError;
use jpki::Error;

use super::advice::pin_name;
use super::i18n::{pick, tr, Lang};

/// The documented exit codes. Scripts may rely on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    /// A bug in jpki: please report it.
    Internal = 1,
    /// Bad command line or input (including a PIN that cannot be valid); nothing was sent to the
    /// card, except in a `--keep-going` batch, whose good lines were signed.
    Usage = 2,
    /// No PC/SC service, no reader, no card, not a My Number Card, a card
    /// without the applet the command needs, or the card is busy.
    NoCard = 3,
    /// Wrong PIN: one try was spent.
    WrongPin = 4,
    /// The PIN is blocked, or the guard refused to spend the last try.
    PinBlocked = 5,
    /// The card or the link to it failed, or answered something unexpected.
    CardError = 6,
    /// The card has no signing certificate (not issued to this holder). A wrong
    /// signing password given with it still spent its try; the failure says so.
    NoSignCert = 7,
    /// `check`: the signature or digest does not match.
    BadSignature = 8,
    /// `check`: the certificate is expired or not yet valid.
    CertNotValidNow = 9,
    /// `check`: the certificate's key usage does not allow signing.
    CertKeyUsage = 10,
    /// `check`: the certificate was not issued by the given CA.
    CertChain = 11,
    /// The command ran (the card may have signed), but its result could not be
    /// written: an unwritable file, a full disk, or a closed pipe for a signature.
    OutputFailed = 12,
    /// Interrupted (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT); nothing more was sent and the card was
    /// disconnected (powered down if a PIN may have been verified).
    Interrupted = 130,
}

/// A failure of a command, ready to print.
#[derive(Debug)]
pub struct Failure {
    pub code: ExitCode,
    /// Stable machine name, used in JSON.
    pub kind: &'static str,
    pub message: String,
    pub hint: Option<String>,
    pub pin: Option<PinKind>,
    pub tries_left: Option<u8>,
    /// The way out, when the PIN is blocked or at its last try.
    pub unlock: Option<Unlock>,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: ExitCode::Usage,
            kind: "usage",
            message: message.into(),
            hint: None,
            pin: None,
            tries_left: None,
            unlock: None,
        }
    }

    /// The result could not be written after the card was used.
    pub fn output(message: impl Into<String>) -> Self {
        Failure { code: ExitCode::OutputFailed, kind: "output_error", ..Failure::usage(message) }
    }

    /// Stopped by a signal (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT).
    pub fn interrupted() -> Self {
        let message = pick("interrupted", "中断しました");
        Failure { code: ExitCode::Interrupted, kind: "interrupted", ..Failure::usage(message) }.with_hint(pick(
            "Nothing more was sent, and the card, if one was in use, was disconnected (powered down if a PIN may have \
             been verified); if a VERIFY was under way, check the counter with `jpki status`",
            "それ以上は何も送らず、使っていたカードは切断しました (暗証番号を照合した可能性があれば電源も切りました)。\
             照合 (VERIFY) の途中だった場合は `jpki status` で残り回数を確かめてください",
        ))
    }

    /// This failure, or the result of a command that ended anyway, when an
    /// interrupt came first: the interrupt is what gets reported, and what
    /// had happened is kept in the message.
    pub fn interrupted_after(earlier: Option<Failure>) -> Self {
        let interrupted = Failure::interrupted();
        match earlier {
            Some(f) if f.kind != "interrupted" => Failure {
                message: tr!("interrupted; before it stopped: {}", "中断しました。中断前: {}", f.message),
                pin: f.pin,
                tries_left: f.tries_left,
                unlock: f.unlock,
                ..interrupted
            },
            _ => interrupted,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The single line printed on stderr.
    pub fn line(&self) -> String {
        let error = pick("jpki: error:", "jpki: エラー:");
        match &self.hint {
            Some(h) => tr!("{error} {}. {}", "{error} {}。{}", self.message, h),
            None => format!("{error} {}", self.message),
        }
    }
}

fn check_counter_hint() -> String {
    pick(
        "Check the counter, which spends no try, with `jpki status`",
        "`jpki status` で残り回数を確かめてください (試行回数は減りません)",
    )
    .into()
}

/// The hint of a blocked PIN: the way out the card's counters leave.
fn blocked_hint(kind: PinKind, unlock: Unlock) -> String {
    super::advice::sentence(kind, unlock)
}

/// What to do when the PC/SC service cannot be reached on `os`
/// (`std::env::consts::OS`): only Linux and the BSDs run pcscd as a service to start.
fn no_service_hint(os: &str) -> &'static str {
    match os {
        "windows" => pick(
            "Plug in the reader: Windows starts its Smart Card service (SCardSvr) when a reader is connected and stops it when none is",
            "リーダーを接続してください: Windows はリーダーが接続されるとスマート カード サービス (SCardSvr) を開始し、なくなると停止します",
        ),
        "macos" => pick(
            "macOS has PC/SC built in: plug in the reader and try again",
            "macOS には PC/SC が組み込まれています: リーダーを接続してもう一度試してください",
        ),
        _ => pick(
            "Start it with `sudo systemctl start pcscd` (Debian/Ubuntu: `sudo apt-get install pcscd`; Fedora: `sudo dnf install pcsc-lite`)",
            "`sudo systemctl start pcscd` で起動してください (Debian/Ubuntu: `sudo apt-get install pcscd`、Fedora: `sudo dnf install pcsc-lite`)",
        ),
    }
}

/// The name of an applet in Japanese: the part of the library's name in parentheses.
fn applet_ja(name: &str) -> &str {
    name.split_once('(').and_then(|(_, rest)| rest.strip_suffix(')')).unwrap_or(name)
}

/// What the counter, read again after an odd answer to VERIFY, tells, in Japanese.
fn after_odd_verify_ja(before: PinState, after: Option<PinState>) -> String {
    match (before, after) {
        (_, None) => "残り回数を読み直せなかったため、試行が数えられたかは分かりません".into(),
        (_, Some(PinState::Blocked)) => "残り回数はロックを示しています: 試行は数えられました".into(),
        (_, Some(PinState::Verified)) => "カードは照合済みと答えていますが、jpki はそれに頼りません".into(),
        (PinState::TriesLeft(m), Some(PinState::TriesLeft(n))) if n < m => {
            format!("残り回数が{m}回から{n}回に減りました: 試行は数えられました")
        }
        (PinState::TriesLeft(_), Some(PinState::TriesLeft(n))) => {
            format!("残り回数は{n}回のままです: 試行は数えられていません")
        }
        (_, Some(PinState::TriesLeft(n))) => format!("残り回数は{n}回です"),
    }
}

fn transport_ja(e: &TransportError) -> String {
    match e {
        TransportError::CardGone => "カードが外されたか、カードとの通信が切れました".into(),
        TransportError::Busy => "カードは別のプログラムが使用中です".into(),
        TransportError::Refused(why) => format!("リーダーがコマンドを拒否しました: {why}"),
        TransportError::Cancelled => "中断しました".into(),
        TransportError::Unresponsive { seconds } => format!("カードが{seconds}秒以内に応答しませんでした"),
        TransportError::Other(why) => why.clone(),
    }
}

/// The library's message (English) in the current language.
pub fn message(e: &Error) -> String {
    let pin = |kind: &PinKind| pin_name(*kind);
    if super::i18n::lang() == Lang::En {
        // The holder's words where the library's would read as a counter or as jargon.
        return match e {
            Error::WrongPin { kind, tries_left: 0, .. } => format!("wrong {}: it is now blocked", pin(kind)),
            Error::LastTryNeedsConsent { kind, .. } => {
                format!("only one try is left for the {}; jpki does not spend it without your consent", pin(kind))
            }
            _ => e.to_string(),
        };
    }
    match e {
        Error::NoService => "PC/SC サービス (pcscd) が動いていないか、接続できません".into(),
        Error::NoReader => "カードリーダーが接続されていません".into(),
        Error::NoCard { reader } => format!("リーダー {reader:?} にカードがありません"),
        Error::NoCardAnywhere => "どのリーダーにもカードがありません".into(),
        Error::ReaderNotFound { query, available } => {
            format!("{query:?} に合うリーダーがありません。リーダー: {}", available.join(", "))
        }
        Error::AmbiguousReader { candidates } => {
            format!("複数のリーダーにマイナンバーカードがあります: {}", candidates.join(", "))
        }
        Error::ReaderQueryAmbiguous { query, candidates } => {
            format!("{query:?} は複数のリーダーに合います: {}", candidates.join(", "))
        }
        Error::NotJpki { reader } => {
            format!("リーダー {reader:?} のカードには公的個人認証APがありません (マイナンバーカードではありません)")
        }
        Error::AppletMissing { applet } => format!("このカードには{}がありません", applet_ja(applet)),
        Error::WrongPin { kind, tries_left: 0, .. } => format!("{}が違います。ロックされました", pin(kind)),
        Error::WrongPin { kind, tries_left, .. } => format!("{}が違います。残り{tries_left}回です", pin(kind)),
        Error::PinBlocked { kind, .. } => format!("{}はロックされています", pin(kind)),
        Error::LastTryNeedsConsent { kind, .. } => {
            format!("{}の残りは1回です。最後の1回は同意なしには使いません", pin(kind))
        }
        Error::VerifyOutcomeUnknown { kind } => format!(
            "{}の照合中にカードとの通信が失敗しました (カードが外されたか、応答が壊れています)。試行が数えられたかは分かりません",
            pin(kind)
        ),
        Error::VerifyUnexpectedAnswer { kind, sw, before, after } => format!(
            "カードは{}の照合 (VERIFY) に {sw} と応答しました。{}",
            pin(kind),
            after_odd_verify_ja(*before, *after)
        ),
        Error::ChangeUnexpectedAnswer { kind, sw } => {
            format!("カードは{}の変更に {sw} と応答しました。変更されたかは分かりません", pin(kind))
        }
        Error::PinNotVerified { kind } => {
            format!("カードが拒否しました: このセッションでは{}が照合されていません", pin(kind))
        }
        Error::SignCertNotIssued { .. } => "このカードには署名用電子証明書がありません (発行されていません)".into(),
        Error::UnexpectedStatus { operation, sw } => format!("カードは {operation} に {sw} と応答しました"),
        Error::PinFileNotSelected { sw } => format!("カードは暗証番号ファイルの SELECT に {sw} と応答しました"),
        Error::OddRetryAnswer { sw } => format!("カードは残り回数の問い合わせに {sw} と応答しました"),
        Error::BadCardData(why) => format!("カードが不正なデータを送りました: {why}"),
        Error::SelfCheckFailed(why) => format!("カードが作った署名を、カードの証明書で検証できません: {why}"),
        Error::Transport(t) => transport_ja(t),
        Error::Pcsc(why) => format!("PC/SC エラー: {why}"),
        // Worded where it is caught (pin_input::invalid_pin), for its role.
        Error::InvalidPin(_) => e.to_string(),
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let message = message(&e);
        let f = |code, kind: &'static str, hint: Option<String>| Failure {
            code,
            kind,
            message: message.clone(),
            hint,
            pin: None,
            tries_left: None,
            unlock: None,
        };
        let hint = |en: &str, ja: &str| Some(pick(en, ja).to_string());
        match e {
            Error::NoService => f(ExitCode::NoCard, "no_service", Some(no_service_hint(std::env::consts::OS).into())),
            Error::NoReader => f(
                ExitCode::NoCard,
                "no_reader",
                hint(
                    "Connect a reader, or start the virtual card with `jpki-sim`",
                    "リーダーを接続するか、`jpki-sim` で仮想カードを起動してください",
                ),
            ),
            Error::NoCard { .. } | Error::NoCardAnywhere => f(
                ExitCode::NoCard,
                "no_card",
                hint(
                    "Insert the card (or hold it on the NFC reader), or use --wait SECONDS",
                    "カードを挿入する (NFC リーダーならかざす) か、--wait 秒数 を使ってください",
                ),
            ),
            Error::ReaderNotFound { .. } => f(
                ExitCode::NoCard,
                "reader_not_found",
                hint("List readers with `jpki readers`", "`jpki readers` でリーダーの一覧を見られます"),
            ),
            Error::AmbiguousReader { .. } | Error::ReaderQueryAmbiguous { .. } => f(
                ExitCode::NoCard,
                "ambiguous_reader",
                hint(
                    "Choose one with --reader NAME or --reader INDEX",
                    "--reader 名前 または --reader 番号 で一つ選んでください",
                ),
            ),
            Error::NotJpki { .. } => f(
                ExitCode::NoCard,
                "not_jpki",
                hint("Insert your My Number Card (マイナンバーカード), or hold it on the NFC reader", "マイナンバーカードをリーダーに挿すか、NFC リーダーにかざしてください"),
            ),
            Error::AppletMissing { .. } => f(
                ExitCode::NoCard,
                "applet_missing",
                hint(
                    "This command cannot be used with this card; `jpki status` shows what the card has",
                    "このカードではこのコマンドを使えません。カードの内容は `jpki status` で分かります",
                ),
            ),
            Error::WrongPin { kind, tries_left, unlock } => {
                let hint = match (tries_left, unlock) {
                    (0, Some(unlock)) => blocked_hint(kind, unlock),
                    (1, Some(unlock)) => tr!(
                        "Only one try is left: be sure before the next attempt. {}",
                        "残りは1回です。次に試す前に確かめてください。{}",
                        super::advice::if_forgotten(kind, unlock)
                    ),
                    _ => check_counter_hint(),
                };
                Failure {
                    pin: Some(kind),
                    tries_left: Some(tries_left),
                    unlock,
                    ..f(ExitCode::WrongPin, "wrong_pin", Some(hint))
                }
            }
            Error::PinBlocked { kind, unlock } => Failure {
                pin: Some(kind),
                tries_left: Some(0),
                unlock: Some(unlock),
                ..f(
                    ExitCode::PinBlocked,
                    "pin_blocked",
                    Some(tr!("Nothing was sent. {}", "何も送っていません。{}", blocked_hint(kind, unlock))),
                )
            },
            Error::LastTryNeedsConsent { kind, unlock } => Failure {
                pin: Some(kind),
                tries_left: Some(1),
                unlock: Some(unlock),
                ..f(
                    ExitCode::PinBlocked,
                    "last_try_refused",
                    Some(tr!(
                        "Nothing was sent. A wrong PIN now blocks it; if you are sure, run again with --force. {}",
                        "何も送っていません。次に間違えるとロックされます。確かな場合は --force を付けて実行してください。{}",
                        super::advice::if_forgotten(kind, unlock)
                    )),
                )
            },
            Error::VerifyOutcomeUnknown { kind } => Failure {
                pin: Some(kind),
                ..f(ExitCode::CardError, "verify_outcome_unknown", Some(before_trying_again()))
            },
            Error::VerifyUnexpectedAnswer { kind, after, .. } => Failure {
                pin: Some(kind),
                tries_left: match after {
                    Some(PinState::TriesLeft(n)) => Some(n),
                    Some(PinState::Blocked) => Some(0),
                    _ => None,
                },
                ..f(ExitCode::CardError, "verify_outcome_unknown", Some(before_trying_again()))
            },
            Error::ChangeUnexpectedAnswer { kind, .. } => change_outcome_unknown(kind, message),
            Error::PinNotVerified { kind } => Failure {
                pin: Some(kind),
                ..f(
                    ExitCode::CardError,
                    "pin_not_verified",
                    hint(
                        "Try again; if it repeats, report it with `-v` output",
                        "もう一度試してください。繰り返す場合は `-v` の出力を添えて報告してください",
                    ),
                )
            },
            Error::SignCertNotIssued { wrong_pin: None } => f(
                ExitCode::NoSignCert,
                "sign_cert_not_issued",
                hint(
                    "The auth certificate (利用者証明用電子証明書) may still be used: try `--key auth` or `cert auth`",
                    "利用者証明用電子証明書は使えます: `--key auth` か `cert auth` を試してください",
                ),
            ),
            // The try is spent all the same: say so, with the wrong-PIN advice.
            Error::SignCertNotIssued { wrong_pin: Some(tries_left) } => {
                let failure = Failure::from(Error::SignCertNotIssued { wrong_pin: None });
                // Without a signing certificate the password has no use: no
                // way to reset it is worth giving.
                let wrong = Failure::from(Error::WrongPin { kind: PinKind::Sign, tries_left, unlock: None });
                Failure {
                    message: tr!(
                        "{}; the signing password given was also wrong ({tries_left} tries left)",
                        "{}。入力された署名用パスワードも違いました (残り{tries_left}回)",
                        failure.message
                    ),
                    hint: wrong.hint,
                    pin: Some(PinKind::Sign),
                    tries_left: Some(tries_left),
                    ..failure
                }
            }
            Error::InvalidPin(ref p) => Failure { pin: Some(p.kind), ..f(ExitCode::Usage, "invalid_pin", None) },
            Error::Transport(TransportError::CardGone) => f(
                ExitCode::CardError,
                "card_removed",
                hint("Keep the card in the reader and try again", "カードをリーダーに置いたまま、もう一度試してください"),
            ),
            Error::Transport(TransportError::Cancelled) => Failure::interrupted(),
            Error::Transport(TransportError::Unresponsive { .. }) => f(
                ExitCode::CardError,
                "communication_error",
                hint(
                    "jpki gave up on it and could not power it down: remove the card from the reader (or unplug the \
                      reader) before anyone uses it, then try again; --apdu-timeout SECONDS allows a slower card",
                    "jpki は待つのをやめましたが、カードの電源を切れませんでした: 誰かが使う前にカードをリーダーから外す \
                     (またはリーダーを抜く) してから、もう一度試してください。遅いカードには --apdu-timeout 秒数 を使えます",
                ),
            ),
            Error::Transport(TransportError::Busy) => f(
                ExitCode::NoCard,
                "card_busy",
                hint(
                    "Close the other program using it, or retry with --wait SECONDS",
                    "カードを使っている別のプログラムを閉じるか、--wait 秒数 を付けて再実行してください",
                ),
            ),
            Error::Transport(_) | Error::Pcsc(_) => f(
                ExitCode::CardError,
                "communication_error",
                hint("Check the reader and try again", "リーダーを確かめて、もう一度試してください"),
            ),
            Error::UnexpectedStatus { .. }
            | Error::PinFileNotSelected { .. }
            | Error::OddRetryAnswer { .. }
            | Error::BadCardData(_) => f(
                ExitCode::CardError,
                "card_error",
                hint(
                    "Nothing more was sent; run with -v for an APDU trace",
                    "それ以上は何も送っていません。-v を付けると APDU の記録を見られます",
                ),
            ),
            Error::SelfCheckFailed(_) => f(
                ExitCode::CardError,
                "self_check_failed",
                hint(
                    "No signature was output. Try again; if it repeats, the card or reader is faulty",
                    "署名は出力していません。もう一度試してください。繰り返す場合はカードかリーダーの故障です",
                ),
            ),
        }
    }
}

fn before_trying_again() -> String {
    tr!("{} before trying again", "{}。そのうえで試し直してください", check_counter_hint())
}

/// A PIN change whose answer was lost or odd: the card may have stored the new
/// PIN, so nothing may say that the old one still works.
pub fn change_outcome_unknown(kind: PinKind, message: String) -> Failure {
    let (pin, name) = (pin_name(kind), kind.name());
    Failure {
        code: ExitCode::CardError,
        kind: "change_outcome_unknown",
        message,
        hint: Some(tr!(
            "The new {pin} may be in force. `jpki status` shows the tries left and spends none; then \
             `jpki verify {name}` with the NEW PIN finds out: accepted, it was changed; refused, which costs one try, \
             it was not",
            "新しい{pin}が有効になっているかもしれません。`jpki status` で残り回数を確かめ (試行は減りません)、\
             `jpki verify {name}` に新しい{pin}を入力すると分かります: 受け付けられれば変更済み、\
             拒否されれば (1回分減ります) 変更されていません"
        )),
        pin: Some(kind),
        tries_left: None,
        unlock: None,
    }
}

// No `From<std::io::Error>`: exit 2 promises that nothing was sent to the card,
// which an I/O error after the card was used would break. Each I/O error is
// mapped where it happens (`Failure::usage` before the card, `Failure::output` after).

#[cfg(test)]
mod tests {
    use super::{no_service_hint, ExitCode, Failure};
    use jpki::transport::TransportError;

    #[test]
    fn a_card_in_use_is_one_failure_whenever_it_is_found() {
        // At connect (PC/SC sharing violation) and mid-command alike.
        let f = Failure::from(jpki::Error::Transport(TransportError::Busy));
        assert_eq!((f.code, f.kind), (ExitCode::NoCard, "card_busy"));
        assert_eq!(f.message, "the card is in use by another program");
        assert!(f.hint.unwrap().contains("Close the other program"));
    }

    #[test]
    fn an_io_error_is_never_turned_into_a_failure_implicitly() {
        // Method lookup picks `Implicit` only when `io::Error: Into<Failure>`.
        struct Probe<T>(std::marker::PhantomData<T>);
        #[allow(dead_code)] // used only while the conversion exists
        trait Implicit {
            fn converts(&self) -> bool {
                true
            }
        }
        impl<T: Into<Failure>> Implicit for Probe<T> {}
        trait Explicit {
            fn converts(&self) -> bool {
                false
            }
        }
        impl<T> Explicit for &Probe<T> {}
        assert!(!(&Probe::<std::io::Error>(std::marker::PhantomData)).converts());
    }

    #[test]
    fn no_service_hint_fits_the_platform() {
        assert!(no_service_hint("linux").contains("systemctl start pcscd"));
        for os in ["windows", "macos"] {
            let hint = no_service_hint(os);
            assert!(!hint.contains("systemctl") && !hint.contains("pcscd") && !hint.contains("sudo"), "{os}: {hint}");
        }
    }

    #[test]
    fn the_try_that_blocks_a_pin_and_the_refused_last_try_are_said_plainly() {
        use super::super::i18n::{set_for_this_thread, Lang};
        use jpki::card::{OfficeOnly, Unlock};
        use jpki::pin::PinKind;
        use jpki::Error;
        let unlock = Unlock::Office { because: OfficeOnly::NoKiosk };
        let blocked = Error::WrongPin { kind: PinKind::Auth, tries_left: 0, unlock: Some(unlock) };
        let refused = Error::LastTryNeedsConsent { kind: PinKind::Sign, unlock };
        set_for_this_thread(Lang::En);
        assert!(super::message(&blocked).ends_with("(利用者証明用暗証番号): it is now blocked"));
        assert!(super::message(&refused).ends_with("jpki does not spend it without your consent"));
        set_for_this_thread(Lang::Ja);
        assert_eq!(super::message(&blocked), "利用者証明用暗証番号が違います。ロックされました");
        assert_eq!(super::message(&refused), "署名用パスワードの残りは1回です。最後の1回は同意なしには使いません");
        set_for_this_thread(Lang::En);
    }
}
