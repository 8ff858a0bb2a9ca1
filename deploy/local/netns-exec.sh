#!/usr/bin/env bash
# Runs a command in site N's namespace, as a process on that host would:
#   netns-exec.sh 1 curl -s http://10.77.0.1:8081/readyz
USAGE="netns-exec.sh N COMMAND [ARGS...]"
set -euo pipefail
source "$(dirname "$0")/common.sh"
[ $# -ge 2 ] || usage_error "a site and a command"
[[ $1 =~ ^[1-9][0-9]?$ ]] || usage_error "'$1' is not a site number"
require_root
ns=$(ns_name "$1")
shift
ip netns pids "$ns" >/dev/null 2>&1 || die "no namespace $ns (netns-up.sh)"
exec ip netns exec "$ns" "$@"
