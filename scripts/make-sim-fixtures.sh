#!/usr/bin/env bash
# Regenerate the virtual card's fixtures (keys and certificates) under
# src/sim/fixtures/ with the openssl CLI. The results are committed and
# embedded in the jpki-sim binary with include_bytes!, so this only needs to
# run when the certificate profile changes.
#
# Produces, all DER:
#   auth-ca.key.der  sign-ca.key.der  auth.key.der  sign.key.der   (PKCS#8)
#   auth-ca.crt.der  sign-ca.crt.der  auth.crt.der  sign.crt.der   (X.509)
#
# The certificates imitate the JPKI profile (see docs/virtual-card.md): two
# self-signed roots with the J-LIS distinguished names, an authentication
# leaf (C=JP, CN=<20-character identifier>) and a signing leaf
# (C=JP, L=..., L=..., CN=<request timestamp + sequence + office code>) that
# carries the personal data as otherName entries in subjectAltName.
# Every value is fictional.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/src/sim/fixtures}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 1; }

# Personal data of the fictional card holder (keep in sync with src/sim/data.rs).
NAME='山田　太郎'            # family and given name separated by U+3000
ADDRESS='東京都千代田区永田町一丁目７番１号'
SEX='1'
BIRTH_SAN='319800217'        # era code (3 = Showa, a guess) + YYYYMMDD
AUTH_CN='84392176502AUTHSIM01'
SIGN_CN='202601221015300001131016'

CA_START=20230716000000Z
CA_END=20330715235959Z
LEAF_START=20260122000000Z
LEAF_END=20301225145959Z     # 2030-12-25 23:59:59 JST

genkey() { # name
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/$1.key.pem" 2>/dev/null
  openssl pkcs8 -topk8 -nocrypt -in "$work/$1.key.pem" -outform DER -out "$out/$1.key.der"
  chmod 644 "$out/$1.key.der"
}

