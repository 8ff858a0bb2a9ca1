#!/usr/bin/env bash
# engine-vs-bdb.sh - run the Berkeley DB 5.3 baseline (bdbbench local) and the OrleansRep engine
# benchmark (orep bench engine) back to back on this machine, then print ops/s ratios against targets.
#
#   deploy/bench/engine-vs-bdb.sh            # full sizes (~30-60 s for BDB, plus the engine run)
#   deploy/bench/engine-vs-bdb.sh --quick    # 1/10 sizes, for a smoke check
#   deploy/bench/engine-vs-bdb.sh --runs 3   # 3 alternating BDB/engine runs, medians per phase
#
# Options:
#   --quick        smaller sizes on both sides (BDB: --n-nosync 50000 --n-sync 2000 --n-sync-mt 6400
#                  --mt-threads 64 --n-get 200000; engine: --quick)
#   --runs N       run each side N times (alternating BDB, engine) and compare medians (default 1)
#   --out DIR      results directory (default /tmp/orep-bench/<UTC timestamp>)
#   -h, --help     this text
#
# Environment:
#   OREP_BENCH_CMD  overrides the engine command. It is a shell command prefix; the script appends
#                   `--home <fresh tmp dir> --json [--quick]` and runs it with bash -c. Default: build
#                   client/OrleansRep.Cli in Release, then `dotnet <orep.dll> bench engine`, which is
#                   `dotnet run -c Release --project client/OrleansRep.Cli -- bench engine` without the
#                   dotnet-run host process (that host would add ~115-190 MB to the measured peak RSS).
#   BDB_SRC         bdbbench sources (default: <repo>/../shared/bench/bdb). Never modified.
#   BDB_BUILD       where make puts the binary (default /tmp/bdbbench/bin, as in its Makefile).
#
# Output: the table on stdout and in <out>/table.txt; raw logs (bdb.<run>.log, engine.<run>.log,
# engine.<run>.stderr, *.time from /usr/bin/time -v), env.txt and summary.json in <out>.
# bdbbench keeps its data in /tmp/bdbbench/local (wiped at its start); the engine gets a fresh
# mktemp dir under ${TMPDIR:-/tmp}, removed afterwards.
#
# Exit status: 0 when every phase passes, 3 when any phase fails or is missing, 1 on errors.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BDB_SRC=${BDB_SRC:-$ROOT/../shared/bench/bdb}
BDB_BUILD=${BDB_BUILD:-/tmp/bdbbench/bin}
BDB_BIN=$BDB_BUILD/bdbbench

