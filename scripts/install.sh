#!/usr/bin/env bash
# Installs the suite's binaries at the product paths under PREFIX (default /).
#
#   scripts/install.sh [PREFIX]
#
# swst*, swstestupdate, swstsdv -> PREFIX/opt/FJSVswsts/bin
# swsrp*                        -> PREFIX/opt/FJSVswsrp/bin
# stg*, acmcapture (and stgagent) -> PREFIX/opt/FJSVswstf/bin
# startacm, stopacm, acmsetup   -> PREFIX/opt/swstorage/bin
# acmsim (simulator console)    -> PREFIX/opt/acmsim/bin
# default pre/post scripts      -> PREFIX/etc/opt/FJSVswsts/sh and
#                                  PREFIX/etc/opt/FJSVswsrp/sh (only where none
#                                  exists yet: customised scripts are kept)
# Only the commands built so far are installed; see README.md for the list.
# For a scratch installation, use the same directory as PREFIX and ACM_ROOT.
set -euo pipefail
prefix=${1:-/}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cargo build --release --quiet
bin="$here/target/release"

dest_of() {
  case "$1" in
    acmsim) echo /opt/acmsim/bin ;;
    startacm|stopacm|acmsetup) echo /opt/swstorage/bin ;;
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

# The default scripts reach the simulated host through this installation's console.
sh_dir="$prefix/etc/opt/FJSVswsts/sh"
install -d "$sh_dir"
console="${prefix%/}/opt/acmsim/bin/acmsim"
for script in "$here"/crates/acm-backup/sh/*; do
  name=$(basename "$script")
  [[ -e $sh_dir/$name ]] && continue
  sed 's|^acmsim=\${ACMSIM:-acmsim}$|acmsim=${ACMSIM:-'"$console"'}|' "$script" > "$sh_dir/$name"
  chmod 0755 "$sh_dir/$name"
  echo "installed $sh_dir/$name"
done

# The replication scripts (RepSrc/RepDst .pre/.post), the same way.
rep_dir="$prefix/etc/opt/FJSVswsrp/sh"
install -d "$rep_dir"
for script in "$here"/crates/acm-replication/sh/*; do
  name=$(basename "$script")
  [[ -e $rep_dir/$name ]] && continue
  sed 's|^acmsim=\${ACMSIM:-acmsim}$|acmsim=${ACMSIM:-'"$console"'}|' "$script" > "$rep_dir/$name"
  chmod 0755 "$rep_dir/$name"
  echo "installed $rep_dir/$name"
done

# The PostgreSQL online backup sample (swst_pg_iv, swst_pg_bk, swst_pg_rs and
# its pg.conf; docs/postgresql.md), the same way: a pg.conf a site edited stays.
samp_dir="$prefix/etc/opt/FJSVswsts/samp"
install -d "$samp_dir"
swst_bin="${prefix%/}/opt/FJSVswsts/bin"
for script in "$here"/crates/acm-backup/samp/*; do
  name=$(basename "$script")
  [[ -e $samp_dir/$name ]] && continue
  sed -e 's|^acmsim=\${ACMSIM:-acmsim}$|acmsim=${ACMSIM:-'"$console"'}|' \
      -e 's|^swst_bin=\${SWST_BIN:-/opt/FJSVswsts/bin}$|swst_bin=${SWST_BIN:-'"$swst_bin"'}|' \
      "$script" > "$samp_dir/$name"
  case $name in *.conf | *.lib) chmod 0644 "$samp_dir/$name" ;; *) chmod 0755 "$samp_dir/$name" ;; esac
  echo "installed $samp_dir/$name"
done
