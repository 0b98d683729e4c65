#!/usr/bin/env bash
# Management Server benchmarks. Prints one `name value` line per figure.
#
# Fan-out: a Table 8.2 display (`swstdevdisp` with neither -h nor a device) on a
# Management Server over 1, 10 and 50 Managed Servers, each with its own state
# root, certificate and communication daemon on a loopback port, each with one
# transaction volume on a box of its own. Median of 5 runs each:
#
#   mgmt_one_request_ms      one request to one server (`swstdevdisp -h SV1`):
#                            the floor of any display that asks a server
#   mgmt_fanout_N_ms         the display over N Managed Servers (and the
#                            Management Server itself)
#   mgmt_fanout_50_vs_1      the display over 50 / over 1 (target <= 4)
#   mgmt_fanout_50_sequential_ms   the same over 50 with ACM_FANOUT=1 (one
#                            server at a time, as before the fan-out)
#   mgmt_fanout_50_cpu_ms    CPU time of the display over 50: the client, the
#                            daemons and the programs they run, counted with
#                            perf for those processes only (without perf, the
#                            whole machine's busy time, which counts other
#                            work too); median of 5
#   mgmt_fanout_50_floor_ms  that CPU time over the machine's cores: the
#                            physical limit of the display on this machine
#   mgmt_fanout_50_manager_cpu_ms  of that, the Management Server's own
#                            command (what 50 servers cost it on a site where
#                            each Managed Server has its own CPU)
#   mgmt_fanout_50_vs_floor  the display's wall time over the floor of the
#                            same run (1.0: every core busy with the display
#                            throughout), median of 5
#
#   BENCH_MGMT_DIR=dir scripts/bench-mgmt.sh   (keeps the scratch roots in dir)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_MGMT_DIR:-$(mktemp -d)}
keep=${BENCH_MGMT_DIR:+yes}
mkdir -p "$work"

cd "$here"
cargo build --release --quiet --bin acm
bin="$here/target/release/programs"
"$here/target/release/acm" --link "$bin"

