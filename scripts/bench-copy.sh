#!/usr/bin/env bash
# Copy benchmarks of the simulated array, each with the physical limit of this
# machine measured in the same run. Prints one `name value` line per figure:
#
#   opc_full_copy_ratio                     simulator OPC physical copy of 1 GiB at
#                                           'unlimited' rate / copy_file_range of 1 GiB,
#                                           both ending in fdatasync (target >= 0.8)
#   quickopc_1pct_bytes_ratio               bytes copied by a QuickOPC differential after
#                                           1% of grains changed / LUN size (target <= 0.015)
#   snapopcplus_write_overhead_8gen_vs_1gen host write time with 8 SnapOPC+ generations /
#                                           with 1 (target <= 1.2)
#
# Scratch files go to $ACMSIM_BENCH_DIR (default target/bench-scratch; needs ~3 GiB).
# Arguments select figures by name, e.g. `scripts/bench-copy.sh quickopc`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --quiet -p acm-sim --bench copy -- "$@"