die() { echo "engine-vs-bdb: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

QUICK=0
RUNS=1
OUT=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; RUNS=$2; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"

if [ "$QUICK" = 1 ]; then
  BDB_ARGS=(--n-nosync 50000 --n-sync 2000 --n-sync-mt 6400 --mt-threads 64 --n-get 200000)
  ENGINE_EXTRA=(--quick)
else
  BDB_ARGS=(--n-nosync 500000 --n-sync 20000 --n-sync-mt 64000 --mt-threads 64 --n-get 2000000 --cache-mb 256)
  ENGINE_EXTRA=()
fi

OUT=${OUT:-/tmp/orep-bench/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# ---------------------------------------------------------------- dependencies
need=()
have_pkg() { command -v dpkg-query >/dev/null 2>&1 && dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
{ command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1; } || need+=(build-essential)
if command -v dpkg-query >/dev/null 2>&1; then
  have_pkg libdb5.3-dev || need+=(libdb5.3-dev)
  have_pkg db5.3-util || need+=(db5.3-util)
else
  [ -f /usr/include/db.h ] || need+=(libdb5.3-dev)
fi
[ -x /usr/bin/time ] || need+=(time)
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
  ENGINE_DESC="OREP_BENCH_CMD: $OREP_BENCH_CMD"
  ENGINE_CMD=(bash -c "$OREP_BENCH_CMD"' "$@"' orep-bench)
else
  command -v dotnet >/dev/null 2>&1 || die "dotnet not found (install the .NET 10 SDK or set OREP_BENCH_CMD)"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  log "building client/OrleansRep.Cli (Release)"
  dotnet build "$ROOT/client/OrleansRep.Cli" -c Release -nologo -v q > "$OUT/engine-build.log" 2>&1 \
    || { tail -30 "$OUT/engine-build.log" >&2; die "dotnet build failed (log: $OUT/engine-build.log)"; }
  ENGINE_DLL=$(dotnet msbuild "$ROOT/client/OrleansRep.Cli" -nologo -getProperty:TargetPath -p:Configuration=Release | tail -1)
  [ -f "$ENGINE_DLL" ] || die "built assembly not found: $ENGINE_DLL"
  ENGINE_DESC="dotnet $ENGINE_DLL bench engine   (= dotnet run -c Release --project client/OrleansRep.Cli -- bench engine)"
  ENGINE_CMD=(dotnet "$ENGINE_DLL" bench engine)
fi

# ---------------------------------------------------------------- environment record
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(hostname)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "nproc: $(nproc)"
  echo "mem: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "tmp_fs: $(findmnt -n -o SOURCE,FSTYPE -T "${TMPDIR:-/tmp}" 2>/dev/null || echo '?')"
  echo "loadavg_before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "repo: $ROOT @ $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (dirty)')"
  echo "dotnet: $(dotnet --version 2>/dev/null || echo '-')"
  echo "mode: $([ "$QUICK" = 1 ] && echo quick || echo full), runs: $RUNS"
  echo "bdb_cmd: $BDB_BIN local ${BDB_ARGS[*]}"
  echo "engine_cmd: $ENGINE_DESC --home <fresh tmp dir> --json ${ENGINE_EXTRA[*]:-}"
} > "$OUT/env.txt"

# ---------------------------------------------------------------- runs
HOME_DIR=
cleanup() { if [ -n "$HOME_DIR" ] && [ -d "$HOME_DIR" ]; then rm -rf "$HOME_DIR"; fi; }
trap cleanup EXIT

for r in $(seq 1 "$RUNS"); do
  log "run $r/$RUNS: $BDB_BIN local ${BDB_ARGS[*]}"
  t0=$(date +%s.%N)
  if ! /usr/bin/time -v -o "$OUT/bdb.$r.time" timeout 1800 "$BDB_BIN" local "${BDB_ARGS[@]}" > "$OUT/bdb.$r.log" 2>&1; then
    tail -n 20 "$OUT/bdb.$r.log" >&2
    die "bdbbench failed (log: $OUT/bdb.$r.log)"
  fi
  log "bdbbench done in $(python3 -c "import sys; print('%.1f s' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)")"
  grep '^phase=' "$OUT/bdb.$r.log" >&2 || true

  HOME_DIR=$(mktemp -d "${TMPDIR:-/tmp}/orep-bench-home.XXXXXX")
  log "run $r/$RUNS: engine --home $HOME_DIR --json ${ENGINE_EXTRA[*]:-}"
  t0=$(date +%s.%N)
  if ! /usr/bin/time -v -o "$OUT/engine.$r.time" timeout 1800 "${ENGINE_CMD[@]}" --home "$HOME_DIR" --json ${ENGINE_EXTRA[@]+"${ENGINE_EXTRA[@]}"} > "$OUT/engine.$r.log" 2> "$OUT/engine.$r.stderr"; then
    tail -n 20 "$OUT/engine.$r.log" "$OUT/engine.$r.stderr" >&2
    die "engine benchmark failed (logs: $OUT/engine.$r.log, $OUT/engine.$r.stderr)"
  fi
  log "engine done in $(python3 -c "import sys; print('%.1f s' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)")"
  rm -rf "$HOME_DIR"; HOME_DIR=
done

# ---------------------------------------------------------------- compare
set +e
python3 - "$OUT" "$RUNS" <<'PY' | tee "$OUT/table.txt"
import json, re, statistics, sys

out, runs = sys.argv[1], int(sys.argv[2])

# (our phase, BDB phase matcher, BDB description, target ratio ours/BDB)
MAP = [
    ("get_1t",          lambda p: p == "local_get_t1",            "get random, 1 thr",  2.0),
    ("get_2t",          lambda p: p == "local_get_t2",            "get random, 2 thr",  2.0),
    ("put_nosync",      lambda p: p == "local_put_nosync_t1",     "put, 1 thr, NOSYNC", 1.5),
    ("commit_sync_1w",  lambda p: p == "local_put_sync_t1",       "put, 1 thr, sync",   0.9),
    ("commit_sync_64w", lambda p: re.fullmatch(r"local_put_sync_t(\d+)", p) is not None
                                  and p != "local_put_sync_t1",   "put, 64 thr, sync",  5.0),
    ("scan",            lambda p: p == "local_scan_bulk",         "cursor scan (recs)", 1.0),
]

def bdb_phases(path):
    res = {}
    for line in open(path, errors="replace"):
        if line.startswith("phase="):
            kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
            res[kv["phase"]] = kv
    return res

def engine_phases(path):
    last = None
    for line in open(path, errors="replace"):
        if line.lstrip().startswith("{"):
            last = line.strip()
    if last is None:
        sys.exit("engine output %s has no JSON line" % path)
    try:
        doc = json.loads(last)
    except ValueError as e:
        sys.exit("engine JSON in %s does not parse: %s" % (path, e))
    return {p["name"]: p for p in doc.get("phases", [])}

def peak_rss_kb(path):
    for line in open(path, errors="replace"):
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1])
    return None

