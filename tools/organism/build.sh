#!/usr/bin/env bash
# Rebuilds the embedded default model (models/organism) from nothing but the npm data packages:
# corpus → tokenizer (checked against @huggingface/tokenizers) → GPT-2 → transcoders → evaluation.
# Usage: bash tools/organism/build.sh   (from the repo root, after npm ci; about 30 minutes on 2 idle cores)
# Needs Debian's python3-torch, python3-numpy, python3-yaml and libopenblas0-pthread.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-/usr/bin/python3}
SEED=${SEED:-1234}
DOCS=${DOCS:-300000}
STEPS=${STEPS:-1800}
TC_STEPS=${TC_STEPS:-800}
D_TC=${D_TC:-1024}
OUT=models/organism
BUILD=tools/organism/build
mkdir -p "$OUT/transcoders" "$BUILD"
stamp() { echo "[$(date +%H:%M:%S)] $*"; }

stamp "corpus"
node tools/organism/gen-corpus.mjs "$BUILD" "$SEED" "$DOCS"
node tools/organism/gen-lexicon.mjs "$OUT/lexicon.json"
stamp "tokenizer"
"$PY" tools/organism/train_tokenizer.py "$BUILD/corpus.jsonl" "$OUT" 2048 100000
"$PY" tools/organism/encode_eval.py "$OUT/tokenizer.json" "$BUILD/eval.jsonl" "$BUILD/corpus.jsonl" "$BUILD/ids.json"
node tools/organism/verify-tokenizer.mjs "$OUT" "$BUILD/ids.json"
stamp "model ($STEPS steps)"
"$PY" tools/organism/train_model.py "$BUILD/corpus.jsonl" "$OUT" "$STEPS" | tee "$BUILD/train_model.log"
stamp "transcoders ($TC_STEPS steps per layer, $D_TC features)"
"$PY" tools/organism/train_transcoders.py "$BUILD/corpus.jsonl" "$OUT" "$D_TC" "$TC_STEPS" | tee "$BUILD/train_transcoders.log"
stamp "evaluation"
"$PY" tools/organism/evaluate.py "$BUILD/eval.jsonl" "$BUILD/corpus.jsonl" "$OUT"
stamp "feature index (held-out sample: 4000 of the last 5% of documents, which training never saw)"
tail -n $((DOCS / 20)) "$BUILD/corpus.jsonl" | head -n 4000 > tools/organism/heldout-sample.jsonl
./bin/self-trace features build --model "$OUT" --corpus tools/organism/heldout-sample.jsonl --out "$OUT/features"
stamp "done"
