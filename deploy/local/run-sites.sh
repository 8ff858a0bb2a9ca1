#!/usr/bin/env bash
# Starts N sites of one cluster on this machine, each a supervised silo process in the background, and waits until
# every site answers /readyz. stop-sites.sh stops them.
USAGE="run-sites.sh N [--data DIR] [--silo PATH] [--host IP] [--port-base P] [--certificate FILE] [--timeout S] [--no-wait] [--netns] [-- SILO-OPTIONS...]"
# N                 sites 1..N (at most 99), one group: every site is given the same --sites list.
# --data DIR        everything goes here (default ./orep-sites): site-N/ (data), site-N.log, site-N.pid,
#                   site-N.supervisor.pid, sites.env, and cluster.secret, generated on the first run (0600).
# --silo PATH       the silo: OrleansRep.Silo.dll (run with dotnet), a published OrleansRep.Silo executable, or the
#                   directory holding either. Default $OREP_SILO, else this repository's Release build, else Debug
#                   (`dotnet build silo/OrleansRep.Silo -c Release` makes it).
# --host IP         the address every endpoint listens on (default 127.0.0.1). The silo allows plain TCP on loopback
#                   only: any other address needs --certificate.
# --port-base P     site N listens on P+N (site-to-site), P+100+N (client gateway) and P+200+N (HTTP). Default: the
#                   local cluster's ports, 11110+N, 30000+N and 8080+N.
# --certificate F   the cluster's PKCS#12 certificate (every site serves it and pins it; OREP_CERTIFICATEPASSWORD if
#                   it has a password). The HTTP endpoints are then HTTPS with it, and ask for user admin with the
#                   cluster secret as password everywhere but /healthz, /readyz and /metrics; the readiness checks
#                   pin the certificate's key (openssl reads it; without openssl they use curl -k).
# --timeout S       how long to wait for the sites (default 120).
# --no-wait         start them and return without waiting for /readyz (site 1's /healthz is still awaited when
#                   N > 1, since the others join through it).
# --netns           run site N in network namespace {PREFIX}-N at {SUBNET}.N (netns-up.sh makes them; netns-run.sh
#                   passes this with a certificate). Needs root.
# SILO-OPTIONS      passed to every site (--shards 8, --probe-timeout 00:00:01, ...).
# Needs bash, curl, setsid (util-linux) and od (coreutils); openssl with --certificate.
# Exit codes: 0 every site ready, 1 a site failed to start or was not ready in time (the ones started are stopped
# again and their logs' tails printed), 2 bad usage.
set -euo pipefail
source "$(dirname "$0")/common.sh"

count= data=orep-sites silo=${OREP_SILO:-} host=127.0.0.1 port_base= certificate= timeout=120 wait=1 netns=0
silo_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --data) data=${2:?--data needs a directory}; shift 2 ;;
    --silo) silo=${2:?--silo needs a path}; shift 2 ;;
    --host) host=${2:?--host needs an address}; shift 2 ;;
    --port-base) port_base=${2:?--port-base needs a port}; shift 2 ;;
    --certificate) certificate=${2:?--certificate needs a file}; shift 2 ;;
    --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
    --no-wait) wait=0; shift ;;
    --netns) netns=1; shift ;;
    --) shift; silo_args=("$@"); break ;;
    -h|--help) echo "usage: $USAGE"; exit 0 ;;
    -*) usage_error "unknown option '$1'" ;;
    *) [ -z "$count" ] || usage_error "one site count, not '$count' and '$1'"; count=$1; shift ;;
  esac
done
is_count "${count:-}" || usage_error "N must be a number of sites from 1 to 99, not '${count:-}'"
[[ $timeout =~ ^[1-9][0-9]*$ ]] || usage_error "--timeout must be whole seconds, not '$timeout'"
if [ -n "$port_base" ]; then
  [[ $port_base =~ ^[1-9][0-9]*$ ]] && [ "$port_base" -le $((65535 - 299)) ] || usage_error "--port-base must be 1..65236, not '$port_base'"
fi
[ -z "$certificate" ] || [ -f "$certificate" ] || usage_error "--certificate: no file '$certificate'"
[ "$netns" = 0 ] || require_root

