#!/usr/bin/env bash
# Installs the suite's binaries at the product paths under PREFIX (default /).
#
#   scripts/install.sh [PREFIX]
#   scripts/install.sh --uninstall [PREFIX]
#
# swst*, swstestupdate, swstsdv -> PREFIX/opt/FJSVswsts/bin
# swsrp*                        -> PREFIX/opt/FJSVswsrp/bin
# stg*, acmcapture (and stgagent) -> PREFIX/opt/FJSVswstf/bin
# startacm, stopacm, acmsetup   -> PREFIX/opt/swstorage/bin
# acmsim (simulator console)    -> PREFIX/opt/acmsim/bin
# default pre/post scripts      -> PREFIX/etc/opt/FJSVswsts/sh and
#                                  PREFIX/etc/opt/FJSVswsrp/sh (only where none
#                                  exists yet: customised scripts are kept)
# PostgreSQL sample             -> PREFIX/etc/opt/FJSVswsts/samp (the same way)
#
# --uninstall removes the binaries, and the default scripts and sample files
# that are as installed (a customised one stays, and is named); state under
# PREFIX/var and PREFIX/etc/opt/*/data is kept.
#
# DESTDIR stages an installation for a package: files go under
# DESTDIR/PREFIX while the paths written into them name PREFIX.
# ACM_BIN_DIR takes the binaries from a directory already built instead of
# building the release (`cargo build --release`).
# For a scratch installation, use the same directory as PREFIX and ACM_ROOT.
set -euo pipefail
uninstall=no
if [[ ${1:-} == --uninstall ]]; then
  uninstall=yes
  shift
fi
prefix=${1:-/}
dest=${DESTDIR:-}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
if [[ -n ${ACM_BIN_DIR:-} ]]; then
  bin=$ACM_BIN_DIR
elif [[ $uninstall == yes ]]; then
  bin=
else
  cargo build --release --quiet
  bin="$here/target/release"
fi

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

# The suite's command names, from the crates' binaries.
commands() {
  echo acmsim
  for f in crates/{swst,swsrp,stg}/src/bin/*.rs; do
    basename "$f" .rs
  done
}

root="$dest${prefix%/}"
console="${prefix%/}/opt/acmsim/bin/acmsim"
swst_bin="${prefix%/}/opt/FJSVswsts/bin"

# A default script or sample file as installed: the paths it names are this
# installation's.
as_installed() {
  sed -e 's|^acmsim=\${ACMSIM:-acmsim}$|acmsim=${ACMSIM:-'"$console"'}|' \
      -e 's|^swst_bin=\${SWST_BIN:-/opt/FJSVswsts/bin}$|swst_bin=${SWST_BIN:-'"$swst_bin"'}|' \
      "$1"
}

# Each shipped file and where it goes.
shipped() {
  for f in crates/acm-backup/sh/*; do echo "$f /etc/opt/FJSVswsts/sh"; done
  for f in crates/acm-replication/sh/*; do echo "$f /etc/opt/FJSVswsrp/sh"; done
  for f in crates/acm-backup/samp/*; do echo "$f /etc/opt/FJSVswsts/samp"; done
}

if [[ $uninstall == yes ]]; then
  removed=0
  for name in $(commands); do
    dir=$(dest_of "$name") || continue
    if [[ -e $root$dir/$name ]]; then
      rm -f "$root$dir/$name"
      removed=$((removed + 1))
    fi
  done
  while read -r src dir; do
    f="$root$dir/$(basename "$src")"
    [[ -e $f ]] || continue
    if as_installed "$src" | cmp -s - "$f"; then
      rm -f "$f"
    else
      echo "kept $f (customised)"
    fi
  done < <(shipped)
  for d in /opt/acmsim/bin /opt/acmsim /opt/swstorage/bin /opt/FJSVswsrp/bin /opt/FJSVswsts/bin \
           /opt/FJSVswstf/bin /etc/opt/FJSVswsts/sh /etc/opt/FJSVswsrp/sh /etc/opt/FJSVswsts/samp; do
    rmdir "$root$d" 2>/dev/null || true
  done
  echo "removed $removed commands under ${root}/opt"
  exit 0
fi

count=0
for name in $(commands); do
  path="$bin/$name"
  [[ -f $path && -x $path ]] || continue
  dir=$(dest_of "$name") || continue
  install -d "$root$dir"
  install -m 0755 "$path" "$root$dir/$name"
  count=$((count + 1))
done
echo "installed $count commands under ${root}/opt"

# The default scripts reach the simulated host through this installation's
# console; a file a site already has is kept.
while read -r src dir; do
  name=$(basename "$src")
  f="$root$dir/$name"
  install -d "$root$dir"
  [[ -e $f ]] && continue
  as_installed "$src" >"$f"
  case $name in *.conf | *.lib) chmod 0644 "$f" ;; *) chmod 0755 "$f" ;; esac
  echo "installed $f"
done < <(shipped)
