#!/usr/bin/env bash
# cluster-vs-bdb.sh - run the Berkeley DB 5.3 replication baseline (bdbbench rep: 3 sites, repmgr, QUORUM acks,
# durable commits, TCP_NODELAY) and the OrleansRep cluster benchmark (orep bench cluster: 3 silo processes it starts
# itself) in the same sitting on this machine, then print the ratios against the targets:
#
#   quorum_commit_64c ops/s    >= 5 x BDB master commits/s with 64 threads (rep_put_t64)
#   quorum_commit_64c p99      <= 20 ms
#   quorum_commit_1c p50       <= 1.2 x BDB 1-thread commit p50 (rep_put_t1)
#   quorum_commit_1c p99       <= 2 ms
#
#   deploy/bench/cluster-vs-bdb.sh            # BDB --n 20000, orep 10 s phases
#   deploy/bench/cluster-vs-bdb.sh --quick    # BDB --n 2000, orep --quick (2 s phases), for a smoke check
#
# Options:
#   --quick        smaller runs on both sides
#   --out DIR      results directory (default /tmp/orep-bench/cluster-<UTC timestamp>)
#   -h, --help     this text
#
# Environment:
#   OREP_BENCH_CMD  overrides the orep command. It is a shell command prefix; the script appends `--json [--quick]`
#                   and runs it with bash -c. Default: build client/OrleansRep.Cli in Release, then
#                   `dotnet <orep.dll> bench cluster` (OrleansRep.Silo.dll is built beside it).
#   BDB_SRC         bdbbench sources (default: <repo>/../shared/bench/bdb). Never modified.
#   BDB_BUILD       where make puts the binary (default /tmp/bdbbench/bin, as in its Makefile).
#
# Output: the table on stdout and in <out>/table.txt; raw logs (bdb.log, orep.log, orep.stderr), env.txt and
# summary.json in <out>. bdbbench keeps its data in /tmp/bdbbench/rep; orep bench cluster uses a temporary directory
# it deletes itself.
#
# Exit status: 0 when every target is met, 3 when any is missed or missing, 1 on errors.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BDB_SRC=${BDB_SRC:-$ROOT/../shared/bench/bdb}
BDB_BUILD=${BDB_BUILD:-/tmp/bdbbench/bin}
BDB_BIN=$BDB_BUILD/bdbbench

