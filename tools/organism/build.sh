#!/usr/bin/env bash
# Rebuilds the embedded default model (models/organism) from nothing but the npm data packages:
# corpus → tokenizer (checked against @huggingface/tokenizers) → GPT-2 → transcoders → evaluation → feature index,
# then checks that the rebuilt files hash as models/organism/SHA256SUMS says (or says why they cannot).
# Usage: bash tools/organism/build.sh                  (from the repo root, after npm ci; see models/organism/README.md for the measured time on 2 cores)
#        bash tools/organism/build.sh --check-only     (only the hash check, on the files there now)
#        bash tools/organism/build.sh --write-manifest (after a deliberate retrain: record the new hashes)
# Needs Debian's python3-torch, python3-numpy, python3-yaml and libopenblas0-pthread.
# SEED and THREADS reach every step: the corpus generator takes SEED; every Python step reads SEED (data.seed) and
# THREADS (the model trains data-parallel over THREADS one-thread processes, the transcoders' layers are split over
# THREADS processes, the evaluation uses THREADS torch threads); the feature index takes THREADS as SELF_TRACE_THREADS. The tokenizer (pure
# Python BPE) and the lexicon use neither: they are deterministic functions of the corpus and the data packages.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-/usr/bin/python3}
SEED=${SEED:-1234}
THREADS=${THREADS:-2}
DOCS=${DOCS:-300000}
STEPS=${STEPS:-5000}
TC_STEPS=${TC_STEPS:-2000}
D_TC=${D_TC:-1024}
TARGET_L0=${TARGET_L0:-24}  # the transcoders' mean number of active features
N_WINDOWS=${N_WINDOWS:-3000} # 128-token windows the transcoders learn from
RECIPE=${RECIPE:-2}      # the corpus's design (gen-corpus.mjs): 2 = the shipped model's (issue 14), 1 = the first organism's
N_LAYER=${N_LAYER:-6}
N_EMBD=${N_EMBD:-128}
N_HEAD=${N_HEAD:-4}
WD=${WD:-0.5}            # the model's AdamW weight decay
OUT=${OUT:-models/organism}
BUILD=tools/organism/build
export SEED THREADS RECIPE N_LAYER N_EMBD N_HEAD WD TARGET_L0 N_WINDOWS SELF_TRACE_THREADS=$THREADS OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# What the committed files were built with; a rebuild with anything else is another model, not a reproduction.
DEFAULTS="SEED=1234 THREADS=2 DOCS=300000 STEPS=5000 TC_STEPS=2000 D_TC=1024 TARGET_L0=24 N_WINDOWS=3000 RECIPE=2 N_LAYER=6 N_EMBD=128 N_HEAD=4 WD=0.5"
# Hashed (run in $OUT): the weights and what decides them (config.json is not: it records the training's wall-clock seconds).
hashed() { (ls tokenizer.json tokenizer_config.json lexicon.json model.safetensors transcoders/config.yaml transcoders/layer_*.safetensors); }
stamp() { echo "[$(date +%H:%M:%S)] $*"; }
torch_version() { "$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo unknown; }

write_manifest() {
  (cd "$OUT" && hashed | xargs sha256sum > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
  printf '# the parameters and torch of the build these hashes record (torch: as found when the manifest was written)\n%s\ntorch=%s\n' "$DEFAULTS" "$(torch_version)" > "$OUT/SHA256SUMS.env.tmp" && mv "$OUT/SHA256SUMS.env.tmp" "$OUT/SHA256SUMS.env"
  echo "wrote $OUT/SHA256SUMS ($(wc -l < "$OUT/SHA256SUMS") files) and $OUT/SHA256SUMS.env"
}

# Compares the files in $OUT with the committed manifest; on a mismatch says which files and why it can happen.
check_hashes() {
  if [ ! -f "$OUT/SHA256SUMS" ]; then
    echo "hash check: $OUT/SHA256SUMS is missing; nothing to compare the build with (bash tools/organism/build.sh --write-manifest records one)"
    return 1
  fi
  local failed
  if failed=$(cd "$OUT" && sha256sum --check --quiet SHA256SUMS 2>&1); then
    echo "hash check: reproduced: all $(wc -l < "$OUT/SHA256SUMS") files in $OUT match $OUT/SHA256SUMS (SHA-256)"
    return 0
  fi
  echo "hash check: NOT reproduced; these files differ from $OUT/SHA256SUMS:"
  echo "$failed" | sed 's/^/  /'
  local now="SEED=$SEED THREADS=$THREADS DOCS=$DOCS STEPS=$STEPS TC_STEPS=$TC_STEPS D_TC=$D_TC TARGET_L0=$TARGET_L0 N_WINDOWS=$N_WINDOWS RECIPE=$RECIPE N_LAYER=$N_LAYER N_EMBD=$N_EMBD N_HEAD=$N_HEAD WD=$WD"
  local recorded_torch
  recorded_torch=$(sed -n 's/^torch=//p' "$OUT/SHA256SUMS.env" 2>/dev/null || true)
  echo "why:"
  if [ "$now" != "$DEFAULTS" ]; then
    echo "  - the build's parameters differ from the committed build's: $now (committed: $DEFAULTS); another SEED, corpus"
    echo "    size, recipe, model size or schedule trains another model, so no file after the corpus can match."
  fi
  if echo "$failed" | grep -q -e tokenizer -e lexicon; then
    echo "  - tokenizer.json or lexicon.json differ: no floating point is involved there, so the corpus or lexicon changed:"
    echo "    another version of the npm data packages (package-lock.json), or an edit to gen-corpus.mjs, data.mjs, bpe.py or"
    echo "    gen-lexicon.mjs. Every later file follows from these, so they differ too."
  fi
  if echo "$failed" | grep -q -e model.safetensors -e 'transcoders/'; then
    echo "  - weights differ: float32 training is reproducible only on the same torch build, BLAS and thread count. Here:"
    echo "    torch $(torch_version) (manifest recorded ${recorded_torch:-nothing}), THREADS=$THREADS (committed: 2). Another"
    echo "    torch/numpy/OpenBLAS version or CPU (AVX2 vs AVX-512 kernels) rounds matrix products differently, and another"
    echo "    thread count splits the sums differently; the differences grow over training. Such a rebuild is a valid model"
    echo "    of its own (check eval.md), not a byte-for-byte reproduction."
    if ! echo "$failed" | grep -q model.safetensors; then
      echo "    model.safetensors matched, so the difference starts in train_transcoders.py. Its skip-connection fit is"
      echo "    deterministic (normal equations, Cholesky in float64) since torch.linalg.lstsq was found to return different"
      echo "    bits for the same input from one call to the next on this torch/OpenBLAS; a train_transcoders.py older than"
      echo "    that change, or a BLAS whose solves round differently, trains other transcoder layers."
    fi
  fi
  return 1
}

case "${1:-}" in
  --check-only) check_hashes; exit $? ;;
  --write-manifest) write_manifest; exit 0 ;;
  '') ;;
  *) echo "usage: bash tools/organism/build.sh [--check-only | --write-manifest]" >&2; exit 2 ;;