# The silo: a dll runs under dotnet, anything else is a published executable.
find_silo() {
  local candidates=()
  if [ -n "$silo" ]; then
    candidates=("$silo" "$silo/OrleansRep.Silo.dll" "$silo/OrleansRep.Silo")
  else
    candidates=("$OREP_REPO_DIR/silo/OrleansRep.Silo/bin/Release/net10.0/OrleansRep.Silo.dll"
                "$OREP_REPO_DIR/silo/OrleansRep.Silo/bin/Debug/net10.0/OrleansRep.Silo.dll")
  fi
  local c
  for c in "${candidates[@]}"; do
    if [ -f "$c" ] && [[ $c == *.dll ]]; then
      silo_command=("${DOTNET:-dotnet}" "$(cd "$(dirname "$c")" && pwd)/$(basename "$c")"); return 0
    elif [ -f "$c" ] && [ -x "$c" ]; then
      silo_command=("$(cd "$(dirname "$c")" && pwd)/$(basename "$c")"); return 0
    fi
  done
  die "no silo found (${silo:-in this repository}): build it with \`dotnet build silo/OrleansRep.Silo -c Release\` or pass --silo PATH"
}
silo_command=()
find_silo

mkdir -p "$data"
data=$(cd "$data" && pwd)

# One set of sites per data directory: refuse while any of its supervisors still runs.
for ((n = 1; n <= count; n++)); do
  pid=$(read_pid "$data/site-$n.supervisor.pid")
  if [ -n "$pid" ] && pid_matches "$pid" supervise-site.sh; then
    die "site $n already runs from $data (supervisor pid $pid): stop-sites.sh --data $data first"
  fi
done