def med(vals):
    vals = [float(v) for v in vals if v is not None]
    return statistics.median(vals) if vals else None

bdb = [bdb_phases("%s/bdb.%d.log" % (out, r)) for r in range(1, runs + 1)]
eng = [engine_phases("%s/engine.%d.log" % (out, r)) for r in range(1, runs + 1)]

def bdb_get(run, match, field):
    for name, kv in run.items():
        if match(name):
            return kv.get(field)
    return None

def fmt(x, nd=0):
    if x is None:
        return "-"
    return f"{x:,.{nd}f}"

rows, summary, failed = [], [], 0
for ours, match, desc, target in MAP:
    e_ops = med(r.get(ours, {}).get("ops_per_sec") for r in eng)
    b_ops = med(bdb_get(r, match, "ops_per_sec") for r in bdb)
    bdb_name = next((n for n in bdb[0] if match(n)), None)
    ratio = e_ops / b_ops if e_ops is not None and b_ops else None
    verdict = "MISSING" if ratio is None else ("PASS" if ratio >= target else "FAIL")
    failed += verdict != "PASS"
    rows.append((ours, desc, fmt(e_ops), fmt(b_ops), fmt(ratio, 2), f">={target:g}", verdict))
    summary.append(dict(phase=ours, bdb_phase=bdb_name, bdb_desc=desc,
        orep_ops_per_sec=e_ops, bdb_ops_per_sec=b_ops, ratio=ratio, target=target, verdict=verdict,
        orep_p50_us=med(r.get(ours, {}).get("p50_us") for r in eng),
        orep_p99_us=med(r.get(ours, {}).get("p99_us") for r in eng),
        bdb_p50_us=med(bdb_get(r, match, "p50_us") for r in bdb),
        bdb_p99_us=med(bdb_get(r, match, "p99_us") for r in bdb)))

env = dict(l.rstrip("\n").split(": ", 1) for l in open(out + "/env.txt") if ": " in l)
print(f"OrleansRep engine vs Berkeley DB 5.3 ({env.get('mode')}; "
      f"{'median of %d runs' % runs if runs > 1 else 'one run each'}) - {env.get('date_utc')}")
print(f"machine: {env.get('cpu')}, nproc={env.get('nproc')}, {env.get('mem')}, /tmp on {env.get('tmp_fs')}")
print(f"BDB:    {env.get('bdb_cmd')}")
print(f"engine: {env.get('engine_cmd')}")
print()
hdr = ("phase", "vs BDB", "OrleansRep ops/s", "BDB ops/s", "ratio", "target", "result")
w = [max(len(str(x[i])) for x in rows + [hdr]) for i in range(len(hdr))]
line = lambda r: "  ".join(str(c).ljust(w[i]) if i < 2 else str(c).rjust(w[i]) for i, c in enumerate(r))
print(line(hdr)); print("  ".join("-" * n for n in w))
for r in rows:
    print(line(r))

print()
print("latency p50 / p99 us (BDB reports it for put/commit phases only):")
lat = lambda a, b: "-" if a is None else f"{fmt(a)} / {fmt(b)}"
print(f"  {'phase':<16} {'OrleansRep':>18} {'BDB':>18}")
for s in summary:
    print(f"  {s['phase']:<16} {lat(s['orep_p50_us'], s['orep_p99_us']):>18} {lat(s['bdb_p50_us'], s['bdb_p99_us']):>18}")

rss = {}
for side in ("bdb", "engine"):
    vals = [peak_rss_kb("%s/%s.%d.time" % (out, side, r)) for r in range(1, runs + 1)]
    rss[side] = max((v for v in vals if v is not None), default=None)
print()
print("peak RSS (/usr/bin/time -v, max over runs):")
for side, label in (("engine", "OrleansRep"), ("bdb", "BDB")):
    kb = rss[side]
    print(f"  {label:<11} " + ("-" if kb is None else f"{kb:,} KB ({kb/1024:.1f} MiB)"))
print()
print(f"{len(MAP) - failed}/{len(MAP)} phases pass" + ("" if not failed else f"; {failed} FAIL or MISSING"))

json.dump(dict(env=env, runs=runs, phases=summary,
               peak_rss_kb=dict(orep=rss["engine"], bdb=rss["bdb"])),
          open(out + "/summary.json", "w"), indent=2)
sys.exit(3 if failed else 0)
PY
rc=${PIPESTATUS[0]}
set -e
echo "results: $OUT"
[ "$rc" = 0 ] || [ "$rc" = 3 ] || die "comparison failed (rc=$rc)"
exit "$rc"