# A minimal `openssl ca` setup per issuer, so that dates and serials are exact.
mkca() { # name serial-hex
  local d="$work/ca-$1"
  mkdir -p "$d/new"
  : > "$d/index.txt"
  echo "$2" > "$d/serial"
  cat > "$d/ca.cnf" <<CNF
[ ca ]
default_ca = this_ca
[ this_ca ]
dir = $d
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
localityName = optional
commonName = optional
[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
prompt = no
[ req_dn ]
CN = placeholder
[ ext_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
# Real JPKI leaves are about 1.5 KB (a 1,583-byte header is on record): they
# carry CRL distribution points, OCSP access and policy qualifiers. The
# fictional .invalid addresses below give the leaves a realistic size, so
# reads take as many APDUs as on a real card.
[ ext_auth ]
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
certificatePolicies = @pol_auth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = crl_auth
authorityInfoAccess = OCSP;URI:http://ocsp-auth.jpki-sim.invalid/ocsp, caIssuers;URI:http://repository.jpki-sim.invalid/auth-ca.cer
[ pol_auth ]
policyIdentifier = 1.2.392.200149.8.5.1.3.30
CPS.1 = "http://repository.jpki-sim.invalid/cps/user-authentication.html"
userNotice.1 = @notice
[ crl_auth ]
fullname = dirName:crl_dn_auth, URI:http://crl.jpki-sim.invalid/auth/crl0001.crl
[ crl_dn_auth ]
C = JP
O = JPKI
0.OU = JPKI for user authentication
1.OU = CRL Distribution Points
2.OU = Tokyo-to
CN = Chiyoda-ku CRLDP
[ notice ]
explicitText = "VIRTUAL CARD FOR TESTS ONLY. This certificate was made by jpki-sim and identifies no one."
[ pol_sign ]
policyIdentifier = 1.2.392.200149.8.5.1.1.20
CPS.1 = "http://repository.jpki-sim.invalid/cps/digital-signature.html"
userNotice.1 = @notice
[ crl_sign ]
fullname = dirName:crl_dn_sign, URI:http://crl.jpki-sim.invalid/sign/crl0001.crl
[ crl_dn_sign ]
C = JP
O = JPKI
0.OU = JPKI for digital signature
1.OU = CRL Distribution Points
2.OU = Tokyo-to
CN = Chiyoda-ku CRLDP
[ ext_sign ]
keyUsage = critical, nonRepudiation, digitalSignature
certificatePolicies = @pol_sign
subjectAltName = @san_sign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = crl_sign
authorityInfoAccess = OCSP;URI:http://ocsp-sign.jpki-sim.invalid/ocsp, caIssuers;URI:http://repository.jpki-sim.invalid/sign-ca.cer
[ san_sign ]
otherName.1 = 1.2.392.200149.8.5.5.1;FORMAT:UTF8,UTF8:$NAME
otherName.2 = 1.2.392.200149.8.5.5.2;FORMAT:UTF8,UTF8:$NAME
otherName.3 = 1.2.392.200149.8.5.5.3;FORMAT:UTF8,UTF8:$SEX
otherName.4 = 1.2.392.200149.8.5.5.4;FORMAT:UTF8,UTF8:$BIRTH_SAN
otherName.5 = 1.2.392.200149.8.5.5.5;FORMAT:UTF8,UTF8:$ADDRESS
otherName.6 = 1.2.392.200149.8.5.5.6;FORMAT:UTF8,UTF8:$ADDRESS
CNF
}

# csr name key-name subject
csr() {
  openssl req -new -utf8 -config "$work/ca-$1/ca.cnf" -key "$work/$2.key.pem" \
    -subj "$3" -out "$work/$2.csr"
}

# issue ca-name csr-name ext start end [selfsign]
issue() {
  local extra=()
  if [ "${6:-}" = selfsign ]; then extra=(-selfsign); fi
  openssl ca -batch -notext -utf8 -preserveDN -config "$work/ca-$1/ca.cnf" \
    -keyfile "$work/$1.key.pem" ${extra[@]+"${extra[@]}"} \
    $( [ "${6:-}" = selfsign ] || echo "-cert $work/$1.crt.pem" ) \
    -extensions "$3" -startdate "$4" -enddate "$5" \
    -in "$work/$2.csr" -out "$work/$2.crt.pem" 2>"$work/ca.log" \
    || { cat "$work/ca.log" >&2; exit 1; }
  openssl x509 -in "$work/$2.crt.pem" -outform DER -out "$out/$2.crt.der"
}

for k in auth-ca sign-ca auth sign; do genkey "$k"; done

AUTH_CA_DN='/C=JP/O=JPKI/OU=JPKI for user authentication/OU=Japan Agency for Local Authority Information Systems'
SIGN_CA_DN='/C=JP/O=JPKI/OU=JPKI for digital signature/OU=Japan Agency for Local Authority Information Systems'

mkca auth-ca 5A0A01
mkca sign-ca 5A0B01

csr auth-ca auth-ca "$AUTH_CA_DN"
issue auth-ca auth-ca ext_ca "$CA_START" "$CA_END" selfsign
csr sign-ca sign-ca "$SIGN_CA_DN"
issue sign-ca sign-ca ext_ca "$CA_START" "$CA_END" selfsign

csr auth-ca auth "/C=JP/CN=$AUTH_CN"
issue auth-ca auth ext_auth "$LEAF_START" "$LEAF_END"
csr sign-ca sign "/C=JP/L=Tokyo-to/L=Chiyoda-ku/CN=$SIGN_CN"
issue sign-ca sign ext_sign "$LEAF_START" "$LEAF_END"

# Self-checks.
openssl verify -CAfile "$work/auth-ca.crt.pem" "$work/auth.crt.pem" >/dev/null
openssl verify -CAfile "$work/sign-ca.crt.pem" "$work/sign.crt.pem" >/dev/null
echo "fixtures written to $out"
ls -l "$out"