secret=$data/cluster.secret
if [ ! -s "$secret" ]; then
  # As the local cluster makes it: 32 random bytes as 64 hex characters and a newline, readable by the owner only.
  (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$secret" && echo >>"$secret")
  echo "run-sites: generated the cluster secret $secret"
fi

# With a certificate the silo's HTTP endpoint is HTTPS with it (and asks for the admin's Basic credentials everywhere
# but /healthz, /readyz and /metrics, which the checks below use): curl pins the certificate's key (cert_pin).
scheme=http curl_tls=() pin=
if [ -n "$certificate" ]; then
  scheme=https
  if pin=$(cert_pin "$certificate"); then
    curl_tls=(-k --pinnedpubkey "$pin")
  else
    echo "run-sites: cannot read the public key of $certificate with openssl: the readiness checks take any certificate (curl -k)" >&2
    curl_tls=(-k)
  fi
fi

address() { if [ "$netns" = 1 ]; then ns_address "$1"; else echo "$host"; fi; }
site_port() { if [ -n "$port_base" ]; then echo $((port_base + $1)); else echo $((11110 + $1)); fi; }
gateway_port() { if [ -n "$port_base" ]; then echo $((port_base + 100 + $1)); else echo $((30000 + $1)); fi; }
http_port() { if [ -n "$port_base" ]; then echo $((port_base + 200 + $1)); else echo $((8080 + $1)); fi; }
http_url() { echo "$scheme://$(address "$1"):$(http_port "$1")"; }
# In a namespace, run there (a curl from inside reaches the site as its peers do).
in_site() { local n=$1; shift; if [ "$netns" = 1 ]; then ip netns exec "$(ns_name "$n")" "$@"; else "$@"; fi; }

sites=
gateways=
for ((n = 1; n <= count; n++)); do
  sites+="${sites:+,}$n=$(address "$n"):$(site_port "$n")"
  gateways+="${gateways:+,}$n=$(address "$n"):$(gateway_port "$n")"
  if [ "$netns" = 1 ]; then
    ip netns pids "$(ns_name "$n")" >/dev/null 2>&1 || die "no network namespace $(ns_name "$n"): run netns-up.sh $count first"
  fi
done

{
  echo "# written by run-sites.sh $(date -u +%FT%TZ)"
  echo "OREP_SITE_COUNT=$count"
  echo "OREP_SITES=$sites"
  echo "OREP_GATEWAYS=$gateways"
  echo "OREP_SECRET_FILE=$secret"
  echo "OREP_NETNS=$netns"
  for ((n = 1; n <= count; n++)); do echo "OREP_HTTP_$n=$(http_url "$n")"; done
  # HTTPS (a certificate): curl -k --pinnedpubkey "$OREP_HTTP_PIN" -u "admin:$(cat "$OREP_SECRET_FILE")" ...
  [ -z "$pin" ] || echo "OREP_HTTP_PIN=$pin"
} >"$data/sites.env"

start_site() {
  local n=$1
  local args=(--site-id "$n" --data "$data" --sites "$sites" --secret-file "$secret"
              --site-endpoint "$(address "$n"):$(site_port "$n")"
              --gateway-endpoint "$(address "$n"):$(gateway_port "$n")"
              --http-endpoint "$(address "$n"):$(http_port "$n")")
  [ -z "$certificate" ] || args+=(--certificate "$(cd "$(dirname "$certificate")" && pwd)/$(basename "$certificate")")
  local launcher=()
  [ "$netns" = 0 ] || launcher=(ip netns exec "$(ns_name "$n")")
  rm -f "$data/site-$n.supervisor.pid"
  # setsid: each supervisor leads a process group of its own (with its silo), away from this shell's Ctrl-C. A simple
  # command in the background is exec'd in the forked child (ip netns exec and setsid exec too): nothing lingers here.
  "${launcher[@]}" setsid bash "$OREP_LOCAL_DIR/supervise-site.sh" "$n" "$data" -- \
    "${silo_command[@]}" "${args[@]}" "${silo_args[@]}" </dev/null >/dev/null 2>&1 &
  # The supervisor writes its pid file itself, once it listens for SIGTERM.
  local until=$((SECONDS + 10))
  until site_alive "$n"; do
    [ $SECONDS -lt $until ] || fail "site $n's supervisor did not start"
    sleep 0.05
  done
}

site_alive() { pid_matches "$(read_pid "$data/site-$1.supervisor.pid")" supervise-site.sh; }
answers() { in_site "$1" curl -fsS -m 2 "${curl_tls[@]}" -o /dev/null "$(http_url "$1")$2" 2>/dev/null; }

fail() {
  echo "run-sites: $*" >&2
  for ((n = 1; n <= count; n++)); do
    [ -f "$data/site-$n.log" ] && { echo "----- $data/site-$n.log (last 20 lines)" >&2; tail -n 20 "$data/site-$n.log" >&2; }
  done
  "$OREP_LOCAL_DIR/stop-sites.sh" --data "$data" >&2 || true
  exit 1
}

# Waits (polling, up to the deadline) until every listed site answers $path; fails at once if one's supervisor is gone.
deadline=$((SECONDS + timeout))
wait_for() {
  local path=$1; shift
  local n pending
  while :; do
    pending=()
    for n in "$@"; do
      site_alive "$n" || fail "site $n stopped while starting (exit code in its log)"
      answers "$n" "$path" || pending+=("$n")
    done
    [ ${#pending[@]} -eq 0 ] && return 0
    [ $SECONDS -lt $deadline ] || fail "site(s) ${pending[*]} did not answer $path within ${timeout}s"
    sleep 0.2
  done
}

# Site 1 founds the cluster; the others join through it, so it goes first (as the local cluster does).
start_site 1
if [ "$wait" = 1 ] || [ "$count" -gt 1 ]; then wait_for /healthz 1; fi
for ((n = 2; n <= count; n++)); do start_site "$n"; done
all=($(seq 1 "$count"))
if [ "$wait" = 1 ]; then
  wait_for /readyz "${all[@]}"
  echo "run-sites: $count site(s) ready (data and logs in $data)"
else
  echo "run-sites: $count site(s) started (data and logs in $data)"
fi
for ((n = 1; n <= count; n++)); do
  echo "  site $n: http $(http_url "$n"), gateway $(address "$n"):$(gateway_port "$n"), site-to-site $(address "$n"):$(site_port "$n"), pid $(read_pid "$data/site-$n.pid"), log $data/site-$n.log"
done
echo "  stop: $OREP_LOCAL_DIR/stop-sites.sh --data $data"
