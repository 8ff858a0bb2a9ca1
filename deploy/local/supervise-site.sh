#!/usr/bin/env bash
# Keeps one site's silo running, as systemd's orep-site@.service does (run-sites.sh starts one per site; not meant to
# be run by hand):
#   supervise-site.sh SITE DATA -- COMMAND [ARGS...]
# Writes its own pid to DATA/site-SITE.supervisor.pid, runs COMMAND with its output appended to DATA/site-SITE.log and
# its pid in DATA/site-SITE.pid, and restarts it by its exit code, the silo's contract (silo/OrleansRep.Silo/Program.cs):
#   0  stopped (SIGTERM): done.
#   2  bad configuration: done; restarting would only fail again.
#   3  declared dead by the cluster (e.g. cut off by a partition): restart at once as a new incarnation, always, since
#      it is the cluster's decision and not a crash.
#   else (a crash, kill -9): restart after 1 s, unless it died within 10 s of starting 3 times in a row (a crash loop).
# SIGTERM/SIGINT/SIGHUP to the supervisor stop the silo with SIGTERM and end the supervisor once it exits, with its code.
set -u
[ $# -ge 4 ] && [ "$3" = "--" ] || { echo "usage: supervise-site.sh SITE DATA -- COMMAND [ARGS...]" >&2; exit 2; }
SITE=$1 DATA=$2 LOG=$2/site-$1.log PIDFILE=$2/site-$1.pid
shift 3

# A silo run with OREP_SUPERVISED=1 stops when its stdin closes (the local cluster's pipe); ours is /dev/null.
unset OREP_SUPERVISED

say() { echo "$(date -u +%H:%M:%S.%3N) orep-supervise: site $SITE: $*" >>"$LOG"; }

stopping=0 child=
stop() {
  stopping=1
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null
}
trap stop TERM INT HUP
# Written here, not by whoever started it: only this process knows its pid for sure (ip netns exec, setsid, a shell
# function in the background may each stand between). The trap is set first, so a stop-sites.sh that finds the pid
# is heard.
echo $$ >"$DATA/site-$SITE.supervisor.pid"

quick_failures=0
while :; do
  started=$SECONDS
  "$@" </dev/null >>"$LOG" 2>&1 &
  child=$!
  [ "$stopping" = 1 ] && kill -TERM "$child" 2>/dev/null  # a stop that came before $child was known
  echo "$child" >"$PIDFILE"
  say "started pid $child"
  # A trapped signal interrupts wait; wait again until the silo itself has exited.
  while :; do
    wait "$child"
    rc=$?
    kill -0 "$child" 2>/dev/null || break
  done
  rm -f "$PIDFILE"
  child=
  say "exited with code $rc"
  if [ "$stopping" = 1 ] || [ "$rc" = 0 ]; then
    exit "$rc"
  fi
  case $rc in
    2)
      say "bad configuration: not restarting it (see the lines above)"
      exit 2
      ;;
    3)
      say "declared dead by the cluster: restarting it as a new incarnation"
      quick_failures=0
      ;;
    *)
      if [ $((SECONDS - started)) -lt 10 ]; then quick_failures=$((quick_failures + 1)); else quick_failures=1; fi
      if [ "$quick_failures" -ge 3 ]; then
        say "died within 10 s of starting 3 times in a row: giving up"
        exit "$rc"
      fi
      say "restarting it in 1 s"
      sleep 1 &
      wait $! || true
      [ "$stopping" = 1 ] && exit "$rc"
      ;;
  esac
done
