#!/usr/bin/env bash
# Removes what netns-up.sh made: every {PREFIX}-N namespace (its processes first: SIGTERM, then kill -9 after 15 s;
# they can only be ones started into it, by netns-run.sh or netns-exec.sh), the bridge, the host's FORWARD rule. The
# partition rules live inside the namespaces and go with them. Safe to run again: what is not there is skipped.
USAGE="netns-down.sh"
# Exit codes: 0 nothing of ours is left, 1 something could not be removed.
set -uo pipefail
source "$(dirname "$0")/common.sh"
[ $# -eq 0 ] || usage_error "no arguments (OREP_NETNS_PREFIX picks the set)"
require_root

for n in $(ns_sites); do
  ns=$(ns_name "$n")
  pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
  if [ -n "${pids// /}" ]; then
    echo "netns-down: stopping the processes in $ns: $pids"
    kill -TERM $pids 2>/dev/null
    deadline=$((SECONDS + 15))
    while [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    [ -z "${pids// /}" ] || { echo "netns-down: kill -9 $pids"; kill -KILL $pids 2>/dev/null; sleep 0.5; }
  fi
  ip netns del "$ns" && echo "netns-down: removed $ns"
done

bridge=$(ns_bridge)
if ip link show "$bridge" >/dev/null 2>&1; then
  ip link del "$bridge" && echo "netns-down: removed $bridge"
fi
# veth host ends go with their namespaces; one left (a namespace deleted by hand) is removed here.
for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^$OREP_NETNS_PREFIX-v[0-9]+$"); do
  ip link del "$link"
done
if command -v iptables >/dev/null; then
  while iptables -w -D FORWARD -i "$bridge" -o "$bridge" -m comment --comment "$OREP_NETNS_PREFIX-netns" -j ACCEPT 2>/dev/null; do
    echo "netns-down: removed the host FORWARD rule for $bridge"
  done
fi

status=0
[ -z "$(ns_sites)" ] || { echo "netns-down: namespaces left: $(ns_sites | tr '\n' ' ')" >&2; status=1; }
! ip link show "$bridge" >/dev/null 2>&1 || { echo "netns-down: $bridge is still there" >&2; status=1; }
exit $status
