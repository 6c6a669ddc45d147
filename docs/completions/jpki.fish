# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_jpki_global_optspecs
    string join \n reader= json wait= apdu-timeout= extended-length= v/verbose lang= h/help V/version
end

function __fish_jpki_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_jpki_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_jpki_using_subcommand
    set -l cmd (__fish_jpki_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c jpki -n "__fish_jpki_needs_command" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_needs_command" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_needs_command" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_needs_command" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_needs_command" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_needs_command" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_needs_command" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_needs_command" -s h -l help -d 'Print help'
complete -c jpki -n "__fish_jpki_needs_command" -s V -l version -d 'Print version'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "readers" -d 'List readers, their cards, and whether each card has the JPKI applet'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "status" -d 'Show the tries left of the three PINs you set and whether a signing certificate exists (spends no try; --all adds the 照合番号 counters)'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "verify" -d 'Check one PIN; a correct PIN resets its counter to the maximum'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "cert" -d 'Read a certificate (PEM, DER, or details)'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "sign" -d 'Sign a digest, a file or stdin (PKCS#1 v1.5); the signature is checked before output'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "check" -d 'Check a raw or CMS signature offline (does not check revocation)'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "pin" -d 'Change a PIN (jpki cannot reset a blocked one: `jpki pin --help` says who can)'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "card-info" -d 'Read My Number (masked) and the basic four attributes from the card-info applet'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, powershell or elvish)'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "man" -d 'Write the man pages of jpki and each command into a folder'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "pdf" -d 'Sign a PDF with the card, or check the signatures of one'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "doctor" -d 'Will the card work for e-Tax, マイナポータル, 法務局? Checks the service, reader, card, counters and certificates (spends no try unless --verify)'
complete -c jpki -n "__fish_jpki_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c jpki -n "__fish_jpki_using_subcommand readers" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand readers" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand readers" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand readers" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand readers" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand readers" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand readers" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand readers" -s h -l help -d 'Print help'
complete -c jpki -n "__fish_jpki_using_subcommand status" -l pin-file -d 'Read the PIN from PATH (`-` for stdin, /dev/fd/N works). One trailing newline is ignored' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand status" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand status" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand status" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand status" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand status" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand status" -l jpki-only -d 'Only the two JPKI counters and whether the signing certificate was issued: 7 APDUs instead of 9, for the least time in an NFC reader\'s field'
complete -c jpki -n "__fish_jpki_using_subcommand status" -l all -d 'Also the four 照合番号 counters (A and B of the 券面事項入力補助AP and of the 券面事項確認AP), which no holder types and no jpki command uses: 12 APDUs'
complete -c jpki -n "__fish_jpki_using_subcommand status" -l no-sfi -d 'Never use the short-EF-identifier form of the retry query (when and how it is trusted: see `jpki status` in the README)'
complete -c jpki -n "__fish_jpki_using_subcommand status" -l certs -d 'Also show the auth certificate\'s expiry'
complete -c jpki -n "__fish_jpki_using_subcommand status" -l sign-cert -d 'With --certs, also the signing certificate\'s expiry (asks for the signing password)'
complete -c jpki -n "__fish_jpki_using_subcommand status" -l force -d 'Allow spending the last remaining try without asking'
complete -c jpki -n "__fish_jpki_using_subcommand status" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand status" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand status" -s h -l help -d 'Print help'
complete -c jpki -n "__fish_jpki_using_subcommand verify" -l pin-file -d 'Read the PIN from PATH (`-` for stdin, /dev/fd/N works). One trailing newline is ignored' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand verify" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand verify" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand verify" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand verify" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand verify" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand verify" -l force -d 'Allow spending the last remaining try without asking'
complete -c jpki -n "__fish_jpki_using_subcommand verify" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand verify" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jpki -n "__fish_jpki_using_subcommand cert" -s o -l output -d 'Write to FILE (DER unless --pem is given or FILE ends in .pem)' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand cert" -l pin-file -d 'Read the PIN from PATH (`-` for stdin, /dev/fd/N works). One trailing newline is ignored' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand cert" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand cert" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand cert" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand cert" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand cert" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand cert" -l der -d 'Output DER (binary) instead of PEM'
complete -c jpki -n "__fish_jpki_using_subcommand cert" -l pem -d 'Output PEM (the default on stdout)'
complete -c jpki -n "__fish_jpki_using_subcommand cert" -l details -l text -d 'Show subject, issuer, validity (with the renewal date), key and the holder\'s data instead'
complete -c jpki -n "__fish_jpki_using_subcommand cert" -l force -d 'Allow spending the last remaining try without asking'
complete -c jpki -n "__fish_jpki_using_subcommand cert" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand cert" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand cert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l key -d 'Key to sign with: sign (署名用, signing password) or auth (利用者証明用, 4-digit PIN)' -r -f -a "auth\t'利用者証明用 (4-digit PIN)'
sign\t'署名用 (6-16 character password)'"
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l digest -d 'A precomputed digest in hex (length checked against --hash)' -r
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l hash -d 'Hash algorithm of --digest, or used to hash the input' -r -f -a "sha1\t''
sha224\t''
sha256\t''
sha384\t''
sha512\t''"
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l format -d 'Signature encoding: hex (default on stdout), base64, or raw (default with -o). Not with --cms' -r -f -a "raw\t''
hex\t''
base64\t''"
complete -c jpki -n "__fish_jpki_using_subcommand sign" -s o -l output -d 'Write the signature to FILE' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l batch -d 'Sign many items read from stdin, one a line: hex digests or file paths' -r -f -a "digests\t'A hex digest of the --hash algorithm'
files\t'A path of a file to hash and sign'"
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l pin-file -d 'Read the PIN from PATH (`-` for stdin, /dev/fd/N works). One trailing newline is ignored' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l cms -d 'Produce CMS (PKCS#7) SignedData, detached unless --attached. It carries the signer\'s certificate: with --key sign, your name, address, birth date and sex (see below)'
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l attached -d 'Include the content in the CMS'
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l pem -d 'Write the CMS as PEM instead of DER'
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l keep-going -d 'In a batch, go on past bad lines (they are reported and not signed)'
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l allow-empty -d 'Sign empty input (an empty FILE, stdin or batch file) instead of refusing it'
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l force -d 'Allow spending the last remaining try without asking'
complete -c jpki -n "__fish_jpki_using_subcommand sign" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand sign" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jpki -n "__fish_jpki_using_subcommand check" -l signature -d 'A raw PKCS#1 v1.5 signature file (binary, hex or base64)' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand check" -l cms -d 'A CMS (PKCS#7) signature file, DER or PEM' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand check" -l cert -d 'The signer\'s certificate (PEM or DER). A CMS usually carries it' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand check" -l card-cert -d 'Take the signer\'s certificate from the card instead' -r -f -a "auth\t'利用者証明用電子証明書 (no PIN on the card; a smartphone asks for the auth PIN)'
sign\t'署名用電子証明書 (needs the signing password)'
auth-ca\t'The CA certificate for the auth certificate'
sign-ca\t'The CA certificate for the signing certificate'"
complete -c jpki -n "__fish_jpki_using_subcommand check" -l ca -d 'Also check that the certificate was issued by this CA certificate (PEM or DER)' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand check" -l digest -d 'The signed digest in hex, instead of the data' -r
complete -c jpki -n "__fish_jpki_using_subcommand check" -l hash -d 'Hash algorithm for a raw signature' -r -f -a "sha1\t''
sha224\t''
sha256\t''
sha384\t''
sha512\t''"
complete -c jpki -n "__fish_jpki_using_subcommand check" -l pin-file -d 'Read the PIN from PATH (`-` for stdin, /dev/fd/N works). One trailing newline is ignored' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand check" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand check" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand check" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand check" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand check" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand check" -l force -d 'Allow spending the last remaining try without asking'
complete -c jpki -n "__fish_jpki_using_subcommand check" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand check" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jpki -n "__fish_jpki_using_subcommand pin; and not __fish_seen_subcommand_from change help" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand pin; and not __fish_seen_subcommand_from change help" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand pin; and not __fish_seen_subcommand_from change help" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand pin; and not __fish_seen_subcommand_from change help" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand pin; and not __fish_seen_subcommand_from change help" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand pin; and not __fish_seen_subcommand_from change help" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand pin; and not __fish_seen_subcommand_from change help" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand pin; and not __fish_seen_subcommand_from change help" -s h -l help -d 'Print help'
complete -c jpki -n "__fish_jpki_using_subcommand pin; and not __fish_seen_subcommand_from change help" -f -a "change" -d 'Change a PIN: the old one is checked (behind the lockout guard), then replaced'
complete -c jpki -n "__fish_jpki_using_subcommand pin; and not __fish_seen_subcommand_from change help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from change" -l new-pin-file -d 'Read the new PIN from PATH (`-` for stdin, /dev/fd/N works)' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from change" -l pin-file -d 'Read the PIN from PATH (`-` for stdin, /dev/fd/N works). One trailing newline is ignored' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from change" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from change" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from change" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from change" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from change" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from change" -l verify-new -d 'After the change, verify the new PIN once more (two more APDUs: the retry query and the VERIFY)'
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from change" -l force -d 'Allow spending the last remaining try without asking'
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from change" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from change" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from change" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from help" -f -a "change" -d 'Change a PIN: the old one is checked (behind the lockout guard), then replaced'
complete -c jpki -n "__fish_jpki_using_subcommand pin; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c jpki -n "__fish_jpki_using_subcommand card-info" -l pin-file -d 'Read the PIN from PATH (`-` for stdin, /dev/fd/N works). One trailing newline is ignored' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand card-info" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand card-info" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand card-info" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand card-info" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand card-info" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand card-info" -l show-my-number -d 'Show the full My Number (個人番号). Without it, all but the last 4 digits are hidden in every output'
complete -c jpki -n "__fish_jpki_using_subcommand card-info" -l my-number-only -d 'Read only My Number, not the name, address, birth date and sex'
complete -c jpki -n "__fish_jpki_using_subcommand card-info" -l force -d 'Allow spending the last remaining try without asking'
complete -c jpki -n "__fish_jpki_using_subcommand card-info" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand card-info" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand card-info" -s h -l help -d 'Print help'
complete -c jpki -n "__fish_jpki_using_subcommand completions" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand completions" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand completions" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand completions" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand completions" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand completions" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand completions" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand completions" -s h -l help -d 'Print help'
complete -c jpki -n "__fish_jpki_using_subcommand man" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand man" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand man" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand man" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand man" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand man" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand man" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand man" -s h -l help -d 'Print help'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and not __fish_seen_subcommand_from sign verify help" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and not __fish_seen_subcommand_from sign verify help" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and not __fish_seen_subcommand_from sign verify help" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and not __fish_seen_subcommand_from sign verify help" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and not __fish_seen_subcommand_from sign verify help" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and not __fish_seen_subcommand_from sign verify help" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and not __fish_seen_subcommand_from sign verify help" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and not __fish_seen_subcommand_from sign verify help" -s h -l help -d 'Print help'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and not __fish_seen_subcommand_from sign verify help" -f -a "sign" -d 'Sign a PDF with the card (an incremental update: the original bytes are kept)'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and not __fish_seen_subcommand_from sign verify help" -f -a "verify" -d 'Check every signature of a PDF (does not check revocation)'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and not __fish_seen_subcommand_from sign verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -s o -l output -d 'Where to write the signed PDF (written whole or not at all)' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l key -d 'Key to sign with: sign (署名用, signing password; the default) or auth (利用者証明用, 4-digit PIN)' -r -f -a "auth\t'利用者証明用 (4-digit PIN)'
sign\t'署名用 (6-16 character password)'"
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l profile -d 'Signature kind: adbe (adbe.pkcs7.detached) or pades (ETSI.CAdES.detached)' -r -f -a "adbe\t'adbe.pkcs7.detached: CMS with the signing time among the signed attributes'
pades\t'ETSI.CAdES.detached (PAdES B-B): CMS with ESS signing-certificate-v2'"
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l reason -d 'The reason for signing (/Reason)' -r
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l location -d 'Where it was signed (/Location)' -r
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l contact -d 'How to reach the signer (/ContactInfo)' -r
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l pin-file -d 'Read the PIN from PATH (`-` for stdin, /dev/fd/N works). One trailing newline is ignored' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l force -d 'Allow spending the last remaining try without asking'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from verify" -l ca -d 'Also check that each signer\'s certificate was issued by this CA certificate (PEM or DER)' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from verify" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from verify" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from verify" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from verify" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from verify" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from verify" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from help" -f -a "sign" -d 'Sign a PDF with the card (an incremental update: the original bytes are kept)'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check every signature of a PDF (does not check revocation)'
complete -c jpki -n "__fish_jpki_using_subcommand pdf; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c jpki -n "__fish_jpki_using_subcommand doctor" -l for -d 'What the card is for (comma-separated or repeated); all by default' -r -f -a "etax\t'e-Tax: login (利用者証明用) and filing signatures (署名用)'
myna-portal\t'マイナポータル: login (利用者証明用)'
houmukyoku\t'法務局 online applications: signatures (署名用)'
login\t'Any other login with the card (利用者証明用)'
signing\t'Any other signature with the card (署名用)'"
complete -c jpki -n "__fish_jpki_using_subcommand doctor" -l verify -d 'Also check these PINs, each behind the lockout guard (never the last try without --force or a yes at the prompt). A correct one resets its counter' -r -f -a "auth\t''
sign\t''
both\t''"
complete -c jpki -n "__fish_jpki_using_subcommand doctor" -l pin-file -d 'Read the PIN from PATH (`-` for stdin, /dev/fd/N works). One trailing newline is ignored' -r -F
complete -c jpki -n "__fish_jpki_using_subcommand doctor" -l reader -d 'Reader to use: an index from `jpki readers` or part of its name' -r
complete -c jpki -n "__fish_jpki_using_subcommand doctor" -l wait -d 'Wait up to SECONDS (at most 86400, a day) for the card to appear or become free [default: 30 at a terminal, 0 in scripts; 0 does not wait]' -r
complete -c jpki -n "__fish_jpki_using_subcommand doctor" -l apdu-timeout -d 'Give up on a card that has not answered one command within SECONDS (exit 6; the card is released)' -r
complete -c jpki -n "__fish_jpki_using_subcommand doctor" -l extended-length -d 'Extended-length READ BINARY: auto (from the card\'s ATR), on, or off' -r -f -a "auto\t''
on\t''
off\t''"
complete -c jpki -n "__fish_jpki_using_subcommand doctor" -l lang -d 'Language of messages: en or ja (default: JPKI_LANG, else the locale: LC_ALL, LC_MESSAGES, LANG)' -r -f -a "en\t''
ja\t''"
complete -c jpki -n "__fish_jpki_using_subcommand doctor" -l force -d 'Allow spending the last remaining try without asking'
complete -c jpki -n "__fish_jpki_using_subcommand doctor" -l json -d 'Print one JSON document on stdout (see the README for the schema)'
complete -c jpki -n "__fish_jpki_using_subcommand doctor" -s v -l verbose -d 'Trace APDUs on stderr (PINs redacted). Repeat for more'
complete -c jpki -n "__fish_jpki_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "readers" -d 'List readers, their cards, and whether each card has the JPKI applet'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "status" -d 'Show the tries left of the three PINs you set and whether a signing certificate exists (spends no try; --all adds the 照合番号 counters)'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "verify" -d 'Check one PIN; a correct PIN resets its counter to the maximum'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "cert" -d 'Read a certificate (PEM, DER, or details)'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "sign" -d 'Sign a digest, a file or stdin (PKCS#1 v1.5); the signature is checked before output'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "check" -d 'Check a raw or CMS signature offline (does not check revocation)'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "pin" -d 'Change a PIN (jpki cannot reset a blocked one: `jpki pin --help` says who can)'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "card-info" -d 'Read My Number (masked) and the basic four attributes from the card-info applet'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, powershell or elvish)'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "man" -d 'Write the man pages of jpki and each command into a folder'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "pdf" -d 'Sign a PDF with the card, or check the signatures of one'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "doctor" -d 'Will the card work for e-Tax, マイナポータル, 法務局? Checks the service, reader, card, counters and certificates (spends no try unless --verify)'
complete -c jpki -n "__fish_jpki_using_subcommand help; and not __fish_seen_subcommand_from readers status verify cert sign check pin card-info completions man pdf doctor help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c jpki -n "__fish_jpki_using_subcommand help; and __fish_seen_subcommand_from pin" -f -a "change" -d 'Change a PIN: the old one is checked (behind the lockout guard), then replaced'
complete -c jpki -n "__fish_jpki_using_subcommand help; and __fish_seen_subcommand_from pdf" -f -a "sign" -d 'Sign a PDF with the card (an incremental update: the original bytes are kept)'
complete -c jpki -n "__fish_jpki_using_subcommand help; and __fish_seen_subcommand_from pdf" -f -a "verify" -d 'Check every signature of a PDF (does not check revocation)'
