//! `jpki`: parse, run, render, exit.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jpki::cli;

use cli::exit::{ExitCode, Failure};
use cli::i18n::{pick, tr};
use cli::output::{failure_document, json_document, one_line, print_stdout, terminal_safe};

fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    cli::i18n::set(cli::i18n::Lang::detect(&args, &|name| std::env::var_os(name)));
    let parsed = match cli::help::parse_from(&args) {
        Ok(c) => c,
        // --help and --version are not errors.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return std::process::ExitCode::SUCCESS;
        }
        Err(e) => return parse_failure(&e),
    };
    init_logging(parsed.global.verbose);
    let command = parsed.command.name();
    handle_signals(command, parsed.global.json);
    // A panic is a bug: one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| log::debug!("{info}")));
    let mut result = std::panic::catch_unwind(|| cli::run(&parsed, &cli::PcscConnect)).unwrap_or_else(|_| {
        Err(Failure {
            code: ExitCode::Internal,
            kind: "internal",
            ..Failure::usage(pick(
                "internal error (a bug in jpki; please report it)",
                "内部エラー (jpki の不具合です。報告してください)",
            ))
        })
    });
    // An interrupt that came before the result is delivered is what gets
    // reported, whatever the command managed meanwhile (the card is closed by now).
    if jpki::pcsc::cancelled() {
        result = Err(Failure::interrupted_after(result.err()));
    }
    claim_report();
    let code = match result {
        Ok(output) => {
            let written = if output.streamed {
                Ok(())
            } else if parsed.global.json {
                let doc = json_document(command, output.json);
                print_stdout(format!("{doc}\n").as_bytes(), output.must_deliver)
            } else if let Some(bytes) = &output.bytes {
                print_stdout(bytes, output.must_deliver)
            } else {
                print_stdout(terminal_safe(&output.text).as_bytes(), output.must_deliver)
            };
            match written {
                // A report whose checks failed: it is out, and its failure gets
                // the one stderr line every failure gets.
                Ok(()) => match &output.failed {
                    Some(failure) => {
                        let _ = writeln!(std::io::stderr(), "{}", one_line(&cli::argv::scrubbed(failure).line()));
                        failure.code
                    }
                    None => ExitCode::Success,
                },
                Err(e) => {
                    let lost = match output.must_deliver {
                        true => pick(
                            " (the card made the signature, but it was not delivered)",
                            " (カードは署名しましたが、署名を渡せませんでした)",
                        ),
                        false => "",
                    };
                    let what = tr!("cannot write the output: {e}{lost}", "出力を書き込めません: {e}{lost}");
                    let _ = writeln!(std::io::stderr(), "jpki: {} {what}", pick("error:", "エラー:"));
                    ExitCode::OutputFailed
                }
            }
        }
        Err(failure) => report(command, &failure, parsed.global.json),
    };
    std::process::ExitCode::from(code as u8)
}

/// Set once the final report (output or failure) is being printed, by the
/// main thread or by the signal watchdog: never both.
static REPORTING: AtomicBool = AtomicBool::new(false);

