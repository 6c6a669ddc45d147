//! What an installed `jpki` brings besides its commands: `--version`,
//! `jpki completions` and `jpki man`, and the copies of the last two checked
//! in under docs/ (installed by the Debian package), which must match what
//! the binary makes.

use std::path::Path;
use std::process::Command;

/// `jpki` in English, whatever the locale the tests run in.
fn jpki(args: &[&str]) -> std::process::Output {
    jpki_in("en", args)
}

fn jpki_in(lang: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jpki")).env("JPKI_LANG", lang).args(args).output().unwrap()
}

/// The names of the files (not folders) in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn docs() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/docs"))
}

#[test]
fn every_shell_gets_a_script_naming_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = jpki(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", String::from_utf8_lossy(&o.stderr));
        let script = String::from_utf8(o.stdout).unwrap();
        for command in ["readers", "status", "verify", "cert", "sign", "check", "card-info", "completions", "man"] {
            assert!(script.contains(command), "{shell} script lacks {command}");
        }
    }
    let o = jpki(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("jpki: error: "));
}

#[test]
fn the_bash_script_loads() {
    let o = jpki(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jpki.bash");
    std::fs::write(&path, o.stdout).unwrap();
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!("source '{}' && complete -p jpki", path.display()))
        .output()
        .expect("bash");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("_jpki"), "{}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn man_writes_a_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let o = jpki(&["man", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    for page in ["jpki", "jpki-status", "jpki-verify", "jpki-sign", "jpki-pin-change", "jpki-completions"] {
        let text = std::fs::read_to_string(out.join(format!("{page}.1"))).unwrap();
        assert!(text.starts_with(&format!(".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH {page} 1")), "{page}: {text}");
    }
    // A folder that cannot be made: one line, exit 2.
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let o = jpki(&["man", file.join("sub").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// The checked-in man pages and completion scripts are what this build makes:
/// a changed option, help text or command needs `bash scripts/gen-docs.sh`.
#[test]
fn checked_in_docs_match_the_command_line() {
    for (lang, folder) in [("en", docs().join("man")), ("ja", docs().join("man").join("ja"))] {
        let dir = tempfile::tempdir().unwrap();
        let o = jpki_in(lang, &["man", dir.path().to_str().unwrap()]);
        assert!(o.status.success());
        let made = files_in(dir.path());
        assert_eq!(made, files_in(&folder), "{} is out of date: run bash scripts/gen-docs.sh", folder.display());
        for page in &made {
            let fresh = std::fs::read_to_string(dir.path().join(page)).unwrap();
            let kept = std::fs::read_to_string(folder.join(page)).unwrap();
            assert!(fresh == kept, "{}/{page} is out of date: run bash scripts/gen-docs.sh", folder.display());
        }
    }
    for (shell, file) in [("bash", "jpki.bash"), ("zsh", "_jpki"), ("fish", "jpki.fish")] {
        let fresh = jpki(&["completions", shell]).stdout;
        let kept = std::fs::read(docs().join("completions").join(file)).unwrap();
        assert!(fresh == kept, "docs/completions/{file} is out of date: run bash scripts/gen-docs.sh");
    }
}

#[test]
fn version_names_the_commit_and_the_target() {
    for flag in ["--version", "-V"] {
        let o = jpki(&[flag]);
        assert_eq!(o.status.code(), Some(0));
        let line = String::from_utf8(o.stdout).unwrap();
        let version = concat!("jpki ", env!("CARGO_PKG_VERSION"), " (");
        assert!(line.starts_with(version) && line.ends_with(")\n"), "{line:?}");
        // The test runs on the target it was built for.
        let (arch, os) = (std::env::consts::ARCH, std::env::consts::OS);
        assert!(line.contains(&format!("{arch}-")) && line.contains(os), "{line:?}");
        // Built from a git checkout: its HEAD, as git abbreviates it to 12 digits.
        let head = Command::new("git")
            .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "--short=12", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success());
        if let Some(head) = head {
            let head = String::from_utf8(head.stdout).unwrap();
            assert!(line.contains(&format!("(commit {}, ", head.trim())), "{line:?} lacks {head}");
        }
    }
}