roots=()
cleanup() {
  for r in "${roots[@]}"; do
    ACM_ROOT=$r "$bin/stgfwcom" stop >/dev/null 2>&1 || true
  done
  ACMSIM_HOME=$work/sim "$bin/acmsim" stop >/dev/null 2>&1 || true
  [[ -n $keep ]] || rm -rf "$work"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1f\n", a / b; else print "n/a"}'; }

# A free loopback port.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# on ROOT PROGRAM ARGS...: runs a product program as server ROOT.
on() {
  local root=$1
  shift
  ACM_ROOT=$root ACMSIM_HOME=$work/sim "$bin/$1" "${@:2}"
}

# ----- The repository: 100,000 devices over 500 servers -----
#
#   repo_file_dispdev_ms   stgxfwcmdispdev -n of one server (200 devices) with the
#                          file backend, median of 3
#   repo_file_setdev_ms    stgxfwcmsetdev of one more server (200 devices, not yet
#                          held), file backend, median of 3 (each a new server)
#   repo_pg_dispdev_ms     the same with the repository in PostgreSQL (target < 200)
#   repo_pg_setdev_ms      the same with PostgreSQL (target < 200)
#   repo_file_addsrv_ms    stgxfwcmaddsrv of one more server, file backend,
#                          median of 3 (each a new server)
#   repo_file_modsrv_ms    stgxfwcmmodsrv -p of one of them, median of 3
#   repo_file_delsrv_ms    stgxfwcmdelsrv of one of them, median of 3
#   repo_pg_addsrv_ms      the same three with PostgreSQL: they read and write
#   repo_pg_modsrv_ms      the servers only, never the 100,000 device rows
#   repo_pg_delsrv_ms
#
# The repository is written as repository data of 500 servers with 200 disks
# each and taken in with stgrepcnv -d; `stgrepcnv -Xto postgresql` copies it
# into a PostgreSQL server started here (initdb in the scratch directory as the
# postgres user, a Unix socket only; the figures are n/a without PostgreSQL or
# root). The servers fetched from are local peers with 200 host disks each.
#
#   BENCH_MGMT_SECTION=repository scripts/bench-mgmt.sh   (only this section)
#   BENCH_MGMT_SECTION=fanout scripts/bench-mgmt.sh       (only the fan-out)
repo_pg_data=
repo_cleanup() {
  if [[ -n $repo_pg_data ]]; then
    runuser -u postgres -- "$repo_pg_bin/pg_ctl" -D "$repo_pg_data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  ACMSIM_HOME=$work/repo/sim "$bin/acmsim" stop >/dev/null 2>&1 || true
}
trap 'repo_cleanup; cleanup' EXIT

repository_figures() {
  local r=$work/repo servers=500 per=200 i
  local mgr=$r/MGR
  rm -rf "$r"
  mkdir -p "$r/src" "$mgr/etc/opt/swstorage"
  export ACMSIM_HOME=$r/sim
  repo_on() { local root=$1; shift; ACM_ROOT=$root "$bin/$1" "${@:2}"; }
  echo "ServerName=MGR
ServerType=Management
IpAddress=127.0.0.1" >"$mgr/etc/opt/swstorage/swnode.ini"
  # The repository data: SV001..SV500, /dev/hdisk1..200 each.
  awk -v n="$servers" -v per="$per" 'BEGIN {
    box = "0000000000000000000000000000000000000001"
    printf "{\"servers\":["
    for (s = 1; s <= n; s++) printf "%s{\"name\":\"SV%03d\",\"ip\":\"127.0.0.1\",\"port\":1226}", (s > 1 ? "," : ""), s
    printf "],\"devices\":{"
    for (s = 1; s <= n; s++) {
      printf "%s\"SV%03d\":[", (s > 1 ? "," : ""), s
      for (d = 1; d <= per; d++)
        printf "%s{\"device\":\"/dev/hdisk%d\",\"kind\":\"disk\",\"box_id\":\"%s\",\"luns\":[%d],\"size\":67108864}", (d > 1 ? "," : ""), d, box, d - 1
      printf "]"
    }
    print "}}"
  }' >"$r/src/repository.json"
  repo_on "$mgr" stgrepcnv -d "$r/src" >/dev/null
  # Six servers to fetch from, sharing one host of 200 disks: three for each backend.
  repo_on "$mgr" acmsim box create RB >/dev/null
  repo_on "$mgr" acmsim lun create RB --size 64K --count "$per" >/dev/null
  local first=$r/EXTRA1 peers=""
  # EXTRA1..6 are fetched from; EXTRA7..12 are added, changed and deleted.
  for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    local root=$r/EXTRA$i
    mkdir -p "$root/etc/opt/swstorage"
    echo "ServerName=EXTRA$i
ManagerIpAddress=127.0.0.1
ManagerPort=1226
ManagerName=MGR" >"$root/etc/opt/swstorage/swnode.ini"
    echo "MGR=$mgr" >"$root/etc/opt/swstorage/peers.ini"
    peers+="EXTRA$i=$root"$'\n'
  done
  for ((i = 1; i <= per; i++)); do
    repo_on "$first" acmsim host attach RB $((i - 1)) "/dev/hdisk$i" >/dev/null
  done
  for i in 2 3 4 5 6; do
    mkdir -p "$r/EXTRA$i/var/opt" && cp -r "$first/var/opt/acmsim-host" "$r/EXTRA$i/var/opt/"
  done
  printf '%s' "$peers" >"$mgr/etc/opt/swstorage/peers.ini"
  for i in 1 2 3 4 5 6; do
    repo_on "$mgr" stgxfwcmaddsrv -n "EXTRA$i" -i 127.0.0.1 -p 1226 >/dev/null
  done

  # ms_on CMD...: wall-clock milliseconds of one run on MGR.
  ms_on() {
    local t0 t1
    t0=$(now_ns)
    repo_on "$mgr" "$@" >/dev/null
    t1=$(now_ns)
    echo $(((t1 - t0) / 1000000))
  }
  # figures BACKEND FIRST: dispdev of SV250 (3 runs), setdev of EXTRA FIRST..FIRST+2.
  figures() {
    local v=() w=() k
    for _ in 1 2 3; do v+=("$(ms_on stgxfwcmdispdev -n SV250)"); done
    for ((k = $2; k < $2 + 3; k++)); do w+=("$(ms_on stgxfwcmsetdev -n "EXTRA$k")"); done
    local rows
    rows=$(repo_on "$mgr" stgxfwcmdispdev -n "EXTRA$2" | tail -n +2 | wc -l)
    if ((rows != per)); then
      echo "bench-mgmt: EXTRA$2 shows $rows devices, not $per" >&2
      exit 1
    fi
    echo "repo_$1_dispdev_ms $(median "${v[@]}")"
    echo "repo_$1_setdev_ms $(median "${w[@]}")"
    # The server commands, on EXTRA FIRST+6..FIRST+8 (new to the repository).
    local a=() m=() d=()
    for ((k = $2 + 6; k < $2 + 9; k++)); do a+=("$(ms_on stgxfwcmaddsrv -n "EXTRA$k" -i 127.0.0.1 -p 1226)"); done
    for ((k = $2 + 6; k < $2 + 9; k++)); do m+=("$(ms_on stgxfwcmmodsrv -n "EXTRA$k" -p 1300)"); done
    for ((k = $2 + 6; k < $2 + 9; k++)); do d+=("$(ms_on stgxfwcmdelsrv -n "EXTRA$k")"); done
    if repo_on "$mgr" stgxfwcmdispsrv -n "EXTRA$(($2 + 6))" >/dev/null 2>&1; then
      echo "bench-mgmt: EXTRA$(($2 + 6)) is still registered after stgxfwcmdelsrv" >&2
      exit 1
    fi
    echo "repo_$1_addsrv_ms $(median "${a[@]}")"
    echo "repo_$1_modsrv_ms $(median "${m[@]}")"
    echo "repo_$1_delsrv_ms $(median "${d[@]}")"
  }

  # PostgreSQL, when there is one to start; the copy is taken before the
  # file backend's fetches, so EXTRA4..6 are new to it too.
  repo_pg_bin=$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)")" 2>/dev/null || true)
  local pg=no
  if [[ $(id -u) == 0 && -x $repo_pg_bin/initdb ]] && id postgres >/dev/null 2>&1; then
    local pgdir=$r/pg password
    password="bench$RANDOM$RANDOM"
    mkdir -p "$pgdir/sock"
    chmod 755 "$work" "$r" && chown -R postgres "$pgdir"
    repo_pg_data=$pgdir/data
    runuser -u postgres -- "$repo_pg_bin/initdb" -D "$repo_pg_data" -A peer -N --no-instructions -U postgres >/dev/null
    printf "port = 5432\nlisten_addresses = ''\nunix_socket_directories = '%s'\n" "$pgdir/sock" >>"$repo_pg_data/postgresql.conf"
    printf 'local all postgres peer\nlocal all all scram-sha-256\n' >"$repo_pg_data/pg_hba.conf"
    runuser -u postgres -- "$repo_pg_bin/pg_ctl" -D "$repo_pg_data" -l "$pgdir/pg.log" -w start >/dev/null
    psql_pg() { runuser -u postgres -- "$repo_pg_bin/psql" -X -q -At -h "$pgdir/sock" -d postgres -c "$1" >/dev/null; }
    psql_pg "CREATE ROLE acm LOGIN PASSWORD '$password'"
    psql_pg "CREATE DATABASE acm OWNER acm"
    local rdir=$mgr/etc/opt/FJSVswstf/repository
    (umask 077 && echo "$password" >"$rdir/pgpass")
    ini() {
      printf 'Backend=%s\nConnection=host=%s port=5432 user=acm dbname=acm\nPasswordFile=%s\n' \
        "$1" "$pgdir/sock" "$rdir/pgpass" >"$rdir/repository.ini"
    }
    ini file
    local t0
    t0=$(now_ns)
    repo_on "$mgr" stgrepcnv -Xto postgresql >/dev/null
    echo "# stgrepcnv -Xto postgresql of 100,000 devices: $((($(now_ns) - t0) / 1000000)) ms"
    pg=yes
  else
    echo "# PostgreSQL figures left out: they need root, PostgreSQL's initdb and a postgres user"
  fi
  figures file 1
  if [[ $pg == yes ]]; then
    ini postgresql
    figures pg 4
  else
    local f
    for f in dispdev setdev addsrv modsrv delsrv; do echo "repo_pg_${f}_ms n/a"; done
  fi
  repo_cleanup
  repo_pg_data=
  unset ACMSIM_HOME
}

