//! The bad-input cases: each must be refused before the card is touched.
//! tests/bad_input.rs runs through pcscd the ones that need a process of
//! their own (environment, stdin, the argument parser's refusals, readers);
//! tests/cli_in_process.rs runs the rest in-process, without pcscd.
#![allow(dead_code)]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Expect {
    /// Exit 2 with one `jpki: error:` line.
    Usage,
    /// Exit 2 from clap's argument parser (its own message format).
    Clap,
    /// Exit 3 with one `jpki: error:` line (reader problems).
    Reader,
}

pub struct Case {
    pub name: String,
    pub args: Vec<OsString>,
    pub env: Vec<(&'static str, OsString)>,
    pub stdin: Option<Vec<u8>>,
    /// A file given as stdin (instead of a pipe).
    pub stdin_file: Option<std::path::PathBuf>,
    pub expect: Expect,
    /// A word the message must contain (case-insensitive).
    pub says: Option<&'static str>,
}

pub fn case(name: impl Into<String>, args: &[&dyn AsRef<std::ffi::OsStr>], expect: Expect) -> Case {
    Case {
        name: name.into(),
        args: args.iter().map(|a| a.as_ref().to_os_string()).collect(),
        env: vec![],
        stdin: None,
        stdin_file: None,
        expect,
        says: None,
    }
}

impl Case {
    /// Refused by jpki itself, from the command line and files alone: no
    /// environment, no stdin (`-`, `/dev/...`), no reader, nothing the
    /// argument parser refuses. These run in-process.
    pub fn in_process(&self) -> bool {
        let touches_a_device = self.args.iter().any(|a| {
            let a = a.to_string_lossy();
            a == "-" || a.starts_with("/dev/") || a.starts_with("/proc/") || a.starts_with("/sys/")
        });
        self.expect == Expect::Usage
            && self.env.is_empty()
            && self.stdin.is_none()
            && self.stdin_file.is_none()
            && !touches_a_device
    }

