#!/usr/bin/env bash
# The README's table "SFL vs centralized under each federated strategy" (issue 14): `run` in real mode with the
# defaults otherwise (K = 5, I = 20, b = 16, the same examples), 24 rounds of 1,600 samples, rank 4 for every scheme
# (--set planner.ranks=4), then the validation loss after 1,600 / 3,200 / 6,400 / 9,600 / 16,000 / 38,400 samples and
# SFL's gap to centralized. Every row sets all the keys it depends on, so changing a default in application.conf does
# not change a row. Runs one at a time (each 24-round run takes 10-30 min on 2 cores); a row whose directory already
# holds a finished run (summary.json) is not run again, so the script can be resumed.
#
#   scripts/strategy-table.sh [OUT]        # OUT defaults to runs/strategies; JAR=... to use another jar
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${JAR:-target/fedsllm.jar}
OUT=${1:-runs/strategies}
ROUNDS=24
mkdir -p "$OUT"

ADAMW="--set train.client-optimizer=adamw"
SGD="--set train.client-optimizer=sgd --set train.sgd.momentum=0 --set train.sgd.nesterov=false"
# FedOpt as "Adam over rounds" (docs/federated-optimisation.md): no first-moment lag, bias-corrected, beta2 0.98
FEDOPT="--set train.fedopt.beta1=0 --set train.fedopt.beta2=0.98 --set train.fedopt.bias-correction=true"

# name | scheme | client optimiser, server strategy and their settings
ROWS=(
  "centralized|centralized|"
  "adamw-fedavg|sfl|$ADAMW --set train.fed-strategy=fedavg"
  "sgd-fedavg|sfl|$SGD --set train.sgd.learning-rate=0.3 --set train.fed-strategy=fedavg"
  "sgd-nesterov-fedavg|sfl|--set train.client-optimizer=sgd --set train.sgd.learning-rate=0.05 --set train.sgd.momentum=0.9 --set train.sgd.nesterov=true --set train.fed-strategy=fedavg"
  "sgd-fedavgm|sfl|$SGD --set train.sgd.learning-rate=0.3 --set train.fed-strategy=fedavgm --set train.fedavgm.learning-rate=1 --set train.fedavgm.momentum=0.1"
  "sgd-fedadam|sfl|$SGD --set train.sgd.learning-rate=0.3 --set train.fed-strategy=fedadam $FEDOPT --set train.fedopt.learning-rate=0.02 --set train.fedopt.epsilon=0.003"
  "adamw-fedavgm|sfl|$ADAMW --set train.fed-strategy=fedavgm --set train.fedavgm.learning-rate=1.25 --set train.fedavgm.momentum=0"
  "sgd-fedprox|sfl|$SGD --set train.sgd.learning-rate=0.3 --set train.fed-strategy=fedprox --set train.fedprox.mu=0.1"
  "sgd-fedyogi|sfl|$SGD --set train.sgd.learning-rate=0.3 --set train.fed-strategy=fedyogi $FEDOPT --set train.fedopt.learning-rate=0.02 --set train.fedopt.epsilon=0.003"
  "sgd-fedadagrad|sfl|$SGD --set train.sgd.learning-rate=0.3 --set train.fed-strategy=fedadagrad $FEDOPT --set train.fedopt.learning-rate=0.02 --set train.fedopt.epsilon=0.003"
)

for row in "${ROWS[@]}"; do
  IFS='|' read -r name scheme sets <<< "$row"
  if [[ -f "$OUT/$name/summary.json" ]]; then
    continue
  fi
  echo "$(date -u +%H:%M:%S) $name" >&2
  # shellcheck disable=SC2086 # $sets is a list of --set flags
  java -Dai.djl.offline=true -jar "$JAR" run --scheme "$scheme" --rounds "$ROUNDS" --set planner.ranks=4 \
      --set emu.progress=false $sets --out "$OUT/$name" --overwrite > "$OUT/$name.log" 2>&1
done

# valLoss of round r is line r + 1 of rounds.jsonl; 1,600 samples per round.
val() { sed -n "$(( $2 / 1600 ))p" "$OUT/$1/rounds.jsonl" | grep -o '"valLoss":[-0-9.eE]*' | cut -d: -f2; }
SAMPLES=(1600 3200 6400 9600 16000 38400)
printf '| run | %s |\n' "$(printf '%s | ' "${SAMPLES[@]}" | sed 's/ | $//')"
printf '|---|%s\n' "$(printf -- '---|%.0s' "${SAMPLES[@]}")"
for row in "${ROWS[@]}"; do
  IFS='|' read -r name _ _ <<< "$row"
  line="| $name |"
  for s in "${SAMPLES[@]}"; do
    v=$(val "$name" "$s"); c=$(val centralized "$s")
    if [[ $name == centralized ]]; then
      line+=$(awk -v v="$v" 'BEGIN { printf " %.4f |", v }')
    else
      line+=$(awk -v v="$v" -v c="$c" 'BEGIN { printf " %.4f (%+.1f %%) |", v, 100 * (v / c - 1) }')
    fi
  done
  echo "$line"
done