case ${BENCH_MGMT_SECTION:-all} in
  repository) repository_figures; exit 0 ;;
  fanout) ;;
  *) repository_figures ;;
esac

"$bin/acmsetup" ca "$work/ca" >/dev/null
mgr=$work/MGR
mgr_port=$(port)
on "$mgr" acmsetup node --name MGR --ip 127.0.0.1 --port "$mgr_port" --manager >/dev/null
on "$mgr" acmsetup cert --ca "$work/ca" >/dev/null

# server ROOT NAME PORT BOX: a backup-managed server with one transaction volume.
server() {
  local root=$1 name=$2 p=$3 box=$4
  if [[ $name != MGR ]]; then
    on "$root" acmsetup node --name "$name" --ip 127.0.0.1 --port "$p" \
      --manager-ip 127.0.0.1 --manager-port "$mgr_port" --manager-name MGR >/dev/null
    on "$root" acmsetup cert --ca "$work/ca" >/dev/null
  fi
  on "$root" stgfwcom start >/dev/null
  roots+=("$root")
  on "$root" acmsim box create "$box" >/dev/null
  on "$root" acmsim lun create "$box" --size 1M --count 1 >/dev/null
  on "$root" acmsim host attach "$box" 0 /dev/hdisk1 >/dev/null
  on "$root" swstsvrset >/dev/null
  on "$root" swstdevinfoset -t /dev/hdisk1 >/dev/null
}

