#!/usr/bin/env bash
# Makes N network namespaces to run N sites as separate hosts on this machine (root only):
#   {PREFIX}-N   one namespace per site, lo up, address {SUBNET}.N/24 on its end of a veth pair
#   {PREFIX}-br0 the bridge joining the host ends ({PREFIX}-vN), with {SUBNET}.254/24: the host reaches every site
# PREFIX is $OREP_NETNS_PREFIX (default orep), SUBNET $OREP_NETNS_SUBNET (default 10.77.0). netns-down.sh removes it all.
USAGE="netns-up.sh N"
# Exit codes: 0 made (and every namespace pings the bridge), 1 failed (what was made is removed again), 2 bad usage.
set -euo pipefail
source "$(dirname "$0")/common.sh"

[ $# -eq 1 ] || usage_error "one argument, the number of sites"
count=$1
is_count "$count" || usage_error "N must be 1..99, not '$count'"
[[ $OREP_NETNS_SUBNET =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "OREP_NETNS_SUBNET must be three octets (10.77.0), not '$OREP_NETNS_SUBNET'"
[ ${#OREP_NETNS_PREFIX} -le 8 ] && [[ $OREP_NETNS_PREFIX =~ ^[a-z][a-z0-9]*$ ]] || die "OREP_NETNS_PREFIX must be 1-8 lowercase letters/digits (interface names are at most 15 characters)"
require_root
command -v ip >/dev/null || die "needs iproute2 (ip)"
command -v iptables >/dev/null || die "needs iptables (apt-get install iptables): netns-partition.sh drops packets with it"

bridge=$(ns_bridge)
if ip link show "$bridge" >/dev/null 2>&1 || [ -n "$(ns_sites)" ]; then
  die "$bridge or $OREP_NETNS_PREFIX-N namespaces exist already: netns-down.sh first (or another OREP_NETNS_PREFIX)"
fi

cleanup_on_error() { echo "netns-up: failed; removing what was made" >&2; "$OREP_LOCAL_DIR/netns-down.sh" >&2 || true; }
trap cleanup_on_error ERR

ip link add "$bridge" type bridge
ip addr add "$OREP_NETNS_SUBNET.254/24" dev "$bridge"
ip link set "$bridge" up
# With br_netfilter loaded, bridged packets go through the host's FORWARD chain, whose policy may be DROP (Docker sets
# it): let the bridge's own traffic pass. Tagged, so netns-down.sh removes exactly this rule.
if [ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo 0)" = 1 ]; then
  iptables -w -I FORWARD -i "$bridge" -o "$bridge" -m comment --comment "$OREP_NETNS_PREFIX-netns" -j ACCEPT
fi

for ((n = 1; n <= count; n++)); do
  ns=$(ns_name "$n")
  ip netns add "$ns"
  ip link add "$OREP_NETNS_PREFIX-v$n" type veth peer name eth0 netns "$ns"
  ip link set "$OREP_NETNS_PREFIX-v$n" master "$bridge" up
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip addr add "$(ns_address "$n")/24" dev eth0
  ip netns exec "$ns" ip link set eth0 up
done

# The links are up once each namespace reaches the bridge (a new bridge port may take a moment to forward).
if command -v ping >/dev/null; then
  for ((n = 1; n <= count; n++)); do
    ok=0
    for _ in $(seq 1 50); do
      if ip netns exec "$(ns_name "$n")" ping -c 1 -W 1 "$OREP_NETNS_SUBNET.254" >/dev/null 2>&1; then ok=1; break; fi
      sleep 0.1
    done
    [ "$ok" = 1 ] || { echo "netns-up: $(ns_name "$n") cannot reach $OREP_NETNS_SUBNET.254" >&2; false; }
  done
fi
trap - ERR
echo "netns-up: $count namespace(s) $(ns_name 1)..$(ns_name "$count") at $(ns_address 1)..$(ns_address "$count"), bridge $bridge ($OREP_NETNS_SUBNET.254)"
