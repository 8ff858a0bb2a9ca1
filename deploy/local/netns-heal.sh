#!/usr/bin/env bash
# Undoes netns-partition.sh.
#   netns-heal.sh          every partition (empties OREP-PARTITION in every namespace)
#   netns-heal.sh A [B]    only between A and B (as netns-partition.sh takes them; A alone: A and every other site)
USAGE="netns-heal.sh [A [B]]"
# Exit codes: 0 done, 2 bad usage.
set -euo pipefail
source "$(dirname "$0")/common.sh"
[ $# -le 2 ] || usage_error "at most two sides"
require_root

if [ $# -eq 0 ]; then
  for n in $(ns_sites); do
    ns_iptables "$n" -F OREP-PARTITION 2>/dev/null || true
  done
  echo "netns-heal: every partition healed"
  exit 0
fi

ns_sides "$@"
undrop() {  # in namespace $1, stop dropping what comes from site $2
  while ns_iptables "$1" -D OREP-PARTITION -s "$(ns_address "$2")" -j DROP 2>/dev/null; do :; done
}
for a in "${left[@]}"; do
  for b in "${right[@]}"; do
    undrop "$a" "$b"; undrop "$b" "$a"
  done
done
echo "netns-heal: sites ${left[*]} and ${right[*]} reconnected"