server "$mgr" MGR "$mgr_port" B0
ports=()
for i in $(seq 1 50); do
  p=$(port)
  ports+=("$p")
  server "$work/SV$i" "SV$i" "$p" "B$i"
done

# display_ms: one Table 8.2 display on the Management Server, in ms.
display_ms() {
  local t0 t1
  t0=$(now_ns)
  on "$mgr" swstdevdisp >/dev/null
  t1=$(now_ns)
  echo $(((t1 - t0) / 1000000))
}
median_of_5() {
  local v=()
  for _ in 1 2 3 4 5; do v+=("$("$@")"); done
  median "${v[@]}"
}

registered=0
register_up_to() {
  while ((registered < $1)); do
    registered=$((registered + 1))
    on "$mgr" stgxfwcmaddsrv -n "SV$registered" -i 127.0.0.1 -p "${ports[$((registered - 1))]}" >/dev/null
  done
}

register_up_to 1
one_ms() {
  local t0 t1
  t0=$(now_ns)
  on "$mgr" swstdevdisp -h SV1 >/dev/null
  t1=$(now_ns)
  echo $(((t1 - t0) / 1000000))
}
echo "mgmt_one_request_ms $(median_of_5 one_ms)"
declare -A at
for n in 1 10 50; do
  register_up_to "$n"
  shown=$(on "$mgr" swstdevdisp | tail -n +2 | wc -l)
  if ((shown != n + 1)); then
    echo "bench-mgmt: the display over $n servers showed $shown rows, not $((n + 1))" >&2
    exit 1
  fi
  at[$n]=$(median_of_5 display_ms)
  echo "mgmt_fanout_${n}_ms ${at[$n]}"