    pub fn says(mut self, word: &'static str) -> Self {
        self.says = Some(word);
        self
    }
    pub fn env(mut self, key: &'static str, value: impl Into<OsString>) -> Self {
        self.env.push((key, value.into()));
        self
    }
    pub fn stdin(mut self, data: &[u8]) -> Self {
        self.stdin = Some(data.to_vec());
        self
    }
    pub fn stdin_file(mut self, path: &Path) -> Self {
        self.stdin_file = Some(path.to_path_buf());
        self
    }
}

pub fn digest(len: usize) -> String {
    "ab".repeat(len)
}

pub fn write(dir: &Path, name: &str, content: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.display().to_string()
}

pub fn all_cases(dir: &Path) -> Vec<Case> {
    use Expect::*;
    let mut v = Vec::new();
    let d256 = digest(32);
    let sign_pin = write(dir, "good-sign", b"ABC123\n");
    let auth_pin = write(dir, "good-auth", b"1234\n");
    let data = write(dir, "data.txt", b"some data\n");

    // -- PINs that cannot be valid, from a file, for each command that takes one.
    let bad_pins: Vec<(&str, &str, &[u8])> = vec![
        ("auth PIN of 3 digits", "auth", b"123"),
        ("auth PIN of 5 digits", "auth", b"12345"),
        ("auth PIN with a letter", "auth", b"12a4"),
        ("auth PIN in full-width digits", "auth", "１２３４".as_bytes()),
        ("auth PIN in Arabic-Indic digits", "auth", "٤٣٢١".as_bytes()),
        ("auth PIN with a NUL", "auth", b"12\x0034"),
        ("auth PIN with a leading space", "auth", b" 1234"),
        ("auth PIN with a trailing space", "auth", b"1234 \n"),
        ("auth PIN with two trailing newlines", "auth", b"1234\n\n"),
        ("auth PIN with a lone CR", "auth", b"1234\r"),
        ("auth PIN with a tab", "auth", b"1234\t"),
        ("auth PIN file of only a newline", "auth", b"\n"),
        ("auth PIN with a minus sign", "auth", b"-123"),
        ("auth PIN file that is not UTF-8", "auth", b"\xff\xfe12"),
        ("auth PIN file longer than any PIN", "auth", &[b'1'; 100]),
        ("empty auth PIN file", "auth", b""),
        ("signing password of 5 characters", "sign", b"ABC12"),
        ("signing password of 17 characters", "sign", b"ABCDEFGHIJ1234567"),
        ("signing password with a hyphen", "sign", b"ABC-123"),
        ("signing password with a space", "sign", b"ABC 123"),
        ("signing password in full-width letters", "sign", "ＡＢＣ１２３".as_bytes()),
        ("signing password with an accent", "sign", "ABC12é".as_bytes()),
        ("signing password with an emoji", "sign", "ABC123😀".as_bytes()),
        ("signing password with a NUL", "sign", b"ABC123\0"),
        ("empty signing password file", "sign", b""),
        ("card-info PIN of 5 digits", "cardinfo", b"12345"),
    ];
    for (i, (name, which, content)) in bad_pins.into_iter().enumerate() {
        let path = write(dir, &format!("pin-{i}"), content);
        // Spread the cases over the commands that read a PIN.
        let args: Vec<String> = match (which, i % 4) {
            ("auth", 0) | ("sign", 0) | ("cardinfo", _) => vec!["verify".into(), which.into()],
            ("auth", 1) => vec!["sign".into(), "--key".into(), "auth".into(), "--digest".into(), d256.clone()],
            ("auth", 2) => {
                vec!["pin".into(), "change".into(), "auth".into(), "--new-pin-file".into(), auth_pin.clone()]
            }
            ("auth", _) => vec!["verify".into(), "auth".into(), "--force".into()],
            ("sign", 1) => vec!["cert".into(), "sign".into()],
            ("sign", 2) => vec!["status".into(), "--certs".into(), "--sign-cert".into()],
            _ => vec!["sign".into(), "--key".into(), "sign".into(), data.clone()],
        };
        let mut a: Vec<&dyn AsRef<std::ffi::OsStr>> = args.iter().map(|s| s as &dyn AsRef<std::ffi::OsStr>).collect();
        a.push(&"--pin-file");
        a.push(&path);
        v.push(case(format!("{name} ({})", args.join(" ")), &a, Usage));
    }
    // PINs from the environment.
    v.push(case("JPKI_AUTH_PIN of 2 digits", &[&"verify", &"auth"], Usage).env("JPKI_AUTH_PIN", "12"));
    v.push(
        case("JPKI_SIGN_PIN with lower-case non-ASCII", &[&"verify", &"sign"], Usage).env("JPKI_SIGN_PIN", "abcdéf"),
    );
    v.push(
        case("JPKI_AUTH_PIN that is not Unicode", &[&"verify", &"auth"], Usage)
            .env("JPKI_AUTH_PIN", OsString::from_vec(vec![0x31, 0xFF, 0x33, 0x34]))
            .says("unicode"),
    );
    // No PIN at all, no terminal.
    v.push(case("no PIN and no terminal", &[&"sign", &"--key", &"auth", &"--digest", &d256], Usage).says("--pin-file"));

    // -- PIN files that cannot be read.
    v.push(case("PIN file that is a directory", &[&"verify", &"auth", &"--pin-file", &dir], Usage).says("pin file"));
    v.push(
        case("PIN file that is missing", &[&"verify", &"auth", &"--pin-file", &dir.join("missing")], Usage)
            .says("pin file"),
    );
    v.push(case(
        "PIN file in a missing directory",
        &[&"verify", &"sign", &"--pin-file", &"/nonexistent/dir/pin"],
        Usage,
    ));
    v.push(
        case("--pin-file - with the data to sign on stdin", &[&"sign", &"--key", &"sign", &"--pin-file", &"-"], Usage)
            .stdin(b"ABC123\n")
            .says("stdin"),
    );
    v.push(
        case(
            "--pin-file - with a batch on stdin",
            &[&"sign", &"--key", &"sign", &"--batch", &"digests", &"--pin-file", &"-"],
            Usage,
        )
        .stdin(format!("ABC123\n{d256}\n").as_bytes())
        .says("stdin"),
    );

    // -- Digests.
    let hashes = ["sha1", "sha224", "sha256", "sha384", "sha512"];
    let lens = [20, 28, 32, 48, 64];
    for (k, hash) in hashes.iter().enumerate() {
        // The length of the next algorithm's digest is wrong for this one.
        let wrong = digest(lens[(k + 1) % lens.len()]);
        v.push(
            case(
                format!("{hash} digest of the wrong length"),
                &[&"sign", &"--key", &"sign", &"--hash", hash, &"--digest", &wrong, &"--pin-file", &sign_pin],
                Usage,
            )
            .says("digest"),
        );
    }
    for (name, value) in [
        ("digest that is not hex", "zz".repeat(32)),
        ("digest of odd length", format!("{}a", digest(31))),
        ("empty digest", String::new()),
        ("digest with a 0x prefix", format!("0x{}", digest(31))),
        ("digest with non-ASCII characters", format!("{}ａｂ", digest(31))),
        ("digest with a backslash escape", format!("{}\\0", digest(31))),
        ("digest one byte too long", digest(33)),
    ] {
        v.push(
            case(name, &[&"sign", &"--key", &"auth", &"--digest", &value, &"--pin-file", &auth_pin], Usage)
                .says("digest"),
        );
    }
    {
        use std::os::unix::ffi::OsStrExt;
        let not_utf8 = std::ffi::OsStr::from_bytes(b"a\xff.txt").to_os_string();
        v.push(case("a bad flag beside a file name that is not UTF-8", &[&"sign", &"--key", &"root", &not_utf8], Clap));
    }
    v.push(case("unknown hash algorithm", &[&"sign", &"--key", &"sign", &"--hash", &"md5", &"--digest", &d256], Clap));

    // -- Input files.
    v.push(
        case(
            "file to sign is missing",
            &[&"sign", &"--key", &"sign", &"--pin-file", &sign_pin, &dir.join("nope.pdf")],
            Usage,
        )
        .says("cannot read"),
    );
    v.push(
        case("file to sign is a directory", &[&"sign", &"--key", &"sign", &"--pin-file", &sign_pin, &dir], Usage)
            .says("directory"),
    );
    v.push(case(
        "attached CMS of a missing file",
        &[
            &"sign",
            &"--key",
            &"sign",
            &"--cms",
            &"--attached",
            &"--pin-file",
            &sign_pin,
            &"-o",
            &dir.join("x.p7m"),
            &dir.join("nope"),
        ],
        Usage,
    ));
    v.push(
        case(
            "batch of files with a missing one",
            &[&"sign", &"--key", &"sign", &"--batch", &"files", &"--pin-file", &sign_pin],
            Usage,
        )
        .stdin(format!("{data}\n{}\n", dir.join("nope").display()).as_bytes())
        .says("line 2"),
    );
    v.push(
        case(
            "batch with a bad digest line",
            &[&"sign", &"--key", &"sign", &"--batch", &"digests", &"--pin-file", &sign_pin],
            Usage,
        )
        .stdin(format!("{d256}\nnot-hex\n").as_bytes())
        .says("line 2"),
    );
    v.push(
        case(
            "batch with a line over 64 KiB",
            &[&"sign", &"--key", &"sign", &"--batch", &"digests", &"--pin-file", &sign_pin],
            Usage,
        )
        .stdin(&vec![b'a'; 70_000]),
    );
    v.push(
        case("empty batch", &[&"sign", &"--key", &"sign", &"--batch", &"digests", &"--pin-file", &sign_pin], Usage)
            .stdin(b"")
            .says("no items"),
    );
    v.push(
        case(
            "batch of blank lines",
            &[&"sign", &"--key", &"sign", &"--batch", &"digests", &"--pin-file", &sign_pin],
            Usage,
        )
        .stdin(b"\n \n\r\n")
        .says("line 1"),
    );
    v.push(
        case(
            "batch of blank lines, keep going",
            &[&"sign", &"--key", &"sign", &"--batch", &"digests", &"--keep-going", &"--pin-file", &sign_pin],
            Usage,
        )
        .stdin(b"\n \n\r\n")
        .says("no line"),
    );
    v.push(
        case(
            "empty batch of files",
            &[&"sign", &"--key", &"sign", &"--batch", &"files", &"--pin-file", &sign_pin],
            Usage,
        )
        .stdin(b"")
        .says("no items"),
    );

    // -- Outputs that cannot be written (checked before the card is used).
    v.push(
        case(
            "signature to /proc",
            &[&"sign", &"--key", &"sign", &"--digest", &d256, &"--pin-file", &sign_pin, &"-o", &"/proc/x"],
            Usage,
        )
        .says("cannot write"),
    );
    v.push(
        case(
            "signature to a directory",
            &[&"sign", &"--key", &"sign", &"--digest", &d256, &"--pin-file", &sign_pin, &"-o", &dir],
            Usage,
        )
        .says("directory"),
    );
    v.push(
        case(
            "signature into a missing directory",
            &[&"sign", &"--key", &"sign", &"--digest", &d256, &"--pin-file", &sign_pin, &"-o", &"/nonexistent/sig.bin"],
            Usage,
        )
        .says("does not exist"),
    );
    v.push(case("certificate to /proc", &[&"cert", &"auth", &"-o", &"/proc/x.der"], Usage).says("cannot write"));
    v.push(case("certificate to a directory", &[&"cert", &"auth-ca", &"-o", &dir], Usage).says("directory"));
    v.push(case(
        "CMS into a missing directory",
        &[&"sign", &"--key", &"auth", &"--cms", &"--pin-file", &auth_pin, &"-o", &dir.join("no/such/x.p7s"), &data],
        Usage,
    ));
    v.push(case(
        "signing certificate to /sys",
        &[&"cert", &"sign", &"--pin-file", &sign_pin, &"-o", &"/sys/x.der"],
        Usage,
    ));

    // -- An output that is one of the inputs would replace it (by any spelling or link).
    {
        let doc = write(dir, "doc.txt", b"the document\n");
        let hard = dir.join("doc-hard-link.txt");
        std::fs::hard_link(&doc, &hard).unwrap();
        let soft = dir.join("doc-symlink.txt");
        std::os::unix::fs::symlink(&doc, &soft).unwrap();
        let respelled = dir.join(".").join("sub").join("..").join("doc.txt");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let sign = |out: &dyn AsRef<std::ffi::OsStr>| -> Vec<OsString> {
            ["sign", "--key", "sign", "--pin-file", &sign_pin, "-o"]
                .iter()
                .map(OsString::from)
                .chain([out.as_ref().to_os_string(), OsString::from(&doc)])
                .collect()
        };
        for (name, out) in [
            ("signature over its own input", OsString::from(&doc)),
            ("signature onto a hard link of its input", hard.into_os_string()),
            ("signature onto a symlink to its input", soft.into_os_string()),
            ("signature onto its input spelt another way", respelled.into_os_string()),
        ] {
            let args = sign(&out);
            let a: Vec<&dyn AsRef<std::ffi::OsStr>> = args.iter().map(|s| s as &dyn AsRef<std::ffi::OsStr>).collect();
            v.push(case(name, &a, Usage).says("same file"));
        }
        v.push(
            case(
                "CMS over its own input",
                &[&"sign", &"--key", &"auth", &"--cms", &"--pin-file", &auth_pin, &"-o", &doc, &doc],
                Usage,
            )
            .says("same file"),
        );
        v.push(
            case(
                "signature onto the file given as stdin",
                &[&"sign", &"--key", &"auth", &"--pin-file", &auth_pin, &"-o", &doc],
                Usage,
            )
            .stdin_file(Path::new(&doc))
            .says("stdin"),
        );
        v.push(
            case(
                "signature onto the PIN file",
                &[&"sign", &"--key", &"sign", &"--pin-file", &sign_pin, &"-o", &sign_pin, &doc],
                Usage,
            )
            .says("same file"),
        );
        v.push(
            case(
                "signing certificate onto the PIN file",
                &[&"cert", &"sign", &"--pin-file", &sign_pin, &"-o", &sign_pin],
                Usage,
            )
            .says("same file"),
        );
    }

    // -- Empty input is not signed unless --allow-empty.
    let empty = write(dir, "empty.txt", b"");
    v.push(
        case("empty file to sign", &[&"sign", &"--key", &"sign", &"--pin-file", &sign_pin, &empty], Usage)
            .says("empty"),
    );
    v.push(
        case("empty stdin to sign", &[&"sign", &"--key", &"auth", &"--pin-file", &auth_pin], Usage)
            .stdin(b"")
            .says("empty"),
    );
    v.push(
        case("empty stdin to sign (-)", &[&"sign", &"--key", &"auth", &"--pin-file", &auth_pin, &"-"], Usage)
            .stdin(b"")
            .says("empty"),
    );
    v.push(
        case(
            "empty file for a detached CMS",
            &[&"sign", &"--key", &"sign", &"--cms", &"--pem", &"--pin-file", &sign_pin, &empty],
            Usage,
        )
        .says("empty"),
    );
    v.push(
        case(
            "empty stdin for an attached CMS",
            &[&"sign", &"--key", &"auth", &"--cms", &"--attached", &"--pem", &"--pin-file", &auth_pin],
            Usage,
        )
        .stdin(b"")
        .says("empty"),
    );
    v.push(
        case(
            "batch of files with an empty one",
            &[&"sign", &"--key", &"sign", &"--batch", &"files", &"--pin-file", &sign_pin],
            Usage,
        )
        .stdin(format!("{data}\n{empty}\n").as_bytes())
        .says("line 2"),
    );
    v.push(
        case(
            "--allow-empty with a batch of digests",
            &[&"sign", &"--key", &"sign", &"--batch", &"digests", &"--allow-empty", &"--pin-file", &sign_pin],
            Usage,
        )
        .stdin(format!("{d256}\n").as_bytes())
        .says("--allow-empty"),
    );

    // -- Batch lines are paths byte for byte.
    {
        // A lossy decode would turn the missing report-\xff.txt into this file and sign it.
        write(dir, "report-\u{FFFD}.txt", b"another file\n");
        let mut line = dir.as_os_str().as_encoded_bytes().to_vec();
        line.extend_from_slice(b"/report-\xff.txt\n");
        v.push(
            case(
                "batch line that is not UTF-8 names a missing file",
                &[&"sign", &"--key", &"sign", &"--batch", &"files", &"--pin-file", &sign_pin],
                Usage,
            )
            .stdin(&line)
            .says("line 1"),
        );
        let mut line = data.clone().into_bytes();
        line.extend_from_slice(b"\0x\n");
        v.push(
            case(
                "batch line with a NUL byte",
                &[&"sign", &"--key", &"sign", &"--batch", &"files", &"--pin-file", &sign_pin],
                Usage,
            )
            .stdin(&line)
            .says("NUL"),
        );
        v.push(
            case(
                "batch digest line that is not UTF-8",
                &[&"sign", &"--key", &"sign", &"--batch", &"digests", &"--pin-file", &sign_pin],
                Usage,
            )
            .stdin(&[&d256.as_bytes()[..62], b"\xff\n"].concat())
            .says("line 1"),
        );
        let mut long = vec![b'a'; 65_537];
        long.push(b'\n');
        v.push(
            case(
                "batch line of 65,537 bytes and its newline",
                &[&"sign", &"--key", &"sign", &"--batch", &"digests", &"--pin-file", &sign_pin],
                Usage,
            )
            .stdin(&long)
            .says("longer than 65536"),
        );
    }

    // -- A PIN option where no PIN is asked for would be silently ignored.
    v.push(
        case("--pin-file for the auth CA certificate", &[&"cert", &"auth-ca", &"--pin-file", &auth_pin], Usage)
            .says("--pin-file"),
    );
    // The auth certificate takes an auth PIN for a smartphone: a PIN file is
    // checked before the card is touched, whatever answers then.
    let bad_auth = write(dir, "bad-auth-for-cert", b"12345");
    v.push(
        case("auth PIN of 5 digits for cert auth", &[&"cert", &"auth", &"--pin-file", &bad_auth], Usage)
            .says("not valid"),
    );
    v.push(
        case(
            "auth PIN of 5 digits for check --card-cert auth",
            &[&"check", &"--signature", &data, &"--card-cert", &"auth", &"--pin-file", &bad_auth, &data],
            Usage,
        )
        .says("not valid"),
    );
    v.push(case("--force for a CA certificate", &[&"cert", &"sign-ca", &"--force"], Usage).says("--force"));
    v.push(
        case("--pin-file for status without --sign-cert", &[&"status", &"--certs", &"--pin-file", &sign_pin], Usage)
            .says("--pin-file"),
    );
    v.push(
        case(
            "--pin-file for check against a certificate file",
            &[&"check", &"--signature", &data, &"--cert", &data, &"--pin-file", &sign_pin, &data],
            Usage,
        )
        .says("--pin-file"),
    );

    // -- Readers.
    v.push(case("unknown reader name", &[&"--reader", &"No Such Reader", &"status"], Reader).says("jpki readers"));
    v.push(case("reader index out of range", &[&"--reader", &"42", &"status"], Reader));
    v.push(case("ambiguous reader name", &[&"--reader", &"Virtual", &"cert", &"auth"], Reader).says("--reader"));
    v.push(
        case("unknown reader from JPKI_READER", &[&"verify", &"auth", &"--pin-file", &auth_pin], Reader)
            .env("JPKI_READER", "Nowhere 99"),
    );
    v.push(case(
        "unknown reader for a signature",
        &[&"--reader", &"nope", &"sign", &"--key", &"sign", &"--digest", &d256, &"--pin-file", &sign_pin],
        Reader,
    ));

    // -- Conflicting or malformed flags.
    for (name, args) in [
        ("--der with --details", vec!["cert", "auth", "--der", "--details"]),
        ("--der with --pem", vec!["cert", "auth", "--der", "--pem"]),
        ("--pem with --details", vec!["cert", "auth", "--pem", "--details"]),
        ("--digest with a FILE", vec!["sign", "--key", "sign", "--digest", "ab", "file.txt"]),
        ("--cms with --batch", vec!["sign", "--key", "sign", "--cms", "--batch", "digests"]),
        ("--attached without --cms", vec!["sign", "--key", "sign", "--attached", "file.txt"]),
        ("--pem without --cms", vec!["sign", "--key", "sign", "--pem", "file.txt"]),
        ("--keep-going without --batch", vec!["sign", "--key", "sign", "--keep-going", "file.txt"]),
        ("--attached with --digest", vec!["sign", "--key", "sign", "--cms", "--attached", "--digest", "ab"]),
        ("sign without --key", vec!["sign", "file.txt"]),
        ("unknown key", vec!["sign", "--key", "root", "file.txt"]),
        ("verify without a PIN name", vec!["verify"]),
        ("a PIN on the command line", vec!["verify", "auth", "--pin", "1234"]),
        ("negative --wait", vec!["--wait", "-1", "status"]),
        ("--wait beyond a day", vec!["--wait", "86401", "status"]),
        ("--wait beyond what the clock can hold", vec!["--wait", "18446744073709551615", "status"]),
        ("non-numeric --wait", vec!["--wait", "soon", "status"]),
        ("unknown --extended-length", vec!["--extended-length", "maybe", "status"]),
        ("unknown command", vec!["unblock"]),
        ("--sign-cert without --certs", vec!["status", "--sign-cert"]),
        ("unknown certificate", vec!["cert", "root"]),
        ("check without a signature", vec!["check", "--cert", "x.der", "data"]),
    ] {
        let a: Vec<&dyn AsRef<std::ffi::OsStr>> = args.iter().map(|s| s as &dyn AsRef<std::ffi::OsStr>).collect();
        v.push(case(name, &a, Clap));
    }
    // --format has no meaning for a CMS (its encoding is DER, or PEM with --pem).
    v.push(
        case(
            "--format with --cms",
            &[&"sign", &"--key", &"sign", &"--cms", &"--format", &"base64", &"--pin-file", &sign_pin, &data],
            Clap,
        )
        .says("--format"),
    );
    // Conflicts that jpki itself refuses (one line, exit 2).
    v.push(
        case(
            "--batch with -o",
            &[&"sign", &"--key", &"sign", &"--batch", &"digests", &"-o", &dir.join("out"), &"--pin-file", &sign_pin],
            Usage,
        )
        .stdin(format!("{d256}\n").as_bytes())
        .says("--batch"),
    );
    v.push(
        case(
            "--batch with --digest",
            &[&"sign", &"--key", &"sign", &"--batch", &"digests", &"--digest", &d256, &"--pin-file", &sign_pin],
            Usage,
        )
        .says("--batch"),
    );
    v.push(case(
        "--batch with --format raw",
        &[&"sign", &"--key", &"sign", &"--batch", &"digests", &"--format", &"raw", &"--pin-file", &sign_pin],
        Usage,
    ));
    v.push(case(
        "--pin-file and --new-pin-file the same",
        &[&"pin", &"change", &"auth", &"--pin-file", &auth_pin, &"--new-pin-file", &auth_pin],
        Usage,
    ));
    let weak = write(dir, "weak-sign", b"ABCDEF\n");
    v.push(case(
        "new signing password without a digit",
        &[&"pin", &"change", &"sign", &"--pin-file", &sign_pin, &"--new-pin-file", &weak],
        Usage,
    ));
    v.push(
        case(
            "check with a missing signature file",
            &[&"check", &"--signature", &dir.join("nope.sig"), &"--cert", &dir.join("nope.der"), &data],
            Usage,
        )
        .says("cannot read"),
    );
    v
}
