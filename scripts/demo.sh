#!/usr/bin/env bash
# The main job: a demonstration on the simulated array.
#
# Builds the suite, installs it in a scratch root (binaries at the product paths,
# default pre/post scripts under etc/), sets up two simulated boxes and a host,
# backs a volume up with the swst* commands, changes the data, restores it,
# replicates it to a second box with the swsrp* commands through a link outage,
# keeps SnapOPC+ generations and restores from one, then lets a Management
# Server drive this server over mutually authenticated HTTPS (-h),
# and proves with checksums that every copy holds the bytes it should.
# Exits non-zero if any check fails.
#
#   scripts/demo.sh            (keeps nothing; set DEMO_DIR to keep the scratch tree)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${DEMO_DIR:-$(mktemp -d)}
[[ -n ${DEMO_DIR:-} ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"

export ACM_ROOT="$work/root"
export ACMSIM_HOME="$ACM_ROOT/var/opt/acmsim"
"$here/scripts/install.sh" "$ACM_ROOT" >/dev/null
acmsim="$ACM_ROOT/opt/acmsim/bin/acmsim"
swst="$ACM_ROOT/opt/FJSVswsts/bin"
swsrp="$ACM_ROOT/opt/FJSVswsrp/bin"
swstf="$ACM_ROOT/opt/FJSVswstf/bin"
setup="$ACM_ROOT/opt/swstorage/bin/acmsetup"
mkdir -p "$ACM_ROOT/etc/opt/swstorage"
echo "ServerName=SV1" > "$ACM_ROOT/etc/opt/swstorage/swnode.ini"

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ acmsim %s\n' "$*"; "$acmsim" "$@"; }
cmd() { local c=$1; shift; printf '# /opt/FJSVswsts/bin/%s %s\n' "$c" "$*"; "$swst/$c" "$@"; }
rep() { local c=$1; shift; printf '# /opt/FJSVswsrp/bin/%s %s\n' "$c" "$*"; "$swsrp/$c" "$@"; }
sum() { "$acmsim" checksum "$1" | cut -d' ' -f1; }
failures=0
check() { # check WHAT ACTUAL EXPECTED
  if [[ $2 == "$3" ]]; then echo "OK   $1"; else echo "FAIL $1: ${2:0:16} != ${3:0:16}"; failures=$((failures + 1)); fi
}

step "Two boxes, their LUNs, a REC path, a Snap Data Pool"
run box create BOX1
run box create BOX2
run lun create BOX1 --size 64M --count 3
run lun create BOX1 --size 64M --count 2 --sdv --physical 16M
run lun create BOX2 --size 64M
run pool BOX1 --size 64M
run path BOX1 BOX2 up
run rate BOX1 32M

step "The managed server's host: disks, a volume group with a mounted file system"
run host attach BOX1 0 /dev/hdisk1
run host attach BOX1 1 /dev/hdisk2
run host attach BOX1 2 /dev/hdisk3
run host attach BOX1 3 /dev/hdisk4
run host attach BOX1 4 /dev/hdisk5
run host attach BOX2 0 /dev/hdisk6
run host vg create vg01 /dev/hdisk1
run host lv vg01 lv01 --mount-point /mnt/vg01
run host mount lv01
run host list

step "Business data on /dev/vg01"
run write /dev/vg01 --seed 1
v1=$(sum /dev/vg01); echo "vg01 = $v1"

step "Backup management: this server, a transaction volume, a backup volume, a policy"
cmd swstsvrset
cmd swstdevinfoset -t /dev/vg01
cmd swstdevinfoset -b /dev/hdisk2
cmd swstbkpolset -s 1 /dev/vg01
cmd swstdevdisp -t -b
cmd swstbkpoldisp

step "Back up /dev/vg01 (OPC: the backup is usable at once, the physical copy runs behind)"
cmd swstbackup /dev/vg01
cmd swstbackstat
cmd swsthistdisp
check "backup volume holds the data at backup time" "$(sum /dev/hdisk2)" "$v1"
run host list | grep mount

step "Change the business data"
run write /dev/vg01 --seed 2 --offset 1M --length 3M
v2=$(sum /dev/vg01)
check "backup is unchanged by writes to the source" "$(sum /dev/hdisk2)" "$v1"

step "Restore /dev/vg01 from the backup (the default scripts unmount and remount /mnt/vg01)"
cmd swstrestore /dev/vg01
cmd swstreststat
check "restored volume equals the backup" "$(sum /dev/vg01)" "$v1"
run rate BOX1 unlimited
cmd swstreststat
cmd swstcancelrest /dev/vg01
run host list | grep mount

step "Replication management: pairs of volumes"
rep swsrpsetvol /dev/hdisk1 /dev/hdisk6
rep swsrpsetvol /dev/hdisk3 /dev/hdisk4
rep swsrpsetvol /dev/hdisk3 /dev/hdisk5
rep swsrpvolinfo -L

step "REC of /dev/hdisk1 (the disk of vg01) to BOX2, synchronous transfer mode"
rep swsrpstartsync -y /dev/hdisk1 /dev/hdisk6
rep swsrpstat -L /dev/hdisk1
check "replica equals the source while equivalent" "$(sum /dev/hdisk6)" "$(sum /dev/hdisk1)"

step "REC link outage: the session halts, writes go on and are tracked; the link returns and REC resyncs"
run path BOX1 BOX2 down
rep swsrpstat -H /dev/hdisk1
run write /dev/hdisk1 --seed 3 --length 2M
check "replica still holds the pre-outage data" "$(sum /dev/hdisk6)" "$v1"
run path BOX1 BOX2 up
rep swsrpstat -L /dev/hdisk1
check "replica equals the source after the automatic recovery" "$(sum /dev/hdisk6)" "$(sum /dev/hdisk1)"

step "Make the replica: suspend the REC (the RepSrc/RepDst scripts unmount and remount)"
r1=$(sum /dev/hdisk1)
rep swsrpmake /dev/hdisk1 /dev/hdisk6
rep swsrpstat -Xdate /dev/hdisk1
run write /dev/hdisk1 --seed 4 --length 1M
check "replica holds the source at the time of swsrpmake" "$(sum /dev/hdisk6)" "$r1"
run host list | grep mount

step "Resume: only what changed is copied; then stop the replication"
rep swsrpstartsync /dev/hdisk1 /dev/hdisk6
check "replica equals the source again" "$(sum /dev/hdisk6)" "$(sum /dev/hdisk1)"
rep swsrpcancel /dev/hdisk1 /dev/hdisk6
rep swsrpstat /dev/hdisk1

step "SnapOPC+ generations of /dev/hdisk3 with swsrpmake -P"
run write /dev/hdisk3 --seed 10
g1=$(sum /dev/hdisk3)
rep swsrpmake -P /dev/hdisk3 /dev/hdisk4
run write /dev/hdisk3 --seed 11 --length 8M
g2=$(sum /dev/hdisk3)
rep swsrpmake -P /dev/hdisk3 /dev/hdisk5
run write /dev/hdisk3 --seed 12 --offset 4M --length 8M
rep swsrpstat -L /dev/hdisk3
check "generation 1 holds the source at its start" "$(sum /dev/hdisk4)" "$g1"
check "generation 2 holds the source at its start" "$(sum /dev/hdisk5)" "$g2"

step "Restore /dev/hdisk3 from generation 1 (an OPC back to the source, the generations kept)"
rep swsrpmake /dev/hdisk4 /dev/hdisk3
check "source restored to generation 1" "$(sum /dev/hdisk3)" "$g1"
rep swsrpstat -E /dev/hdisk3
rep swsrpcancel -Xforce /dev/hdisk3 /dev/hdisk5
rep swsrpstat /dev/hdisk3

step "A Management Server drives this server (SV1) with -h, over HTTPS with mutual TLS"
mgr="$work/mgr"
# Two free loopback ports for the two communication daemons.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() { local p; while :; do p=$((20000 + RANDOM % 30000)); port_free "$p" && { echo "$p"; return; }; done; }
mport=$(pick_port); sport=$(pick_port)
while [[ $sport == "$mport" ]]; do sport=$(pick_port); done
as_mgr() { ACM_ROOT="$mgr" "$@"; }
conf() { local c=$1; shift; printf '# /opt/FJSVswstf/bin/%s %s\n' "$c" "$*"; as_mgr "$swstf/$c" "$@"; }
mcmd() { local c=$1; shift; printf '# /opt/FJSVswsts/bin/%s %s\n' "$c" "$*"; as_mgr "$swst/$c" "$@"; }
mrep() { local c=$1; shift; printf '# /opt/FJSVswsrp/bin/%s %s\n' "$c" "$*"; as_mgr "$swsrp/$c" "$@"; }
"$setup" ca "$work/site-ca"
as_mgr "$setup" node --name MGR --ip 127.0.0.1 --port "$mport" --manager
as_mgr "$setup" cert --ca "$work/site-ca"
"$setup" node --name SV1 --ip 127.0.0.1 --port "$sport" \
  --manager-ip 127.0.0.1 --manager-port "$mport" --manager-name MGR
"$setup" cert --ca "$work/site-ca"
stop_daemons() { as_mgr "$swstf/stgfwcom" stop >/dev/null 2>&1 || true; "$swstf/stgfwcom" stop >/dev/null 2>&1 || true; }
trap 'stop_daemons; [[ -n ${DEMO_DIR:-} ]] || rm -rf "$work"' EXIT
as_mgr "$ACM_ROOT/opt/swstorage/bin/startacm"
"$ACM_ROOT/opt/swstorage/bin/startacm"
grep -h stgxfws0060 "$mgr/var/opt/FJSVswstf/log/stgxfws.log" "$ACM_ROOT/var/opt/FJSVswstf/log/stgxfws.log" | cut -d' ' -f3-
conf stgxfwcmaddsrv -n SV1 -i 127.0.0.1 -p "$sport"
conf stgxfwcmdispsrv
conf stgxfwcmsetdev -n SV1
conf stgxfwcmdispdev -n SV1
run write /dev/vg01 --seed 20 --offset 2M --length 2M
v3=$(sum /dev/vg01)
mcmd swstbackup -h SV1 /dev/vg01
mcmd swsthistdisp -h SV1
check "backup made from the Management Server holds SV1's data" "$(sum /dev/hdisk2)" "$v3"
mcmd swstbkpoldisp
mrep swsrpvolinfo -h SV1
"$ACM_ROOT/opt/swstorage/bin/stopacm"
printf '# (SV1 stopped) /opt/FJSVswsts/bin/swstbackstat -h SV1\n'
if as_mgr "$swst/swstbackstat" -h SV1 2>"$work/err"; then
  check "a stopped daemon is refused" "answered" "refused"
else
  cat "$work/err"
  check "a stopped daemon is refused with swst0902" "$(cut -d' ' -f1 "$work/err")" "swst0902"
fi
stop_daemons

echo
if ((failures)); then echo "demo: $failures check(s) FAILED"; exit 1; fi
echo "demo: every copy holds the right bytes"
