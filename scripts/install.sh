#!/usr/bin/env bash
# Installs the suite's binaries at the product paths under PREFIX (default /).
#
#   scripts/install.sh [PREFIX]
#
# swst*, swstestupdate, swstsdv -> PREFIX/opt/FJSVswsts/bin
# swsrp*                        -> PREFIX/opt/FJSVswsrp/bin
# stg*, acmcapture              -> PREFIX/opt/FJSVswstf/bin
# startacm, stopacm             -> PREFIX/opt/swstorage/bin
# acmsim (simulator console)    -> PREFIX/opt/acmsim/bin
# Only the commands built so far are installed; see README.md for the list.
set -euo pipefail
prefix=${1:-/}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cargo build --release --quiet
bin="$here/target/release"

dest_of() {
  case "$1" in
    acmsim) echo /opt/acmsim/bin ;;
    startacm|stopacm) echo /opt/swstorage/bin ;;
    swsrp*) echo /opt/FJSVswsrp/bin ;;
    swst*) echo /opt/FJSVswsts/bin ;;
    stg*|acmcapture) echo /opt/FJSVswstf/bin ;;
    *) return 1 ;;
  esac
}

count=0
for path in "$bin"/*; do
  name=$(basename "$path")
  [[ -f $path && -x $path ]] || continue
  dir=$(dest_of "$name") || continue
  install -d "$prefix$dir"
  install -m 0755 "$path" "$prefix$dir/$name"
  count=$((count + 1))
done
echo "installed $count commands under ${prefix%/}/opt"