/// Take the right to print the final report. When the signal watchdog has it
/// already, it is printing the interrupt and ending the process: wait for that.
fn claim_report() {
    if REPORTING.swap(true, Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
}

/// How long the main thread gets to notice an interrupt when no card is open.
/// Every wait it makes polls the flag far more often; only a read it cannot
/// interrupt (a PIN file that is a silent pipe) runs into this.
const WATCHDOG_GRACE: Duration = Duration::from_secs(2);

/// SIGINT, SIGTERM, SIGHUP and SIGQUIT all end the command the same way.
/// The handler does no work: signal-hook's own handler only wakes the
/// thread below, which sets the cancel flag. The main thread polls that flag
/// wherever it waits (for a card, at a prompt, between APDUs, after an APDU
/// whose answer it awaits up to the deadline), closes the card through the
/// normal path (powering it down where a PIN may be verified) and prints the
/// one report. Only with no card open, if the main thread is stuck in a read
/// it cannot interrupt, does this thread print the report and exit itself.
fn handle_signals(command: &'static str, json: bool) {
    let wait_for_interrupt = match interrupts() {
        Ok(wait) => wait,
        Err(e) => {
            log::debug!("cannot handle signals: {e}");
            return;
        }
    };
    std::thread::spawn(move || {
        if !wait_for_interrupt() {
            return;
        }
        jpki::pcsc::cancel();
        std::thread::sleep(WATCHDOG_GRACE);
        while jpki::pcsc::open_connections() > 0 {
            // The main thread closes the card itself, within the APDU deadline.
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(200));
        if !REPORTING.swap(true, Ordering::SeqCst) {
            report(command, &Failure::interrupted(), json);
            std::process::exit(ExitCode::Interrupted as i32);
        }
    });
}

/// A wait that returns true at the first interrupt: SIGINT, SIGTERM, SIGHUP
/// or SIGQUIT on Unix.
#[cfg(unix)]
fn interrupts() -> std::io::Result<Box<dyn FnOnce() -> bool + Send>> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])?;
    Ok(Box::new(move || signals.forever().next().is_some()))
}

/// The same for platforms without signal-hook's iterator (Windows): Ctrl-C
/// and SIGTERM set a flag, which the wait polls.
#[cfg(not(unix))]
fn interrupts() -> std::io::Result<Box<dyn FnOnce() -> bool + Send>> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&flag))?;
    }
    Ok(Box::new(move || loop {
        if flag.load(Ordering::SeqCst) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }))
}

/// Print a failure: its JSON document with `--json`, and always its one line on stderr.
fn report(command: &str, failure: &Failure, json: bool) -> ExitCode {
    let failure = &cli::argv::scrubbed(failure);
    if json {
        let _ = print_stdout(format!("{}\n", failure_document(command, failure)).as_bytes(), false);
    }
    // One line, whatever the message carries (card data, a path).
    let _ = writeln!(std::io::stderr(), "{}", one_line(&failure.line()));
    failure.code
}

/// A command line that does not parse: one line on stderr, like every other
/// failure, and the JSON failure document when `--json` was given.
fn parse_failure(e: &clap::Error) -> std::process::ExitCode {
    // args_os: a path that is not UTF-8 must not make this panic.
    let all: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    let args: Vec<&String> = all.iter().take_while(|a| *a != "--").collect();
    // clap's first paragraph, on one line ("error: …" and its indented details).
    let rendered = e.render().to_string();
    let paragraph: Vec<&str> = rendered
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let joined = paragraph.join(" ");
    let mut what = match cli::i18n::lang() {
        cli::i18n::Lang::En => {
            joined.strip_prefix("error: ").unwrap_or(&joined).trim_end_matches(['.', ':']).to_string()
        }
        cli::i18n::Lang::Ja => cli::help::japanese_error(e),
    };
    if what.is_empty() {
        what = pick("the command line is not valid", "コマンドラインが正しくありません").into();
    }
    // No part of a word that could be a PIN is echoed back: it may be one,
    // typed where it does not belong.
    let (what, pin_like) = cli::argv::hide_pin_like(&what, &all);
    let hint = if pin_like || args.iter().any(|a| *a == "--pin" || a.starts_with("--pin=")) {
        pick(
            "A PIN is never taken from the command line: use --pin-file PATH, its JPKI_*_PIN environment variable, \
             or the prompt",
            "暗証番号はコマンドラインでは受け付けません。--pin-file PATH、環境変数 JPKI_*_PIN、または入力プロンプトを使ってください",
        )
    } else {
        pick(
            "See `jpki --help`, or `jpki COMMAND --help`",
            "`jpki --help` または `jpki コマンド --help` を見てください",
        )
    };
    let command = args.iter().find_map(|a| cli::command_name(a)).unwrap_or("jpki");
    let code = report(command, &Failure::usage(what).with_hint(hint), args.iter().any(|a| *a == "--json"));
    std::process::ExitCode::from(code as u8)
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "jpki=trace",
        _ => "trace",
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level))
        .format_timestamp(None)
        .target(env_logger::Target::Stderr)
        .init();
}
