#!/usr/bin/env bash
# Cuts the network between sites in namespaces (netns-up.sh): every packet from one side to the other is dropped
# (iptables DROP in the receiving namespace's INPUT, both ways), silently, as a failed link or a firewall would: no
# reset, no "unreachable"; established connections stall rather than close.
#   netns-partition.sh A          site A from every other site
#   netns-partition.sh A B        sites A from sites B (each a site or a comma list: 3 1,2)
# Rules go to a chain OREP-PARTITION of each namespace (netns-heal.sh empties it; it goes with the namespace). The
# host ({SUBNET}.254: curl, orep) still reaches every site.
USAGE="netns-partition.sh A [B]   (A, B: site numbers, comma-separated)"
# Exit codes: 0 done, 1 a namespace is missing, 2 bad usage.
set -euo pipefail
source "$(dirname "$0")/common.sh"
[ $# -ge 1 ] && [ $# -le 2 ] || usage_error "one or two sides"
require_root

ns_sides "$@"
[ ${#right[@]} -gt 0 ] || die "no other site to cut $1 from"
for n in "${left[@]}" "${right[@]}"; do
  ip netns pids "$(ns_name "$n")" >/dev/null 2>&1 || die "no namespace $(ns_name "$n") (netns-up.sh)"
done

chain() {
  local n=$1
  ns_iptables "$n" -n -L OREP-PARTITION >/dev/null 2>&1 || ns_iptables "$n" -N OREP-PARTITION
  ns_iptables "$n" -C INPUT -j OREP-PARTITION 2>/dev/null || ns_iptables "$n" -I INPUT 1 -j OREP-PARTITION
}
drop() {  # in namespace $1, drop what comes from site $2 (once)
  local n=$1 from
  from=$(ns_address "$2")
  ns_iptables "$n" -C OREP-PARTITION -s "$from" -j DROP 2>/dev/null || ns_iptables "$n" -A OREP-PARTITION -s "$from" -j DROP
}
for a in "${left[@]}"; do
  for b in "${right[@]}"; do
    chain "$a"; chain "$b"
    drop "$a" "$b"; drop "$b" "$a"
  done
done
echo "netns-partition: sites ${left[*]} cut from sites ${right[*]}"