esac

mkdir -p "$OUT/transcoders" "$BUILD"
stamp "corpus (SEED=$SEED, THREADS=$THREADS, RECIPE=$RECIPE)"
node tools/organism/gen-corpus.mjs "$BUILD" "$SEED" "$DOCS"
node tools/organism/gen-lexicon.mjs "$OUT/lexicon.json"
stamp "tokenizer"
"$PY" tools/organism/train_tokenizer.py "$BUILD/corpus.jsonl" "$OUT" 2048 100000
"$PY" tools/organism/encode_eval.py "$OUT/tokenizer.json" "$BUILD/eval.jsonl" "$BUILD/corpus.jsonl" "$BUILD/ids.json"
node tools/organism/verify-tokenizer.mjs "$OUT" "$BUILD/ids.json"
stamp "model ($STEPS steps, $N_LAYER layers, d_model $N_EMBD, $N_HEAD heads, weight decay $WD)"
"$PY" tools/organism/train_model.py "$BUILD/corpus.jsonl" "$OUT" "$STEPS" "$BUILD/eval.jsonl" "$BUILD/train_curve.jsonl" | tee "$BUILD/train_model.log"
stamp "transcoders ($TC_STEPS steps per layer, $D_TC features, target L0 $TARGET_L0, $N_WINDOWS windows)"
"$PY" tools/organism/train_transcoders.py "$BUILD/corpus.jsonl" "$OUT" "$D_TC" "$TC_STEPS" | tee "$BUILD/train_transcoders.log"
stamp "evaluation"
"$PY" tools/organism/evaluate.py "$BUILD/eval.jsonl" "$BUILD/corpus.jsonl" "$OUT"
stamp "feature index (held-out sample: 10000 of the last 5% of documents, which training never saw)"
# the first 10,000 of the last DOCS/20 documents, in one process: `tail | head` under pipefail fails the build when head
# stops reading and tail gets SIGPIPE (exit 141)
total=$(wc -l < "$BUILD/corpus.jsonl")
first=$((total - DOCS / 20 + 1))
sed -n "${first},$((first + 9999))p" "$BUILD/corpus.jsonl" > tools/organism/heldout-sample.jsonl.tmp
mv tools/organism/heldout-sample.jsonl.tmp tools/organism/heldout-sample.jsonl
./bin/self-trace features build --model "$OUT" --corpus tools/organism/heldout-sample.jsonl --out "$OUT/features"
stamp "feature labels: the share naming a concept on each demo prompt's pruned graph (appended to eval.md)"
label_share_ok=1
./bin/self-trace features concepts --model "$OUT" --markdown > "$BUILD/label-share.md" || label_share_ok=0
{
  printf '\n## Feature labels on the demo prompts'"'"' graphs\n\n'
  printf 'Measured by `./bin/self-trace features concepts --markdown` (build.sh appends this section after the feature index):\n'
  printf 'each demo prompt traced on the shipped model and feature index with the panel'"'"'s default pruning (node threshold 0.8,\n'
  printf 'edge threshold 0.98); a feature node counts when its label names a concept under the documented rule (README,\n'
  printf '"Feature index and labels": a lexicon entity or kind, a number, a content word, a pronoun set, an unknown name or a\n'
  printf 'spelled rhyme, read from its promoted tokens or its top examples). Issue 14 asks ≥ 80 %% on each case study'"'"'s graph.\n\n'
  cat "$BUILD/label-share.md"
} >> "$OUT/eval.md"
[ "$label_share_ok" = 1 ] || echo "  a demo prompt's label share is under 80 % (see $OUT/eval.md)"
stamp "hash check"
check_hashes || echo "(the build finished; the files above are not the committed ones)"
stamp "done"
