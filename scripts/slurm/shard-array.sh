#!/bin/bash
# One task of a sharded carbonsim study, run as a Slurm job array: task i of an array 0..n-1
# runs shard i/n of `carbonsim montecarlo` or `carbonsim sweep` and writes its shard file to
# OUT/shards/i/. Submit it with submit.sh (which adds the merge), or by hand:
#
#   sbatch --array=0-31 scripts/slurm/shard-array.sh results/run1 montecarlo scenario.toml --seeds 10000
#
# Arguments: OUT, then the carbonsim command and its arguments (without --shard, --out,
# --threads). The carbonsim binary is $CARBONSIM (default: carbonsim on PATH). Add --mem,
# --time or --partition on the sbatch line as your cluster requires.
#SBATCH --job-name=carbonsim-shard
#SBATCH --cpus-per-task=1
#SBATCH --output=carbonsim-%A_%a.out
set -euo pipefail

OUT=${1:?usage: shard-array.sh OUT montecarlo|sweep SCENARIO [carbonsim arguments]}
shift
: "${SLURM_ARRAY_TASK_ID:?run this as a Slurm job array (sbatch --array=0-N)}"
SHARDS=${SHARDS:-$((SLURM_ARRAY_TASK_MAX + 1))}
CARBONSIM=${CARBONSIM:-carbonsim}

# One folder per task: tasks never write the same folder at the same time. rayon uses the
# task's cores; the results do not depend on how many.
"$CARBONSIM" "$@" --quiet \
  --threads "${SLURM_CPUS_PER_TASK:-1}" \
  --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" \
  --out "$OUT/shards/$SLURM_ARRAY_TASK_ID"
