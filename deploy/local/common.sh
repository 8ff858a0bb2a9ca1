# Shared by the scripts in deploy/local (sourced, not run). Bash 4+.
#
# Names every script agrees on, so that one script can find what another made:
#   {DATA}/cluster.secret             the cluster secret (0600; 32 random bytes as 64 hex characters)
#   {DATA}/cluster.pfx                the cluster's TLS certificate (netns-run.sh; needed off loopback)
#   {DATA}/site-N/                    site N's data (the silo's own layout: {DataRoot}/site-N)
#   {DATA}/site-N.log                 site N's output, and its supervisor's lines ("orep-supervise: ...")
#   {DATA}/site-N.supervisor.pid      the supervisor (supervise-site.sh; a process group of its own)
#   {DATA}/site-N.pid                 the silo process of the current incarnation
#   {DATA}/sites.env                  the endpoints run-sites.sh chose (sourceable: OREP_HTTP_1=http://... )
# Network namespaces (netns-*.sh): namespace {PREFIX}-N holds site N at {SUBNET}.N, its veth {PREFIX}-vN is a port of
# the bridge {PREFIX}-br0, which has {SUBNET}.254 on the host. PREFIX defaults to "orep" (OREP_NETNS_PREFIX) and
# SUBNET to "10.77.0" (OREP_NETNS_SUBNET), so a second set (a test) can live beside the first.

OREP_NETNS_PREFIX=${OREP_NETNS_PREFIX:-orep}
OREP_NETNS_SUBNET=${OREP_NETNS_SUBNET:-10.77.0}
OREP_LOCAL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OREP_REPO_DIR=$(cd "$OREP_LOCAL_DIR/../.." && pwd)

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
usage_error() { echo "$(basename "$0"): $*" >&2; echo "usage: $USAGE" >&2; exit 2; }

is_count() { [[ $1 =~ ^[1-9][0-9]?$ ]]; }  # 1..99: the port layout leaves room for 99 sites

require_root() { [ "$(id -u)" = 0 ] || die "needs root (network namespaces, veth, iptables); run it with sudo"; }

ns_name() { echo "$OREP_NETNS_PREFIX-$1"; }
ns_address() { echo "$OREP_NETNS_SUBNET.$1"; }
ns_bridge() { echo "$OREP_NETNS_PREFIX-br0"; }

# The site numbers of the namespaces that exist with our prefix, ascending.
ns_sites() {
  ip netns list 2>/dev/null | awk '{print $1}' | sed -n "s/^$OREP_NETNS_PREFIX-\([0-9][0-9]*\)\$/\1/p" | sort -n
}

# The iptables of one namespace (rules there vanish with the namespace).
ns_iptables() { local site=$1; shift; ip netns exec "$(ns_name "$site")" iptables -w "$@"; }

# Whether pid $1 is alive and its command line contains $2 (a pid file can outlive its process, and pids are reused).
pid_matches() {
  local pid=$1 what=$2
  [[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$what"
}

read_pid() { [ -f "$1" ] && tr -dc '0-9' <"$1" || true; }

# The sides of netns-partition.sh and netns-heal.sh: `ns_sides A [B]`, each a site number or a comma list ("3",
# "1,2"); A alone means A and every other site that has a namespace. Sets the arrays `left` and `right`. Bad input is a
# usage error (exit 2) before anything is changed; checked here, not in a subshell, so that the exit stops the script.
ns_sides() {
  local side a b
  for side in "$@"; do
    [[ $side =~ ^[1-9][0-9]?(,[1-9][0-9]?)*$ ]] || usage_error "'$side' is not a site or a comma list of sites"
  done
  IFS=, read -ra left <<<"$1"
  if [ $# -ge 2 ]; then
    IFS=, read -ra right <<<"$2"
  else
    mapfile -t right < <(ns_sites | grep -vxF -f <(printf '%s\n' "${left[@]}") || true)
  fi
  for a in "${left[@]}"; do for b in "${right[@]}"; do
    [ "$a" != "$b" ] || usage_error "site $a is on both sides"
  done; done
}

# The curl pin of a PKCS#12 certificate's public key (sha256//BASE64, for --pinnedpubkey), its password from
# OREP_CERTIFICATEPASSWORD as the silo takes it. A site with a certificate serves HTTPS with it: self-signed, naming no
# host, so a client checks it as the sites check each other, by the key (curl -k skips the CA and host name checks,
# and still enforces --pinnedpubkey). Fails (status 1) without openssl or with a file it cannot read.
cert_pin() {
  command -v openssl >/dev/null || return 1
  local pin legacy
  # -legacy: a PKCS#12 file encrypted with RC2 (older exporters) needs OpenSSL 3's legacy provider.
  for legacy in "" -legacy; do
    # pipefail: a wrong password or a file that is no PKCS#12 fails the pipe (not the digest of nothing).
    if pin=$(set -o pipefail
             OREP_PIN_PASSWORD=${OREP_CERTIFICATEPASSWORD:-} openssl pkcs12 $legacy -in "$1" -nokeys -passin env:OREP_PIN_PASSWORD 2>/dev/null \
               | openssl x509 -noout -pubkey 2>/dev/null | openssl pkey -pubin -outform der 2>/dev/null \
               | openssl dgst -sha256 -binary | base64); then
      echo "sha256//$pin"
      return 0
    fi
  done
  return 1
}
