#!/usr/bin/env bash
# Scale benchmarks of the status displays: how swsrpstat and swstbackstat grow
# with the number of pairs / volumes they show. Every scene is built through
# the product commands and acmsim, one command at a time, in a scratch ACM_ROOT
# of its own, with the release binaries. Prints one `name value` line per figure
# (N is each power of ten from 10 to BENCH_SCALE_MAX, default 1000):
#
#   swsrpstat_N_pairs_ms          swsrpstat (all pairs) with N OPC pairs, median of 3
#   swsrpstat_ratio_MAX_vs_10     swsrpstat at BENCH_SCALE_MAX pairs / at 10 pairs
#   swstbackstat_MAX_volumes_ms   swstbackstat with MAX transaction volumes, each with a
#                                 policy and one OPC backup, median of 3
#   setvol_ms_at_MAX_vs_10        one swsrpsetvol (median of the last 5 of the scene) when
#                                 the list holds MAX pairs / when it holds 10 (the two
#                                 times are printed in a `#` line before it)
#   scene_MAX_pairs_s             seconds to build the replication scene of MAX pairs
#   host_write_*                  host writes through the array service with each kind of
#                                 session against none (and none against pwrite): the
#                                 figures of crates/acm-sim/benches/host.rs (~2.5 GiB
#                                 of scratch; BENCH_SCALE_HOST=no leaves them out)
#
# A replication scene of N pairs is one box with 2N LUNs of 64 KiB (one grain,
# so 10,000 pairs fit in 1.3 GiB of preallocated LUN files), all attached
# to the host (/dev/hdisk1..), N swsrpsetvol hdisk(2i-1) hdisk(2i), and one
# swsrpmake (OPC) per pair with the box rate paused, so every session is still
# copying when swsrpstat asks. The backup scene is the same box and host with
# swstsvrset, N transaction and N backup volumes, N swstbkpolset and N swstbackup.
#
# A scene that takes longer than BENCH_SCALE_BUDGET seconds (default 7200) to
# build is abandoned: the script says so and prints `n/a` for its figures.
# Each scene is removed once measured, unless BENCH_SCALE_DIR keeps them.
#
#   BENCH_SCALE_MAX=10000 scripts/bench-scale.sh     (the issue's targets; long)
#   BENCH_SCALE_DIR=dir scripts/bench-scale.sh       (keeps the scratch roots in dir)
#   BENCH_SCALE_BACKUP=no scripts/bench-scale.sh     (leaves the backup scene out)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
max=${BENCH_SCALE_MAX:-1000}
budget=${BENCH_SCALE_BUDGET:-7200}
if ! [[ $max =~ ^1(0)+$ ]]; then
  echo "bench-scale: BENCH_SCALE_MAX must be a power of ten from 10 up (got $max)" >&2
  exit 2
