#!/usr/bin/env bash
# Installs the suite at the product paths under PREFIX (default /).
#
#   scripts/install.sh [PREFIX]
#   scripts/install.sh --uninstall [PREFIX]
#
# The multicall binary         -> PREFIX/opt/swstorage/bin/acm
# and each program a link to it, where `acm --list` says:
# swst*, swstestupdate, swstsdv -> PREFIX/opt/FJSVswsts/bin
# swsrp*                        -> PREFIX/opt/FJSVswsrp/bin
# stg*, acmcapture (and stgagent) -> PREFIX/opt/FJSVswstf/bin
# startacm, stopacm, acmsetup   -> PREFIX/opt/swstorage/bin
# acmsim (simulator console)    -> PREFIX/opt/acmsim/bin
# default pre/post scripts      -> PREFIX/etc/opt/FJSVswsts/sh and
#                                  PREFIX/etc/opt/FJSVswsrp/sh (only where none
#                                  exists yet: customised scripts are kept)
# PostgreSQL sample             -> PREFIX/etc/opt/FJSVswsts/samp (the same way)
# manual pages (section 8)      -> PREFIX/usr/share/man/man8 (`acm --man`)
# bash completions              -> PREFIX/etc/bash_completion.d/acm-rs
#
# --uninstall removes the binary and its links, and the default scripts and sample files
# that are as installed (a customised one stays, and is named); state under
# PREFIX/var and PREFIX/etc/opt/*/data is kept.
#
# DESTDIR stages an installation for a package: files go under
# DESTDIR/PREFIX while the paths written into them name PREFIX.
# ACM_BIN_DIR takes the multicall binary `acm` from a directory already
# built instead of building the release (`cargo build --release`).
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

multicall=/opt/swstorage/bin/acm

# Each program and its directory, as the multicall binary lists them.
programs() {
  "$1" --list
}

# A program's link: relative, so a staged tree (DESTDIR) and a scratch
# PREFIX keep working wherever they are unpacked.
link_target() {
  local dir=$1 rel=""
  while [[ $dir != / && -n $dir ]]; do rel="../$rel"; dir=$(dirname "$dir"); done
  echo "${rel%/}$multicall"
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
  if [[ -x $root$multicall ]]; then
    while read -r name dir; do
      if [[ -L $root$dir/$name ]]; then
        rm -f "$root$dir/$name"
        removed=$((removed + 1))
      fi
    done < <(programs "$root$multicall")
    # The pages and completions this binary wrote.
    while read -r name dir; do
      rm -f "$root/usr/share/man/man8/$name.8"
    done < <(programs "$root$multicall")
    rm -f "$root/etc/bash_completion.d/acm-rs"
    rm -f "$root$multicall"
  fi
  while read -r src dir; do
    f="$root$dir/$(basename "$src")"
    [[ -e $f ]] || continue
    if as_installed "$src" | cmp -s - "$f"; then
      rm -f "$f"
    else
      echo "kept $f (customised)"
    fi
  done < <(shipped)
  # Directories left empty go too (a directory still holding state stays).
  for d in /opt/acmsim/bin /opt/acmsim /opt/swstorage/bin /opt/swstorage /opt/FJSVswsrp/bin \
           /opt/FJSVswsrp /opt/FJSVswsts/bin /opt/FJSVswsts /opt/FJSVswstf/bin /opt/FJSVswstf /opt \
           /etc/opt/FJSVswsts/sh /etc/opt/FJSVswsrp/sh /etc/opt/FJSVswsts/samp /etc/opt/FJSVswsts \
           /etc/opt/FJSVswsrp /etc/opt /etc/bash_completion.d /usr/share/man/man8 /usr/share/man \
           /usr/share /usr /etc; do
    rmdir "$root$d" 2>/dev/null || true
  done
  echo "removed $removed commands under ${root}/opt"
  exit 0
fi

[[ -x $bin/acm ]] || { echo "install.sh: no multicall binary $bin/acm" >&2; exit 1; }
install -d "$root$(dirname "$multicall")"
install -m 0755 "$bin/acm" "$root$multicall"
count=0
while read -r name dir; do
  [[ $dir$name == "$multicall" ]] && continue
  install -d "$root$dir"
  ln -sfn "$(link_target "$dir")" "$root$dir/$name"
  count=$((count + 1))
done < <(programs "$root$multicall")
echo "installed $count commands under ${root}/opt"

# Manual pages and completions, generated from the programs' own tables.
"$root$multicall" --man "$root/usr/share/man/man8"
install -d "$root/etc/bash_completion.d"
"$root$multicall" --completions bash >"$root/etc/bash_completion.d/acm-rs"

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
