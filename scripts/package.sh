#!/usr/bin/env bash
# Builds the suite's packages into OUTDIR (default target/package):
#
#   acm-rs_VERSION_ARCH.deb           a Debian package: the product layout under
#                                     /opt and /etc/opt, the default scripts and
#                                     the PostgreSQL sample as configuration files
#                                     (an upgrade keeps a site's changes), systemd
#                                     units for the array service (acm-array) and
#                                     the communication daemon (acm-stgfwcom);
#                                     removal stops them, purge also removes the
#                                     state under /var/opt
#   acm-rs-VERSION-linux-ARCH.tar.gz  the same tree, to unpack at /
#
#   scripts/package.sh [OUTDIR]
#
# ACM_BIN_DIR takes the binaries from a directory already built (as
# scripts/install.sh does) instead of `cargo build --release`;
# ACM_DEB_COMPRESS chooses dpkg-deb's compressor (default xz).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$here/target/package}" && cd "${1:-$here/target/package}" && pwd)
cd "$here"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

DESTDIR=$stage scripts/install.sh / >/dev/null

# Service units.
units=$stage/lib/systemd/system
install -d "$units"
cat >"$units/acm-array.service" <<'EOF'
[Unit]
Description=AdvancedCopy Manager simulated ETERNUS array service
After=local-fs.target

[Service]
Type=simple
ExecStart=/opt/acmsim/bin/acmsim serve --foreground
# A stop is refused while a block disk is mounted; unmount them first.
ExecStop=/opt/acmsim/bin/acmsim stop
TimeoutStopSec=60

[Install]
WantedBy=multi-user.target
EOF
cat >"$units/acm-stgfwcom.service" <<'EOF'
[Unit]
Description=AdvancedCopy Manager communication daemon (stgfwcom)
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/opt/FJSVswstf/bin/stgfwcom start
ExecStop=/opt/FJSVswstf/bin/stgfwcom stop

[Install]
WantedBy=multi-user.target
EOF

# The tarball: the tree as installed, no package metadata.
tarball="$out/acm-rs-$version-linux-$arch.tar.gz"
tar -C "$stage" --owner=0 --group=0 -czf "$tarball" .

# The Debian package.
install -d "$stage/DEBIAN"
(cd "$stage" && find etc -type f | sed 's|^|/|' | sort) >"$stage/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: acm-rs
Version: $version
Architecture: $arch
Maintainer: acm-rs developers <acm-rs@localhost>
Installed-Size: $size
Depends: libc6, util-linux, mount
Recommends: fuse3, e2fsprogs
Section: admin
Priority: optional
Description: AdvancedCopy Manager agent commands and a simulated ETERNUS array
 The swst* backup, swsrp* replication and stg* configuration commands at the
 product paths, the simulated array service (acmsim) with its block disks,
 the default pre/post scripts and a PostgreSQL online backup sample.
EOF
# Maintainer scripts honour DPKG_ROOT (an installation into another root,
# dpkg --root): nothing outside it is touched, and no systemd is asked.
cat >"$stage/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
r=${DPKG_ROOT:-}
if [ -z "$r" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl stop acm-array.service acm-stgfwcom.service 2>/dev/null || true
else
    "$r/opt/acmsim/bin/acmsim" stop >/dev/null 2>&1 || true
    "$r/opt/FJSVswstf/bin/stgfwcom" stop >/dev/null 2>&1 || true
fi
exit 0
EOF
cat >"$stage/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ] &&
    command -v systemctl >/dev/null; then
    systemctl daemon-reload || true
fi
exit 0
EOF
cat >"$stage/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
r=${DPKG_ROOT:-}
if [ "$1" = purge ]; then
    # The state: management lists, repository, logs, the simulated array.
    rm -rf "$r/var/opt/FJSVswsts" "$r/var/opt/FJSVswsrp" "$r/var/opt/FJSVswstf" \
        "$r/var/opt/acmsim" "$r/var/opt/acmsim-host"
    rm -rf "$r/etc/opt/FJSVswsts" "$r/etc/opt/FJSVswsrp" "$r/etc/opt/swstorage"
fi
if [ -z "$r" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl daemon-reload || true
fi
exit 0
EOF
chmod 0755 "$stage/DEBIAN/prerm" "$stage/DEBIAN/postinst" "$stage/DEBIAN/postrm"
deb="$out/acm-rs_${version}_$arch.deb"
dpkg-deb --root-owner-group "-Z${ACM_DEB_COMPRESS:-xz}" --build "$stage" "$deb" >/dev/null
echo "$deb"
echo "$tarball"
