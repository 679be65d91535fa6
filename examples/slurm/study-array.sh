#!/bin/bash
# A Self-Tracing study as a Slurm job array: task i of N runs `self-trace study --shard i/N` into its own folder;
# a dependent job merges the slices into one report when every task has finished.
#   sbatch examples/slurm/study-array.sh prompts.jsonl /scratch/$USER/study
# Each task is resumable: resubmitting (or `scontrol requeue`) skips the prompts whose graphs are already written.
#SBATCH --job-name=self-trace-study
#SBATCH --array=0-7               # N = 8 shards: SLURM_ARRAY_TASK_ID is 0…7
#SBATCH --cpus-per-task=2
#SBATCH --mem=24G
#SBATCH --time=12:00:00
#SBATCH --output=self-trace-study-%A_%a.log
set -euo pipefail

PROMPTS=${1:?usage: sbatch study-array.sh PROMPTS.jsonl OUT_DIR}
OUT=${2:?usage: sbatch study-array.sh PROMPTS.jsonl OUT_DIR}
N=${SLURM_ARRAY_TASK_COUNT:-8}
MODEL=${MODEL:-meta-llama/Llama-3.2-1B}                      # a folder or a repo id in the local Hugging Face cache
TRANSCODERS=${TRANSCODERS:-mntss/transcoder-Llama-3.2-1B}
cd "${SELF_TRACING_DIR:-$SLURM_SUBMIT_DIR}"

./bin/self-trace study "$PROMPTS" --model "$MODEL" --transcoders "$TRANSCODERS" \
  --shard "${SLURM_ARRAY_TASK_ID}/${N}" --jobs "${SLURM_CPUS_PER_TASK:-1}" --out "$OUT/shard-${SLURM_ARRAY_TASK_ID}"

# The first task submits the merge, to run after every task of this array has succeeded.
if [ "${SLURM_ARRAY_TASK_ID}" = "0" ]; then
  sbatch --dependency=afterok:"${SLURM_ARRAY_JOB_ID}" --job-name=self-trace-merge --cpus-per-task=1 --mem=4G \
    --wrap="cd '$PWD' && ./bin/self-trace study merge --out '$OUT/merged' '$OUT'/shard-*"
fi