die() { echo "cluster-vs-bdb: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

QUICK=0
OUT=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done

if [ "$QUICK" = 1 ]; then
  BDB_ARGS=(rep --n 2000 --threads 64 --ack quorum --durable --nodelay)
  OREP_EXTRA=(--quick)
else
  BDB_ARGS=(rep --n 20000 --threads 64 --ack quorum --durable --nodelay)
  OREP_EXTRA=()
fi

OUT=${OUT:-/tmp/orep-bench/cluster-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# ---------------------------------------------------------------- dependencies
need=()
have_pkg() { command -v dpkg-query >/dev/null 2>&1 && dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
{ command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1; } || need+=(build-essential)
if command -v dpkg-query >/dev/null 2>&1; then
  have_pkg libdb5.3-dev || need+=(libdb5.3-dev)
else
  [ -f /usr/include/db.h ] || need+=(libdb5.3-dev)
fi
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    die "missing ${need[*]}; install them (apt-get install -y ${need[*]}) or run as root"
  fi
fi

# ---------------------------------------------------------------- build
[ -f "$BDB_SRC/bdbbench.c" ] || die "bdbbench sources not found in $BDB_SRC (set BDB_SRC)"
log "building bdbbench from $BDB_SRC -> $BDB_BIN"
make -s -C "$BDB_SRC" BUILD="$BDB_BUILD" > "$OUT/bdb-build.log" 2>&1 || { cat "$OUT/bdb-build.log" >&2; die "bdbbench build failed"; }
[ -x "$BDB_BIN" ] || die "no binary at $BDB_BIN after make"

if [ -n "${OREP_BENCH_CMD:-}" ]; then
  OREP_DESC="OREP_BENCH_CMD: $OREP_BENCH_CMD"
  OREP_CMD=(bash -c "$OREP_BENCH_CMD"' "$@"' orep-bench)
else
  command -v dotnet >/dev/null 2>&1 || die "dotnet not found (install the .NET 10 SDK or set OREP_BENCH_CMD)"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  log "building client/OrleansRep.Cli (Release; it builds silo/OrleansRep.Silo beside it)"
  dotnet build "$ROOT/client/OrleansRep.Cli" -c Release -nologo -v q > "$OUT/orep-build.log" 2>&1 \
    || { tail -30 "$OUT/orep-build.log" >&2; die "dotnet build failed (log: $OUT/orep-build.log)"; }
  OREP_DLL=$(dotnet msbuild "$ROOT/client/OrleansRep.Cli" -nologo -getProperty:TargetPath -p:Configuration=Release | tail -1)
  [ -f "$OREP_DLL" ] || die "built assembly not found: $OREP_DLL"
  OREP_DESC="dotnet $OREP_DLL bench cluster"
  OREP_CMD=(dotnet "$OREP_DLL" bench cluster)
fi

{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(hostname)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "nproc: $(nproc)"
  echo "loadavg_before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "repo: $ROOT @ $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (dirty)')"
  echo "mode: $([ "$QUICK" = 1 ] && echo quick || echo full)"
  echo "bdb_cmd: $BDB_BIN ${BDB_ARGS[*]}"
  echo "orep_cmd: $OREP_DESC --json ${OREP_EXTRA[*]:-}"
} > "$OUT/env.txt"

# ---------------------------------------------------------------- runs
log "$BDB_BIN ${BDB_ARGS[*]}"
timeout 1800 "$BDB_BIN" "${BDB_ARGS[@]}" > "$OUT/bdb.log" 2>&1 || { tail -n 20 "$OUT/bdb.log" >&2; die "bdbbench failed (log: $OUT/bdb.log)"; }
grep -o 'phase=rep_put_t[0-9]*.*' "$OUT/bdb.log" >&2 || true

log "${OREP_CMD[*]} --json ${OREP_EXTRA[*]:-}"
# orep exits 1 when a phase had errors: the JSON is still printed and the table shows the errors.
set +e
timeout 1800 "${OREP_CMD[@]}" --json ${OREP_EXTRA[@]+"${OREP_EXTRA[@]}"} > "$OUT/orep.log" 2> "$OUT/orep.stderr"
orep_rc=$?
set -e
[ "$orep_rc" = 0 ] || [ "$orep_rc" = 1 ] || { tail -n 20 "$OUT/orep.stderr" >&2; die "orep bench cluster failed with $orep_rc (logs: $OUT/orep.log, $OUT/orep.stderr)"; }

# ---------------------------------------------------------------- compare
set +e
python3 - "$OUT" <<'PY' | tee "$OUT/table.txt"
import json, re, sys

out = sys.argv[1]

def bdb_phases(path):
    res = {}
    for line in open(path, errors="replace"):
        m = re.search(r"phase=(\S+)(.*)", line)
        if m:
            kv = dict(t.split("=", 1) for t in ("phase=" + m.group(1) + m.group(2)).split() if "=" in t)
            res[kv["phase"]] = kv
    return res

def orep_phases(path):
    last = None
    for line in open(path, errors="replace"):
        if line.lstrip().startswith("{"):
            last = line.strip()
    if last is None:
        sys.exit("orep output %s has no JSON line" % path)
    return {p["name"]: p for p in json.loads(last).get("phases", [])}

bdb, orep = bdb_phases(out + "/bdb.log"), orep_phases(out + "/orep.log")
num = lambda d, k: float(d[k]) if d is not None and k in d else None
b64, b1 = bdb.get("rep_put_t64"), bdb.get("rep_put_t1")
o64, o1 = orep.get("quorum_commit_64c"), orep.get("quorum_commit_1c")

# (check, OrleansRep figure, BDB figure, value compared, target, passes)
checks = []
def check(name, ours, theirs, value, target, ok):
    verdict = "MISSING" if value is None else ("PASS" if ok(value) else "FAIL")
    checks.append(dict(check=name, orep=ours, bdb=theirs, value=value, target=target, verdict=verdict))

o64_ops, b64_ops = num(o64, "ops_per_sec"), num(b64, "ops_per_sec")
check("quorum_commit_64c ops/s vs BDB 64-thr commits/s", o64_ops, b64_ops,
      o64_ops / b64_ops if o64_ops is not None and b64_ops else None, ">= 5x", lambda r: r >= 5)
o64_p99 = num(o64, "p99_us")
check("quorum_commit_64c p99 us", o64_p99, num(b64, "p99_us"), o64_p99, "<= 20000 us", lambda v: v <= 20000)
o1_p50, b1_p50 = num(o1, "p50_us"), num(b1, "p50_us")
check("quorum_commit_1c p50 vs BDB 1-thr p50", o1_p50, b1_p50,
      o1_p50 / b1_p50 if o1_p50 is not None and b1_p50 else None, "<= 1.2x", lambda r: r <= 1.2)
o1_p99 = num(o1, "p99_us")
check("quorum_commit_1c p99 us", o1_p99, num(b1, "p99_us"), o1_p99, "<= 2000 us", lambda v: v <= 2000)

env = dict(l.rstrip("\n").split(": ", 1) for l in open(out + "/env.txt") if ": " in l)
print(f"OrleansRep cluster vs Berkeley DB 5.3 repmgr ({env.get('mode')}) - {env.get('date_utc')}, nproc={env.get('nproc')}")
print(f"BDB:  {env.get('bdb_cmd')}")
print(f"orep: {env.get('orep_cmd')}")
print()
fmt = lambda x, nd=0: "-" if x is None else f"{x:,.{nd}f}"
rows = [(c["check"], fmt(c["orep"]), fmt(c["bdb"]), fmt(c["value"], 2), c["target"], c["verdict"]) for c in checks]
hdr = ("check", "OrleansRep", "BDB", "value", "target", "result")
w = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
line = lambda r: "  ".join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i]) for i, c in enumerate(r))
print(line(hdr)); print("  ".join("-" * n for n in w))
for r in rows:
    print(line(r))