done
echo "mgmt_fanout_50_vs_1 $(ratio "${at[50]}" "${at[1]}")"
seq_ms() { ACM_FANOUT=1 display_ms; }
# The display's CPU time, counted in the same runs as its wall-clock time so
# the two compare: with perf, the task clock of exactly the processes the
# display involves (the client, every daemon and the programs they start,
# which perf's counters inherit), whatever else the machine runs; without
# perf, the whole machine's busy time from /proc/stat (which counts any
# other work on the machine too).
daemon_pids=$(for r in "${roots[@]}"; do cat "$r/var/opt/FJSVswstf/stgxfws.pid"; done | paste -sd, -)
# busy_ms: CPU milliseconds of the whole machine so far (all but idle, iowait and steal).
busy_ms() { awk -v hz="$(getconf CLK_TCK)" '/^cpu /{print ($2 + $3 + $4 + $7 + $8) * 1000 / hz}' /proc/stat; }
counted=machine
if command -v perf >/dev/null && perf stat -x, -e task-clock -o /dev/null -- true 2>/dev/null; then
  counted=processes
fi
# wall_and_cpu: "wall_ms cpu_ms" of one display over every registered server.
wall_and_cpu() {
  local t0 t1 b0 b1
  if [[ $counted == processes ]]; then
    local f=$work/perf.$$ c=$work/perf-client.$$ pp
    perf stat -x, -e task-clock -p "$daemon_pids" -o "$f" &
    pp=$!
    sleep 0.5 # perf attaches to every daemon thread
    t0=$(now_ns)
    ACM_ROOT=$mgr ACMSIM_HOME=$work/sim perf stat -x, -e task-clock -o "$c" -- "$bin/swstdevdisp" >/dev/null
    t1=$(now_ns)
    sleep 0.2 # the daemons' last bookkeeping after the answers
    kill -INT "$pp"
    wait "$pp" || true
    awk -F, -v w=$(((t1 - t0) / 1000000)) -v c="$c" '$3 == "task-clock" {ms += $1; if (FILENAME == c) own += $1} END {printf "%d %d %d\n", w, ms, own}' "$f" "$c"
  else
    b0=$(busy_ms)
    t0=$(now_ns)
    on "$mgr" swstdevdisp >/dev/null
    t1=$(now_ns)
    b1=$(busy_ms)
    awk -v w=$(((t1 - t0) / 1000000)) -v b0="$b0" -v b1="$b1" 'BEGIN {printf "%d %d 0\n", w, b1 - b0}'
  fi
}
cores=$(nproc)
walls=() cpus=() vs=() owns=()
for _ in 1 2 3 4 5; do
  read -r w c own < <(wall_and_cpu)
  walls+=("$w")
  cpus+=("$c")
  owns+=("$own")
  # This run's wall time over its own floor (its CPU time spread over every core).
  vs+=("$(awk -v w="$w" -v c="$c" -v n="$cores" 'BEGIN {if (c > 0) printf "%.2f\n", w * n / c; else print 0}')")
done
echo "# CPU counted for: $counted (perf: the display's processes; machine: all of /proc/stat)"
echo "mgmt_fanout_50_cpu_ms $(median "${cpus[@]}")"
echo "mgmt_fanout_50_floor_ms $(($(median "${cpus[@]}") / cores))"
echo "mgmt_fanout_50_vs_floor $(median "${vs[@]}")"
# What the Management Server itself spends (its command and the programs it
# starts for itself): on a site, where every Managed Server has its own CPU,
# this is what fifty servers cost it (0 without perf).
echo "mgmt_fanout_50_manager_cpu_ms $(median "${owns[@]}")"
echo "mgmt_fanout_50_sequential_ms $(median_of_5 seq_ms)"
