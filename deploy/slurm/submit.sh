#!/usr/bin/env bash
# Submits a sharded lockout run to Slurm: an array job of SHARDS tasks, then the merge job,
# which waits for the whole array to succeed.
#
#   SCENARIO=scenarios/mixed-population.toml INCIDENTS=1000000000 SHARDS=16 \
#     OUT=results/mixed-population-1e9 deploy/slurm/submit.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${SCENARIO:?}" "${SHARDS:?}" "${OUT:?}"
export SCENARIO SHARDS OUT INCIDENTS="${INCIDENTS:-}" PERIODS="${PERIODS:-}"
array=$(sbatch --parsable --export=ALL --array="1-$SHARDS" "$here/lockout-array.sbatch")
sbatch --export=ALL --dependency="afterok:${array%%;*}" "$here/lockout-merge.sbatch"
