#!/usr/bin/env bash
# Block disk benchmarks: a real ext4 on a simulated LUN (a loop device over
# the array service's FUSE block face) against the physical limit measured in
# the same run, ext4 on a plain loop device over a file on the same file
# system. Prints one `name value` line per figure:
#
#   block_write_mib_s          sequential write of 512 MiB to a file on ext4 on a
#                              block disk, ending in fsync
#   plain_loop_write_mib_s     the same on ext4 on a plain loop device (--direct-io=on)
#   block_write_ratio          block / plain (target >= 0.5)
#   block_write_opc_mib_s      the block disk's write while an OPC from it runs
#   block_write_opc_ratio      that / plain
#   pgbench_tps_block          pgbench TPS, cluster on a block disk
#   pgbench_tps_plain          the same cluster on a plain directory
#   pgbench_tps_ratio          block / plain
#
# Needs root, /dev/fuse, loop devices, e2fsprogs; the pgbench figures need
# PostgreSQL (initdb, pg_ctl, pgbench; run as the postgres user) and are left
# out without it. Scratch files go to $ACMSIM_BENCH_DIR (default
# target/bench-scratch/block; needs ~4 GiB). BENCH_MIB changes the write size.
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
mib=${BENCH_MIB:-512}
scratch=${ACMSIM_BENCH_DIR:-$here/target/bench-scratch}/block
cargo build --release --quiet --bin acm
"$here/target/release/acm" --link "$here/target/release/programs"
acmsim=$here/target/release/programs/acmsim

cleanup() {
  set +e
  for mp in "$scratch"/mnt/*; do
    [ -d "$mp" ] && mountpoint -q "$mp" && { umount "$mp" 2>/dev/null || umount -l "$mp"; }
  done
  [ -n "${plain_loop:-}" ] && losetup -d "$plain_loop" 2>/dev/null
  [ -d "$scratch/root" ] && ACMSIM_HOME=$scratch/root/var/opt/acmsim "$acmsim" stop >/dev/null 2>&1
  return 0
}
trap cleanup EXIT
cleanup
rm -rf "$scratch"
mkdir -p "$scratch/mnt"
export ACM_ROOT=$scratch/root ACMSIM_HOME=$scratch/root/var/opt/acmsim
mkdir -p "$ACMSIM_HOME"

now() { date +%s.%N; }
# write_rate DIR: MiB/s of writing $mib MiB from a cached source file, with fsync.
src=$scratch/src
head -c $((mib << 20)) /dev/urandom >"$src"
write_rate() {
  local t0 t1
  cat "$src" >/dev/null
  t0=$(now)
  dd if="$src" of="$1/f" bs=1M conv=fsync status=none
  t1=$(now)
  rm -f "$1/f"
  sync
  echo "$mib / ($t1 - $t0)" | bc -l
}
ratio() { echo "$1 / $2" | bc -l; }
fmt() { printf '%s %.3f\n' "$1" "$2"; }

size=$(( (mib * 2 + 256) ))M
"$acmsim" box create BOX1 >/dev/null
"$acmsim" lun create BOX1 --size "$size" --count 2 >/dev/null
"$acmsim" rate BOX1 unlimited >/dev/null
"$acmsim" host attach BOX1 0 /dev/hdisk1 --block >/dev/null
"$acmsim" host attach BOX1 1 /dev/hdisk2 --block >/dev/null
lo=$("$acmsim" host blockdev /dev/hdisk1 | cut -d' ' -f1)
mkfs.ext4 -q -F "$lo"
"$acmsim" host mount /dev/hdisk1 "$scratch/mnt/block" >/dev/null

truncate -s "$size" "$scratch/plain.img"
plain_loop=$(losetup --direct-io=on --find --show "$scratch/plain.img")
mkfs.ext4 -q -F "$plain_loop"
mkdir -p "$scratch/mnt/plain"
mount "$plain_loop" "$scratch/mnt/plain"

# Medians of three.
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
b1=$(write_rate "$scratch/mnt/block"); p1=$(write_rate "$scratch/mnt/plain")
b2=$(write_rate "$scratch/mnt/block"); p2=$(write_rate "$scratch/mnt/plain")
b3=$(write_rate "$scratch/mnt/block"); p3=$(write_rate "$scratch/mnt/plain")
block=$(median "$b1" "$b2" "$b3"); plain=$(median "$p1" "$p2" "$p3")
fmt block_write_mib_s "$block"
fmt plain_loop_write_mib_s "$plain"
fmt block_write_ratio "$(ratio "$block" "$plain")"

# An OPC from the block disk runs in the background meanwhile (copy-on-write
# of every first write to a grain not yet copied, and the copy itself).
"$acmsim" rate BOX1 64M >/dev/null
"$acmsim" copy start opc /dev/hdisk1 /dev/hdisk2 >/dev/null
opc=$(write_rate "$scratch/mnt/block")
fmt block_write_opc_mib_s "$opc"
fmt block_write_opc_ratio "$(ratio "$opc" "$plain")"

# pgbench: the same cluster set-up on the block disk and on a plain directory.
if command -v pgbench >/dev/null && command -v initdb >/dev/null && id postgres >/dev/null 2>&1; then
  pgdir=$(dirname "$(readlink -f "$(command -v initdb)")")
  tps() { # tps DATADIR PORT
    local d=$1 port=$2 sock=$scratch/sock
    mkdir -p "$sock" "$d"
    chown postgres "$d" "$sock"
    runuser -u postgres -- "$pgdir/initdb" -D "$d/pg" -A trust >/dev/null
    runuser -u postgres -- "$pgdir/pg_ctl" -D "$d/pg" -l "$d/pg.log" -w \
      -o "-p $port -k $sock -c listen_addresses=''" start >/dev/null
    runuser -u postgres -- pgbench -h "$sock" -p "$port" -i -s 10 -q postgres >/dev/null 2>&1
    runuser -u postgres -- pgbench -h "$sock" -p "$port" -c 4 -j 2 -T 20 postgres 2>/dev/null |
      sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1
    runuser -u postgres -- "$pgdir/pg_ctl" -D "$d/pg" -m fast -w stop >/dev/null
  }
  tb=$(tps "$scratch/mnt/block/db" 54491)
  tp=$(tps "$scratch/plaindb" 54492)
  fmt pgbench_tps_block "$tb"
  fmt pgbench_tps_plain "$tp"
  fmt pgbench_tps_ratio "$(ratio "$tb" "$tp")"
fi
