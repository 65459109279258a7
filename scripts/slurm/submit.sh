#!/bin/bash
# Submits a sharded carbonsim study to Slurm: a job array of SHARDS tasks (shard-array.sh), then
# a merge job that runs once every task has succeeded and writes the study to OUT/merged.
# Prints the merge job's id.
#
#   scripts/slurm/submit.sh 32 results/run1 montecarlo scenario.toml --seeds 10000
#   scripts/slurm/submit.sh 8 results/sweep1 sweep scenario.toml --grid fleet.compliance_firms=500,1000 --seeds 20
#
# Extra sbatch options (partition, time, memory) go in $SBATCH_OPTIONS; the carbonsim binary is
# $CARBONSIM (default: carbonsim on PATH), seen by the jobs through the exported environment.
set -euo pipefail

SHARDS=${1:?usage: submit.sh SHARDS OUT montecarlo|sweep SCENARIO [carbonsim arguments]}
OUT=${2:?usage: submit.sh SHARDS OUT montecarlo|sweep SCENARIO [carbonsim arguments]}
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
CARBONSIM=${CARBONSIM:-carbonsim}
export CARBONSIM SHARDS
mkdir -p "$OUT/logs"
# shellcheck disable=SC2086 # SBATCH_OPTIONS is a list of options
ARRAY=$(sbatch --parsable --export=ALL ${SBATCH_OPTIONS:-} \
  --array="0-$((SHARDS - 1))" \
  --output="$OUT/logs/shard-%A_%a.out" \
  "$HERE/shard-array.sh" "$OUT" "$@")
ARRAY=${ARRAY%%;*}
# shellcheck disable=SC2086
MERGE=$(sbatch --parsable --export=ALL ${SBATCH_OPTIONS:-} \
  --job-name=carbonsim-merge \
  --dependency="afterok:$ARRAY" \
  --output="$OUT/logs/merge-%j.out" \
  --wrap="\"$CARBONSIM\" merge --quiet --out \"$OUT/merged\" \"$OUT\"/shards/*/shard-*.json")
echo "${MERGE%%;*}"
