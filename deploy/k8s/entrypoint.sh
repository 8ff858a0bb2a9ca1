#!/usr/bin/env bash
# Starts one site of a StatefulSet (statefulset.yaml mounts this from the ConfigMap orep-entrypoint):
#   pod {SET}-{ORDINAL} is site ORDINAL+1; --sites lists {SET}-0..{SET}-(OREP_REPLICAS-1) of the headless Service
#   (their DNS names {SET}-J.{SERVICE}.{NAMESPACE}.svc.{DOMAIN}, resolved to addresses: the silo takes ip:port only).
# The silo binds a site id to its endpoint for good (a peer learns it once), so the pods need stable addresses:
# statefulset.yaml uses the node's network (hostNetwork), one site per node, data on the node's disk. The group this
# site was first started with is kept in {DATA}/k8s-sites and reused on every restart (a peer that is down then does
# not hold it up); a pod that comes back at another address is refused (exit 2) rather than let in under a name its
# peers know at the old one.
# Environment (statefulset.yaml sets them): POD_NAME, POD_NAMESPACE, POD_IP (downward API), OREP_REPLICAS (= the
# StatefulSet's replicas), and from the ConfigMap orep-options: OREP_SERVICE (default the set's name),
# OREP_CLUSTER_DOMAIN (cluster.local), OREP_SITE_PORT (11111), OREP_GATEWAY_PORT (30000), OREP_HTTP_PORT (8080),
# OREP_DATAROOT (/var/lib/orleansrep), OREP_SECRET_DIR (/etc/orleansrep/secret: cluster.secret and cluster.pfx),
# OREP_DNS_WAIT (seconds to wait for every peer's DNS name on the first start, 600), OREP_FOUND_WAIT (seconds a site
# other than site 1 waits for a peer to answer before starting, so that site 1 founds the cluster; 120), OREP_SILO
# (/app/OrleansRep.Silo, or a .dll run with dotnet) and any other OREP_* option of the silo (OREP_SHARDS, ...).
# Exit codes: the silo's, or 2 when the pod's configuration cannot make a site (the silo's "bad configuration").
set -euo pipefail

fail() { echo "orep-entrypoint: $*" >&2; exit 2; }

name=${POD_NAME:-$(hostname)}
ordinal=${name##*-}
set_name=${name%-*}
[[ $ordinal =~ ^[0-9]+$ ]] && [ "$set_name" != "$name" ] || fail "pod name '$name' is not {statefulset}-{ordinal}"
site=$((ordinal + 1))
replicas=${OREP_REPLICAS:-}
[[ $replicas =~ ^[1-9][0-9]*$ ]] || fail "OREP_REPLICAS must be the StatefulSet's replicas, not '$replicas'"
[ "$ordinal" -lt "$replicas" ] || fail "pod $name is beyond OREP_REPLICAS=$replicas (scaling up: add the site with --join and orep sites add)"
service=${OREP_SERVICE:-$set_name}
namespace=${POD_NAMESPACE:-default}
domain=${OREP_CLUSTER_DOMAIN:-cluster.local}
site_port=${OREP_SITE_PORT:-11111}
gateway_port=${OREP_GATEWAY_PORT:-30000}
http_port=${OREP_HTTP_PORT:-8080}
data=${OREP_DATAROOT:-/var/lib/orleansrep}
secrets=${OREP_SECRET_DIR:-/etc/orleansrep/secret}
self_ip=${POD_IP:-}
[ -n "$self_ip" ] || fail "POD_IP is not set (downward API status.podIP)"

# The Secret orep-cluster must hold real credentials (secret.yaml ships empty ones on purpose).
[ -s "$secrets/cluster.secret" ] || fail "$secrets/cluster.secret is missing or empty: create the Secret orep-cluster (deploy/README.md)"
[ -s "$secrets/cluster.pfx" ] || fail "$secrets/cluster.pfx is missing or empty: create the Secret orep-cluster (deploy/README.md)"

resolve() { getent ahostsv4 "$1" 2>/dev/null | awk '{print $1; exit}'; }

mkdir -p "$data"
group_file=$data/k8s-sites
if [ -s "$group_file" ]; then
  sites=$(cat "$group_file")
  recorded=$(tr ',' '\n' <<<"$sites" | sed -n "s/^$site=\([^:]*\):.*/\1/p")
  [ "$recorded" = "$self_ip" ] || fail "site $site was created at $recorded and this pod is at $self_ip: its peers know it at $recorded for good (keep the pod on its node, or replace the site: deploy/README.md)"
  echo "orep-entrypoint: site $site of $name, group from $group_file: $sites"
else
  deadline=$((SECONDS + ${OREP_DNS_WAIT:-600}))
  while :; do
    sites= missing=
    for ((j = 0; j < replicas; j++)); do
      if [ "$j" = "$ordinal" ]; then
        ip=$self_ip
      else
        ip=$(resolve "$set_name-$j.$service.$namespace.svc.$domain")
      fi
      [ -n "$ip" ] || missing+=" $set_name-$j"
      sites+="${sites:+,}$((j + 1))=$ip:$site_port"
    done
    [ -z "$missing" ] && break
    [ $SECONDS -lt $deadline ] || { echo "orep-entrypoint: no address for$missing in ${OREP_DNS_WAIT:-600}s" >&2; exit 1; }
    echo "orep-entrypoint: waiting for the DNS names of$missing ($service is headless with publishNotReadyAddresses)"
    sleep 2
  done
  echo "$sites" >"$group_file"
  echo "orep-entrypoint: site $site of $name, group $sites (kept in $group_file)"
fi

# Site 1 founds the cluster; another site first waits (bounded) until a peer answers on its HTTP port, as the local
# cluster starts site 1 first: sites starting at once must not each found one of their own.
peer_answers() {
  local entry
  for entry in ${sites//,/ }; do
    [ "${entry%%=*}" = "$site" ] && continue
    entry=${entry#*=}
    timeout 2 bash -c "exec 3<>/dev/tcp/${entry%:*}/$http_port" 2>/dev/null && return 0
  done
  return 1
}
if [ "$site" != 1 ]; then
  deadline=$((SECONDS + ${OREP_FOUND_WAIT:-120}))
  until peer_answers; do
    if [ $SECONDS -ge $deadline ]; then echo "orep-entrypoint: no peer answered in ${OREP_FOUND_WAIT:-120}s: starting anyway"; break; fi
    sleep 1
  done
fi

silo=${OREP_SILO:-/app/OrleansRep.Silo}
command=("$silo")
[[ $silo == *.dll ]] && command=(dotnet "$silo")
exec "${command[@]}" --site-id "$site" --sites "$sites" --data "$data" \
  --site-endpoint "$self_ip:$site_port" --gateway-endpoint "$self_ip:$gateway_port" --http-endpoint "$self_ip:$http_port" \
  --secret-file "$secrets/cluster.secret" --certificate "$secrets/cluster.pfx" "$@"
