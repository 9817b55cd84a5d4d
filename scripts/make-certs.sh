#!/usr/bin/env bash
# Throwaway certificates for trying etcd's TLS on one machine (docs/security.md):
#   scripts/make-certs.sh DIR
# writes DIR/ca.{crt,key}, DIR/server.{crt,key} (for 127.0.0.1 and localhost, usable as a
# member's client and peer certificate) and DIR/client.{crt,key} (a client certificate).
# Never use these keys for anything that matters.
set -euo pipefail
dir=${1:?usage: scripts/make-certs.sh DIR}
command -v openssl >/dev/null || { echo "openssl is required" >&2; exit 1; }
mkdir -p "$dir"
cd "$dir"

openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=etcd-node throwaway CA" \
  -keyout ca.key -out ca.crt 2>/dev/null

sign() { # name subject extensions
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

sign server "/CN=etcd member" \
  "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth,clientAuth"
sign client "/CN=etcd client" "extendedKeyUsage=clientAuth"
rm -f ca.srl
chmod 600 ./*.key
echo "certificates written to $dir: ca.crt server.crt server.key client.crt client.key"
