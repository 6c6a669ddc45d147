//! Throwaway keys and certificates made with the openssl command, for the
//! tests that need a CA other than the simulator's.

use std::path::Path;
use std::process::{Command, Output};

use super::{stderr, stdout};

/// Run openssl in `dir`; a failure fails the test, with openssl's output.
#[track_caller]
pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    let o = Command::new("openssl").current_dir(dir).args(args).output().expect("run openssl");
    assert!(o.status.success(), "openssl {args:?} failed\nstdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    o
}

/// A new RSA 2048 key (PEM, unencrypted) and a certificate request for it, in `dir`.
pub fn key_and_request(dir: &Path, key: &str, csr: &str, subject: &str) {
    openssl(dir, &["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", subject]);
}

/// A self-signed CA in `dir` (`ca.key`, `ca.pem`, valid 30 days) that issues
/// with `openssl ca`, so that a certificate can have any validity dates.
pub struct ThrowawayCa<'a> {
    dir: &'a Path,
}

impl ThrowawayCa<'_> {
    /// The issuer options of `openssl x509 -req` for this CA.
    pub const X509_ARGS: [&'static str; 4] = ["-CA", "ca.pem", "-CAkey", "ca.key"];

    pub fn new<'a>(dir: &'a Path, subject: &str) -> ThrowawayCa<'a> {
        let self_signed = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem"];
        openssl(dir, &[&self_signed[..], &["-subj", subject, "-days", "30"]].concat());
        std::fs::create_dir(dir.join("issued")).unwrap();
        std::fs::write(dir.join("index.txt"), "").unwrap();
        std::fs::write(dir.join("serial"), "1000\n").unwrap();
        let config = format!(
            "[ca]\ndefault_ca = throwaway\n\
             [throwaway]\ndatabase = {d}/index.txt\nnew_certs_dir = {d}/issued\nserial = {d}/serial\n\
             default_md = sha256\npolicy = any_name\nunique_subject = no\n\
             [any_name]\ncommonName = supplied\n",
            d = dir.display()
        );
        std::fs::write(dir.join("ca.cnf"), config).unwrap();
        ThrowawayCa { dir }
    }

    /// Issue a certificate (PEM) for the request `csr` with these extension
    /// lines (openssl config syntax); `validity` are `openssl ca` date options.
    /// Returns the certificate's path.
    pub fn issue(&self, csr: &str, out: &str, extensions: &str, validity: &[&str]) -> String {
        let extfile = format!("{out}.ext");
        std::fs::write(self.dir.join(&extfile), extensions).unwrap();
        let ca = ["ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key"];
        let what = ["-in", csr, "-out", out, "-extfile", &extfile];
        openssl(self.dir, &[&ca[..], &what, validity].concat());
        self.dir.join(out).to_str().unwrap().to_string()
    }
}
