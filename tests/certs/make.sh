#!/usr/bin/env bash
# Makes the TLS tests' certificates, once; the results are committed so that
# no build needs a certificate generator (rcgen would bring ring's C code into
# every example's first build). Valid for a century from when they were made.
#   ca.pem        a CA, "reel test CA"
#   cert.pem      the server's chain: a certificate for localhost and
#                 127.0.0.1 signed by that CA, then the CA
#   key.pem       the server's key (PKCS#8)
#   other-ca.pem  an unrelated CA, for the "client trusts another CA" tests
# Run from this folder: bash make.sh
set -euo pipefail
days=36500
ec=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256)
openssl genpkey "${ec[@]}" -out ca-key.pem
openssl req -x509 -new -key ca-key.pem -days "$days" -subj "/CN=reel test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem
openssl genpkey "${ec[@]}" -out key.pem
openssl req -new -key key.pem -subj "/CN=localhost" -out server.csr
printf '%s\n' "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
  "subjectAltName=DNS:localhost,IP:127.0.0.1" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
  -days "$days" -extfile server.ext -out server.pem
cat server.pem ca.pem > cert.pem
openssl genpkey "${ec[@]}" -out other-ca-key.pem
openssl req -x509 -new -key other-ca-key.pem -days "$days" -subj "/CN=another test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out other-ca.pem
# Only what the tests read stays.
rm -f ca-key.pem other-ca-key.pem server.csr server.ext server.pem ca.srl
