//! Build facts for `jpki --version`: the commit the source came from and the
//! target. Runs without network and without git: from a crates.io tarball the
//! commit comes from the .cargo_vcs_info.json that `cargo package` writes, and
//! without either it is simply left out.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let target = std::env::var("TARGET").unwrap_or_default();
    let info = match git_commit(Path::new(&dir)).or_else(|| packaged_commit(Path::new(&dir))) {
        Some(commit) => format!("commit {commit}, {target}"),
        None => target,
    };
    println!("cargo:rustc-env=JPKI_BUILD_INFO={info}");
    // The tests that need pcscd are marked ignored (with the reason) in a build
    // asked not to use pcscd, so that cargo reports them as ignored, not passed.
    println!("cargo:rerun-if-env-changed=JPKI_SKIP_PCSCD_TESTS");
    println!("cargo::rustc-check-cfg=cfg(jpki_skip_pcscd)");
    if std::env::var("JPKI_SKIP_PCSCD_TESTS").as_deref() == Ok("1") {
        println!("cargo:rustc-cfg=jpki_skip_pcscd");
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// HEAD of the repository whose top level is `dir` (not of a repository that
/// merely contains an unpacked crate).
fn git_commit(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    // Build again when HEAD moves (a checkout, or a commit on the branch).
    for file in ["HEAD", "logs/HEAD"] {
        if let Some(path) = git(dir, &["rev-parse", "--git-path", file]) {
            println!("cargo:rerun-if-changed={}", dir.join(path).display());
        }
    }
    git(dir, &["rev-parse", "--short=12", "HEAD"])
}

/// The commit recorded by `cargo package` in .cargo_vcs_info.json.
fn packaged_commit(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let rest = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let start = rest.find('"')? + 1;
    let sha: String = rest[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    (sha.len() >= 12).then(|| sha[..12].to_string())
}