print()
print("every orep phase (ops/s, p50/p99/p999 us, perm_failed, errors):")
for name, p in orep.items():
    print(f"  {name:<18} {fmt(p['ops_per_sec']):>10}  {fmt(p['p50_us'])} / {fmt(p['p99_us'])} / {fmt(p.get('p999_us'))}  perm_failed {p.get('perm_failed', '-')}  errors {p.get('errors', '-')}")
print("BDB rep phases (ops/s, p50/p99 us, perm_failed):")
for name in sorted(n for n in bdb if n.startswith("rep_put_")):
    p = bdb[name]
    print(f"  {name:<18} {fmt(num(p, 'ops_per_sec')):>10}  {fmt(num(p, 'p50_us'))} / {fmt(num(p, 'p99_us'))}  perm_failed {p.get('perm_failed', '-')}")
failed = sum(c["verdict"] != "PASS" for c in checks)
print()
print(f"{len(checks) - failed}/{len(checks)} targets met")
json.dump(dict(env=env, checks=checks, orep=orep, bdb={k: v for k, v in bdb.items() if k.startswith("rep_put_")}),
          open(out + "/summary.json", "w"), indent=2)
sys.exit(3 if failed else 0)
PY
rc=${PIPESTATUS[0]}
set -e
echo "results: $OUT"
[ "$rc" = 0 ] || [ "$rc" = 3 ] || die "comparison failed (rc=$rc)"
exit "$rc"
