#!/usr/bin/env bash
# Starts N sites, site N in namespace {PREFIX}-N at {SUBNET}.N (netns-up.sh N first): run-sites.sh --netns with a
# certificate. The silo allows plain TCP on loopback only (TransportServerOptions: "TLS is required to listen on the
# non-loopback address ..."), and a site's endpoints must be addresses its peers can reach, so across namespaces the
# sites need the cluster's certificate: one self-signed certificate shared by every site, which each serves and pins
# when it calls the others (no CA, no host names checked). make-credentials.sh generates it into DIR/cluster.pfx on
# the first run (openssl; PKCS#12 without a password, mode 0600). The client gateways serve TLS too, and `orep` has no
# certificate option yet: use the HTTP endpoints from the host or netns-exec.sh, which the certificate makes HTTPS
# (https://{SUBNET}.N:8080+N; DIR/sites.env has the URLs and OREP_HTTP_PIN, the key's pin for curl -k --pinnedpubkey):
# /healthz, /readyz and /metrics as they are, the rest as user admin with the cluster secret as password.
USAGE="netns-run.sh N [--data DIR] [--silo PATH] [--timeout S] [-- SILO-OPTIONS...]"
# Options as run-sites.sh's (default data ./orep-netns). stop-sites.sh --data DIR stops the sites; netns-down.sh also
# stops whatever still runs in the namespaces.
set -euo pipefail
source "$(dirname "$0")/common.sh"

[ $# -ge 1 ] || usage_error "the number of sites"
count=$1
shift
is_count "$count" || usage_error "N must be 1..99, not '$count'"
require_root
data=orep-netns
pass=()
while [ $# -gt 0 ]; do
  case $1 in
    --data) data=${2:?--data needs a directory}; shift 2 ;;
    --silo|--timeout) pass+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --) pass+=("$@"); break ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
for ((n = 1; n <= count; n++)); do
  ip netns pids "$(ns_name "$n")" >/dev/null 2>&1 || die "no namespace $(ns_name "$n"): netns-up.sh $count first"
done

"$OREP_LOCAL_DIR/make-credentials.sh" "$data"

exec "$OREP_LOCAL_DIR/run-sites.sh" "$count" --netns --data "$data" --certificate "$data/cluster.pfx" "${pass[@]}"
