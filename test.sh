#!/usr/bin/env bash
# Runs the whole test suite. Installs what the tests need when run as root on a fresh Debian machine
# (db5.3-util for the Berkeley DB interop tests), builds, runs `dotnet test`, and ends with one line
# "tests: N passed, N failed, N skipped".
# Long modes are opt-in: OREP_LONG=1 (thousands of crash cycles and property cases).
set -euo pipefail
cd "$(dirname "$0")"

need_pkgs=()
command -v db5.3_load >/dev/null 2>&1 || need_pkgs+=(db5.3-util)
# Debian's Chromium for the dashboard's browser test (Playwright drives it; it never downloads a browser).
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${need_pkgs[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}") >/dev/null 2>&1 \
      || echo "test.sh: could not install ${need_pkgs[*]}; interop tests will report themselves skipped"
  else
    echo "test.sh: ${need_pkgs[*]} missing and not root; interop tests will report themselves skipped"
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
dotnet build OrleansRep.sln -c Release -nologo -v q
log=$(mktemp)
set +e
dotnet test OrleansRep.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12, ...").
awk '/(Passed|Failed)! +- +Failed:/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i=="Failed:") f+=$(i+1); if ($i=="Passed:") p+=$(i+1); if ($i=="Skipped:") s+=$(i+1) } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit $rc
