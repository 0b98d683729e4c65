#!/usr/bin/env bash
# Conformance of the array's iSCSI face, judged by a suite nobody here wrote:
# libiscsi's iscsi-test-cu, every test of its ALL family (SCSI and iSCSI;
# destructive tests allowed), against LUN 0 of a scratch box served by
# `acmsim iscsi start`. With tgt installed (Debian's user-space target), the
# same suite runs against a tgt file-backed LUN of the same size in the same
# run, for comparison. Prints one `name value` line per figure:
#
#   iscsi_tests_run       tests that ran and were not skipped by the suite
#                         (it skips a test when the LUN says it lacks the
#                         command or the feature)
#   iscsi_tests_passed    of those, the ones without a failed assertion
#   iscsi_tests_failed    tests with a failed assertion
#   iscsi_tests_skipped   tests the suite skipped
#   tgt_tests_*           the same four against tgt (when tgtd is installed)
#   conformance_run_vs_tgt  iscsi_tests_run / tgt_tests_run
#
# The failed tests are named on standard error; the suites' whole output is
# kept in $CONFORMANCE_DIR (default target/conformance). Needs iscsi-test-cu
# (Debian package libiscsi-bin); root for tgtd. CONFORMANCE_PORT (default
# 3260) is the portal's port; tgt listens on the next one.
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
command -v iscsi-test-cu >/dev/null || {
  echo "conformance.sh: iscsi-test-cu not found (install Debian's libiscsi-bin)" >&2
  exit 1
}
port=${CONFORMANCE_PORT:-3260}
tgt_port=$((port + 1))
scratch=${CONFORMANCE_DIR:-$here/target/conformance}
size=${CONFORMANCE_LUN:-256M}
cargo build --release --quiet --bin acm
"$here/target/release/acm" --link "$here/target/release/programs" >/dev/null
acmsim=$here/target/release/programs/acmsim
export ACM_ROOT=$scratch/root ACMSIM_HOME=$scratch/root/var/opt/acmsim

tgt_pid=
cleanup() {
  set +e
  [ -d "$ACMSIM_HOME" ] && "$acmsim" stop >/dev/null 2>&1
  if [ -n "$tgt_pid" ]; then
    # tgtd leaves on its own command, or on SIGKILL (it may ignore SIGTERM).
    tgtadm -C 7 --op delete --mode system >/dev/null 2>&1
    sleep 1
    kill -9 "$tgt_pid" 2>/dev/null
    wait "$tgt_pid" 2>/dev/null
  fi
  return 0
}
trap cleanup EXIT
cleanup
rm -rf "$scratch"
mkdir -p "$ACMSIM_HOME"

# summarise PREFIX FILE: the four figures of one run of the suite; the
# failed tests' names go to standard error.
summarise() {
  local prefix=$1 file=$2
  awk -v p="$prefix" '
    function tally() {
      if (failed) print p ": failed " suite "." name > "/dev/stderr"
      else if (skipped) s++
    }
    /^Suite: / { suite = $2 }
    /^  Test: / { if (n++) tally(); skipped = 0; failed = 0; name = $2 }
    /\[SKIPPED\]/ { skipped = 1 }
    /(^|\.\.\.)FAILED *$/ { failed = 1 }
    /^ +tests +[0-9]/ { ran = $3; nfail = $5 }
    END {
      if (n) tally()
      printf "%s_tests_run %d\n", p, ran - s
      printf "%s_tests_passed %d\n", p, ran - s - nfail
      printf "%s_tests_failed %d\n", p, nfail
      printf "%s_tests_skipped %d\n", p, s
    }' "$file"
}

"$acmsim" box create scratch >/dev/null
"$acmsim" lun create scratch --size "$size" --thin >/dev/null
"$acmsim" iscsi start --listen "127.0.0.1:$port" >/dev/null
iscsi-test-cu -d -t ALL "iscsi://127.0.0.1:$port/iqn.2026-12.org.acm-rs:scratch/0" \
  >"$scratch/acm.txt" 2>&1 || true
summarise iscsi "$scratch/acm.txt" | tee "$scratch/acm.figures"

if command -v tgtd >/dev/null && command -v tgtadm >/dev/null && [ "$(id -u)" = 0 ]; then
  # A control socket of its own (-C), so a system tgtd is left alone.
  truncate -s "$size" "$scratch/tgt.img"
  tgtd -f -C 7 --iscsi "portal=127.0.0.1:$tgt_port" >"$scratch/tgtd.log" 2>&1 &
  tgt_pid=$!
  for _ in $(seq 50); do
    tgtadm -C 7 --lld iscsi --mode target --op show >/dev/null 2>&1 && break
    sleep 0.1
  done
  tgtadm -C 7 --lld iscsi --mode target --op new --tid 1 --targetname iqn.2026-12.org.acm-rs:tgt
  tgtadm -C 7 --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 --backing-store "$scratch/tgt.img"
  tgtadm -C 7 --lld iscsi --mode target --op bind --tid 1 --initiator-address ALL
  iscsi-test-cu -d -t ALL "iscsi://127.0.0.1:$tgt_port/iqn.2026-12.org.acm-rs:tgt/1" \
    >"$scratch/tgt.txt" 2>&1 || true
  summarise tgt "$scratch/tgt.txt" | tee "$scratch/tgt.figures"
  ours=$(awk '/^iscsi_tests_run/ {print $2}' "$scratch/acm.figures")
  theirs=$(awk '/^tgt_tests_run/ {print $2}' "$scratch/tgt.figures")
  [ "${theirs:-0}" -gt 0 ] && echo "conformance_run_vs_tgt $(echo "scale=2; $ours / $theirs" | bc -l)"
fi
