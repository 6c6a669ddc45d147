//! `jpki`: parse, run, render, exit.

mod cli;

use std::io::Write;

use clap::Parser;

use cli::exit::{ExitCode, Failure};
use cli::output::{failure_document, json_document, print_stdout, terminal_safe};

fn main() -> std::process::ExitCode {
    let parsed = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { ExitCode::Usage as u8 } else { 0 };
            let _ = e.print();
            return std::process::ExitCode::from(code);
        }
    };
    init_logging(parsed.global.verbose);
    // Ctrl-C or SIGTERM with a card open: stop before the next APDU so that the
    // card is disconnected (and powered down) by the normal path. Otherwise quit.
    let _ = ctrlc::set_handler(|| {
        if jpki::pcsc::open_connections() > 0 {
            jpki::pcsc::cancel();
        } else {
            std::process::exit(ExitCode::Interrupted as i32);
        }
    });
    // A panic is a bug: one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| log::debug!("{info}")));
    let command = parsed.command.name();
    let result = std::panic::catch_unwind(|| cli::run(&parsed)).unwrap_or_else(|_| {
        Err(Failure { code: ExitCode::Internal, kind: "internal", ..Failure::usage("internal error (a bug in jpki; please report it)") })
    });
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
                Ok(()) => ExitCode::Success,
                Err(e) => {
                    let lost = if output.must_deliver { " (the card made the signature, but it was not delivered)" } else { "" };
                    let _ = writeln!(std::io::stderr(), "jpki: error: cannot write the output: {e}{lost}");
                    ExitCode::OutputFailed
                }
            }
        }
        Err(failure) => {
            if parsed.global.json {
                let _ = print_stdout(format!("{}\n", failure_document(command, &failure)).as_bytes(), false);
            }
            let _ = writeln!(std::io::stderr(), "{}", terminal_safe(&failure.line()));
            failure.code
        }
    };
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
