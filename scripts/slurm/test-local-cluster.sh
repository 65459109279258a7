#!/bin/bash
# Proves the Slurm recipe on a real (single-node, localhost-only) Slurm cluster: installs
# Debian's slurm-wlm and munge, starts munged, slurmctld and slurmd with a generated slurm.conf
# bound to 127.0.0.1, submits a sharded sweep and a sharded Monte Carlo study as job arrays with
# submit.sh, waits for their merges (bounded), and checks every merged file byte for byte against
# the same study run on this machine alone. Stops its daemons and removes its files on exit.
#
# Needs root on Debian (apt-get), and a built carbonsim (`cargo build --release`), or
# CARBONSIM_BIN. Run under a timeout, e.g. `timeout 15m scripts/slurm/test-local-cluster.sh`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${CARBONSIM_BIN:-$ROOT/target/release/carbonsim}
WAIT_SECONDS=${WAIT_SECONDS:-300}
CTLD_PORT=${CTLD_PORT:-6817}
SLURMD_PORT=${SLURMD_PORT:-6818}

say() { printf 'slurm test: %s\n' "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it installs packages and starts daemons)"
[ -x "$BIN" ] || die "no carbonsim binary at $BIN (cargo build --release, or set CARBONSIM_BIN)"

say "installing slurm-wlm and munge"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The packages' own services stay stopped: this test starts its daemons with its own files.
POLICY=/usr/sbin/policy-rc.d
OWN_POLICY=false
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$POLICY" && chmod +x "$POLICY"
  OWN_POLICY=true
  trap 'rm -f "$POLICY"' EXIT
fi
apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
if "$OWN_POLICY"; then rm -f "$POLICY"; fi
trap - EXIT

WORK=$(mktemp -d /tmp/carbonsim-slurm.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  local rc=$?
  # Jobs first (this cluster's only: SLURM_CONF names it), so that no job step outlives slurmd.
  if [ -n "${SLURM_CONF:-}" ] && [ "${#PIDS[@]}" -ge 3 ]; then
    timeout 10 scancel --quiet --user=root 2>/dev/null || true
    for _ in $(seq 50); do [ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    for log in "$WORK"/*.log "$WORK"/out/*/logs/*.out; do
      [ -f "$log" ] && { echo "--- $log"; tail -n 30 "$log"; }
    done
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
# A timeout's SIGTERM (or Ctrl-C) exits through the EXIT trap too, so the daemons always stop.
trap 'exit 143' TERM
trap 'exit 130' INT

say "starting munged"
mkdir -p "$WORK/munge"
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$WORK/munge/munge.key"
MUNGE_SOCKET="$WORK/munge/munge.socket"
/usr/sbin/munged --force --key-file="$WORK/munge/munge.key" --socket="$MUNGE_SOCKET" \
  --pid-file="$WORK/munge/munged.pid" --log-file="$WORK/munged.log" --seed-file="$WORK/munge/seed"
for _ in $(seq 50); do [ -s "$WORK/munge/munged.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$WORK/munge/munged.pid")")
munge --socket="$MUNGE_SOCKET" -n | unmunge --socket="$MUNGE_SOCKET" >/dev/null \
  || die "munge cannot encode and decode a credential"

say "starting slurmctld and slurmd on 127.0.0.1"
HOST=$(hostname -s)
CPUS=$(nproc)
mkdir -p "$WORK/state" "$WORK/spool"
cat >"$WORK/slurm.conf" <<CONF
ClusterName=carbonsim-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$HOST NodeAddr=127.0.0.1 NodeHostname=$HOST CPUs=$CPUS State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$WORK/slurm.conf"
/usr/sbin/slurmctld -i -f "$SLURM_CONF"
for _ in $(seq 100); do [ -s "$WORK/slurmctld.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$WORK/slurmctld.pid")")
/usr/sbin/slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do [ -s "$WORK/slurmd.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$WORK/slurmd.pid")")
for _ in $(seq 300); do
  sinfo -h -o '%T' 2>/dev/null | grep -Eq '^idle' && break
  sleep 0.2
done
sinfo -h -o '%T' | grep -Eq '^idle' || die "the node did not come up idle: $(sinfo 2>&1)"

SCENARIO="$ROOT/examples/scenarios/agent_based_2021_2023.toml"
SHORT=(--set end=2021-09-30 --set fleet.compliance_firms=200)
SWEEP=(sweep "$SCENARIO" "${SHORT[@]}" --grid fleet.compliance_firms=100,200 --seeds 2)
MC=(montecarlo "$SCENARIO" "${SHORT[@]}" --seeds 4)
OUT="$WORK/out"
mkdir -p "$OUT"
cd "$WORK"

say "submitting a sweep in 3 shards and a Monte Carlo study in 2 shards"
export CARBONSIM="$BIN"
SWEEP_MERGE=$("$ROOT/scripts/slurm/submit.sh" 3 "$OUT/sweep" "${SWEEP[@]}")
MC_MERGE=$("$ROOT/scripts/slurm/submit.sh" 2 "$OUT/mc" "${MC[@]}")

say "single-machine reference runs"
"$BIN" "${SWEEP[@]}" --quiet --out "$OUT/ref-sweep"
"$BIN" "${MC[@]}" --quiet --out "$OUT/ref-mc"

say "waiting for merge jobs $SWEEP_MERGE and $MC_MERGE (at most $WAIT_SECONDS s)"
deadline=$((SECONDS + WAIT_SECONDS))
while [ -n "$(squeue -h -o %i 2>/dev/null)" ]; do
  [ "$SECONDS" -lt "$deadline" ] || die "jobs still queued after $WAIT_SECONDS s: $(squeue 2>&1)"
  sleep 1
done

# The manifests differ by design (`merge` wrote one, `sweep`/`montecarlo` the other). A Monte
# Carlo merge does not write `overrides.txt` (its shard files do not record the --set lines), so
# the caller may name files to skip.
check() {
  local ref=$1 merged=$2 skip=${3:-} n=0
  [ -d "$merged" ] || die "no merged output in $merged"
  for f in "$ref"/*; do
    name=$(basename "$f")
    [ "$name" = manifest.json ] && continue
    [ "$name" = "$skip" ] && continue
    cmp -s "$f" "$merged/$name" || die "$name differs between $ref and $merged"
    n=$((n + 1))
  done
  [ "$n" -gt 0 ] || die "nothing to compare in $ref"
  say "$n files identical: $(basename "$(dirname "$merged")")"
}
check "$OUT/ref-sweep" "$OUT/sweep/merged"
check "$OUT/ref-mc" "$OUT/mc/merged" overrides.txt
say "passed"
