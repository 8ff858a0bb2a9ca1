#!/usr/bin/env bash
# Stops the sites run-sites.sh started from one data directory: SIGTERM to each supervisor (which stops its silo with
# SIGTERM: a graceful leave), then waits; whatever is left after the timeout is killed (kill -9 of the supervisor's
# process group). Only processes named in the pid files are signalled, and only while their command line is still
# the supervisor's or the silo's (a stale pid file may name a reused pid).
USAGE="stop-sites.sh [--data DIR] [--timeout S] [SITE...]"
# --data DIR   as given to run-sites.sh (default ./orep-sites).
# --timeout S  how long to wait for a graceful stop before kill -9 (default 30).
# SITE...      stop only these sites (default every site with a pid file).
# Exit codes: 0 every site stopped (or none was running), 1 a process was still there after kill -9, 2 bad usage.
set -euo pipefail
source "$(dirname "$0")/common.sh"

data=orep-sites timeout=30
only=()
while [ $# -gt 0 ]; do
  case $1 in
    --data) data=${2:?--data needs a directory}; shift 2 ;;
    --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
    -h|--help) echo "usage: $USAGE"; exit 0 ;;
    -*) usage_error "unknown option '$1'" ;;
    *) [[ $1 =~ ^[1-9][0-9]*$ ]] || usage_error "a site is a positive number, not '$1'"; only+=("$1"); shift ;;
  esac
done
[[ $timeout =~ ^[0-9]+$ ]] || usage_error "--timeout must be whole seconds, not '$timeout'"
[ -d "$data" ] || { echo "stop-sites: no directory $data: nothing to stop"; exit 0; }
data=$(cd "$data" && pwd)

sites=()
if [ ${#only[@]} -gt 0 ]; then
  sites=("${only[@]}")
else
  for f in "$data"/site-*.supervisor.pid "$data"/site-*.pid; do
    [ -e "$f" ] || continue
    n=${f##*/site-}; n=${n%%.*}
    [[ $n =~ ^[0-9]+$ ]] && sites+=("$n")
  done
  mapfile -t sites < <(printf '%s\n' "${sites[@]}" | sort -nu | sed '/^$/d')
fi
[ ${#sites[@]} -gt 0 ] || { echo "stop-sites: no site runs from $data"; exit 0; }

supervisor_of() { local p; p=$(read_pid "$data/site-$1.supervisor.pid"); pid_matches "$p" supervise-site.sh && echo "$p" || true; }
silo_of() { local p; p=$(read_pid "$data/site-$1.pid"); pid_matches "$p" "--site-id $1 --data $data " && echo "$p" || true; }

for n in "${sites[@]}"; do
  sup=$(supervisor_of "$n") silo=$(silo_of "$n")
  if [ -n "$sup" ]; then
    kill -TERM "$sup" 2>/dev/null || true
  elif [ -n "$silo" ]; then
    kill -TERM "$silo" 2>/dev/null || true  # its supervisor is gone (killed): stop the silo itself
  fi
done

deadline=$((SECONDS + timeout))
left() {
  local n
  for n in "${sites[@]}"; do
    [ -z "$(supervisor_of "$n")$(silo_of "$n")" ] || echo "$n"
  done
}
while [ -n "$(left)" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done

status=0
for n in $(left); do
  echo "stop-sites: site $n did not stop within ${timeout}s: kill -9" >&2
  sup=$(supervisor_of "$n") silo=$(silo_of "$n")
  # The supervisor leads its own process group (run-sites.sh starts it with setsid), which holds its silo.
  if [ -n "$sup" ] && [ "$(ps -o pgid= -p "$sup" | tr -d ' ')" = "$sup" ]; then kill -KILL -- "-$sup" 2>/dev/null || true; fi
  [ -z "$sup" ] || kill -KILL "$sup" 2>/dev/null || true
  [ -z "$silo" ] || kill -KILL "$silo" 2>/dev/null || true
done
kill_deadline=$((SECONDS + 10))
while [ -n "$(left)" ] && [ $SECONDS -lt $kill_deadline ]; do sleep 0.2; done
for n in "${sites[@]}"; do
  if [ -n "$(supervisor_of "$n")$(silo_of "$n")" ]; then
    echo "stop-sites: site $n is still running" >&2
    status=1
  else
    rm -f "$data/site-$n.supervisor.pid" "$data/site-$n.pid"
    echo "stop-sites: site $n stopped"
  fi
done
exit $status