fi
work=${BENCH_SCALE_DIR:-$(mktemp -d)}
keep=${BENCH_SCALE_DIR:+yes}
[[ -n $keep ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
lun_size=64K

cd "$here"
cargo build --release --quiet --bin acm
host_figures=${BENCH_SCALE_HOST:-yes}
if [[ $host_figures == yes ]]; then
  cargo bench --quiet --no-run -p acm-sim --bench host 2>/dev/null
fi
bin="$here/target/release/programs"
"$here/target/release/acm" --link "$bin"

now_ns() { date +%s%N; }
# ms_of CMD...: wall-clock milliseconds of one run; its output is discarded.
ms_of() {
  local t0 t1
  t0=$(now_ns)
  "$@" >/dev/null
  t1=$(now_ns)
  echo $(((t1 - t0) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() {
  if [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && (($2 > 0)); then
    awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f\n", a / b}'
  else
    echo n/a
  fi
}
note() { echo "# $*"; }

# done_with DIR: a measured scene's files go, unless they are to be kept.
done_with() { [[ -n $keep ]] || rm -rf "$1"; }

# over_budget START: whether a scene begun at START (ns) has run out of time.
over_budget() { (($(now_ns) - $1 > budget * 1000000000)); }

# scene DIR N START: a scratch root holding box BOX1 with 2N LUNs attached as
# /dev/hdisk1..hdisk(2N), rate paused, sessions allowed for every pair; fails
# (saying so) if the scene begun at START runs out of time.
scene() {
  local dir=$1 n=$2 start=$3 i
  export ACM_ROOT="$dir" ACMSIM_HOME="$dir/var/opt/acmsim"
  mkdir -p "$ACM_ROOT/etc/opt/swstorage"
  echo "ServerName=SV1" >"$ACM_ROOT/etc/opt/swstorage/swnode.ini"
  "$bin/acmsim" box create BOX1 >/dev/null
  "$bin/acmsim" limits BOX1 --box-sessions $((n + 16)) >/dev/null
  "$bin/acmsim" rate BOX1 paused >/dev/null
  "$bin/acmsim" lun create BOX1 --size "$lun_size" --count $((2 * n)) >/dev/null
  for ((i = 1; i <= 2 * n; i++)); do
    if over_budget "$start"; then
      note "scene of $n pairs: stopped after $((i - 1)) host disks in ${budget}s;" \
        "building it one command at a time is too slow"
      return 1
    fi
    "$bin/acmsim" host attach BOX1 $((i - 1)) "/dev/hdisk$i" >/dev/null
  done
}

# replication N: builds the scene of N pairs; sets stat_ms, setvol_ms, scene_s
# (all "n/a" when the budget ran out).
replication() {
  local n=$1 dir="$work/rep-$1" start p setvols=()
  stat_ms=n/a setvol_ms=n/a scene_s=n/a
  start=$(now_ns)
  scene "$dir" "$n" "$start" || {
    done_with "$dir"
    return
  }
  for ((p = 1; p <= n; p++)); do
    if over_budget "$start"; then
      note "replication scene of $n pairs: stopped after $((p - 1)) swsrpsetvol in ${budget}s;" \
        "building it one command at a time is too slow"
      done_with "$dir"
      return
    fi
    setvols+=("$(ms_of "$bin/swsrpsetvol" "/dev/hdisk$((2 * p - 1))" "/dev/hdisk$((2 * p))")")
  done
  setvol_ms=$(median "${setvols[@]: -5}")
  for ((p = 1; p <= n; p++)); do
    if over_budget "$start"; then
      note "replication scene of $n pairs: stopped after $((p - 1)) swsrpmake in ${budget}s;" \
        "building it one command at a time is too slow"
      done_with "$dir"
      return
    fi
    "$bin/swsrpmake" "/dev/hdisk$((2 * p - 1))" "/dev/hdisk$((2 * p))" >/dev/null
  done
  scene_s=$((($(now_ns) - start) / 1000000000))
  local rows
  rows=$("$bin/swsrpstat" | grep -c ' snap ' || true)
  if ((rows != n)); then
    echo "bench-scale: swsrpstat shows $rows copying pairs of $n" >&2
    exit 1
  fi
  stat_ms=$(median "$(ms_of "$bin/swsrpstat")" "$(ms_of "$bin/swsrpstat")" "$(ms_of "$bin/swsrpstat")")
  done_with "$dir"
}

# backup N: builds the backup scene of N volumes; sets backstat_ms.
backup() {
  local n=$1 dir="$work/bk-$1" start i
  backstat_ms=n/a
  start=$(now_ns)
  scene "$dir" "$n" "$start" || {
    done_with "$dir"
    return
  }
  "$bin/swstsvrset" >/dev/null
  for ((i = 1; i <= n; i++)); do
    if over_budget "$start"; then
      note "backup scene of $n volumes: stopped after $((i - 1)) volumes in ${budget}s;" \
        "building it one command at a time is too slow"
      done_with "$dir"
      return
    fi
    "$bin/swstdevinfoset" -t "/dev/hdisk$((2 * i - 1))" >/dev/null
    "$bin/swstdevinfoset" -b "/dev/hdisk$((2 * i))" >/dev/null
    "$bin/swstbkpolset" -s 1 "/dev/hdisk$((2 * i - 1))" >/dev/null
    "$bin/swstbackup" "/dev/hdisk$((2 * i - 1))" >/dev/null
  done
  local rows
  rows=$("$bin/swstbackstat" | grep -c ' executing ' || true)
  if ((rows != n)); then
    echo "bench-scale: swstbackstat shows $rows executing backups of $n" >&2
    exit 1
  fi
  backstat_ms=$(median "$(ms_of "$bin/swstbackstat")" "$(ms_of "$bin/swstbackstat")" "$(ms_of "$bin/swstbackstat")")
  done_with "$dir"
}

declare -A stat setvol
for ((n = 10; n <= max; n *= 10)); do
  if [[ ${stat[$((n / 10))]:-} == n/a ]]; then
    # The smaller scene was already too slow to build: this one would be too.
    stat_ms=n/a setvol_ms=n/a scene_s=n/a
  else
    replication "$n"
  fi
  stat[$n]=$stat_ms setvol[$n]=$setvol_ms
  echo "swsrpstat_${n}_pairs_ms ${stat[$n]}"
done
echo "swsrpstat_ratio_${max}_vs_10 $(ratio "${stat[$max]}" "${stat[10]}")"
if [[ ${BENCH_SCALE_BACKUP:-yes} == yes ]]; then
  backup "$max"
else
  note "backup scene left out (BENCH_SCALE_BACKUP=no)"
  backstat_ms=n/a
fi
echo "swstbackstat_${max}_volumes_ms $backstat_ms"
note "swsrpsetvol: ${setvol[10]} ms with 10 pairs, ${setvol[$max]} ms with $max"
echo "setvol_ms_at_${max}_vs_10 $(ratio "${setvol[$max]}" "${setvol[10]}")"
echo "scene_${max}_pairs_s $scene_s"
if [[ $host_figures == yes ]]; then
  # Every scene's service is gone by now (their homes were removed, or they
  # idle out); the host figures run their own.
  cargo bench --quiet -p acm-sim --bench host
fi
