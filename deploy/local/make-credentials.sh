#!/usr/bin/env bash
# Makes a cluster's credentials in DIR, each only if it is not there yet (every site of a cluster needs the same two):
#   DIR/cluster.secret  32 random bytes as 64 hex characters and a newline (the silo's and orep's rule: the file's
#                       text, trimmed, as UTF-8), mode 0600
#   DIR/cluster.pfx     a self-signed certificate and its key (RSA 2048, 10 years, CN=orleansrep-cluster), PKCS#12
#                       without a password, mode 0600. Every site serves it and pins it when it calls another (no CA,
#                       no host names checked); the silo needs it to listen anywhere but loopback.
# Used by netns-run.sh; for systemd, Docker and Kubernetes, see deploy/README.md.
USAGE="make-credentials.sh DIR"
set -euo pipefail
source "$(dirname "$0")/common.sh"
[ $# -eq 1 ] || usage_error "one argument, the directory"
dir=$1
mkdir -p "$dir"

if [ ! -s "$dir/cluster.secret" ]; then
  (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$dir/cluster.secret" && echo >>"$dir/cluster.secret")
  echo "make-credentials: generated the cluster secret $dir/cluster.secret"
fi

if [ ! -s "$dir/cluster.pfx" ]; then
  command -v openssl >/dev/null || die "needs openssl to make the cluster certificate (or put a PKCS#12 file at $dir/cluster.pfx)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 3650 -subj "/CN=orleansrep-cluster" \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
  (umask 077 && openssl pkcs12 -export -in "$work/cert.pem" -inkey "$work/key.pem" -passout pass: -out "$dir/cluster.pfx")
  echo "make-credentials: generated the cluster certificate $dir/cluster.pfx (self-signed, CN=orleansrep-cluster)"
fi
