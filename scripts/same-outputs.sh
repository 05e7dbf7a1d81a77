#!/usr/bin/env bash
# Same outputs from two builds: runs a fixed set of experiments with each jar and compares rounds.jsonl, events.jsonl
# and summary.json (wall-clock fields aside) byte for byte. For refactors that must not change behaviour.
#
#   scripts/same-outputs.sh OLD.jar NEW.jar WORKDIR [--real]
#
# 14 analytic runs (sfl, sl, fl, centralized, 40 clients, every shipped scenario), about 1 minute per jar on 2 cores;
# --real adds 4 real-mode runs (default 2 rounds, main-server-crash, client-crash-rejoin, fl), about 8 minutes per jar.
# Prints one line per compared file and exits 1 when any differs. WORKDIR must not exist or be empty.
set -euo pipefail
if [[ $# -lt 3 || $# -gt 4 || ( $# -eq 4 && "$4" != "--real" ) ]]; then
  echo "usage: $0 OLD.jar NEW.jar WORKDIR [--real]" >&2; exit 2
fi
old=$1 new=$2 work=$3 real=${4:-}
for j in "$old" "$new"; do [[ -f "$j" ]] || { echo "error: jar $j does not exist" >&2; exit 2; }; done
if [[ -e "$work" && -n "$(ls -A "$work" 2>/dev/null)" ]]; then
  echo "error: $work exists and is not empty" >&2; exit 2
fi
scenarios=$(cd "$(dirname "$0")/../scenarios" && pwd)

runs() { # JAR ROOT
  local J=(java -Dai.djl.offline=true -jar "$1") root=$2
  mkdir -p "$root"
  one() { local name=$1; shift; "${J[@]}" run --out "$root/$name" "$@" >"$root/$name.log" 2>&1 \
    || { echo "error: run $name failed, see $root/$name.log" >&2; exit 1; }; }
  one a-sfl --mode analytic --seed 3 --rounds 4
  one a-sl --mode analytic --seed 3 --rounds 3 --scheme sl
  one a-fl --mode analytic --seed 3 --rounds 3 --scheme fl
  one a-central --mode analytic --seed 3 --rounds 3 --scheme centralized
  one a-many --mode analytic --seed 5 --rounds 2 --clients 40
  for f in "$scenarios"/*.conf; do
    s=$(basename "$f" .conf)
    extra=(); [[ $s == over-select ]] && extra=(--set population.devices=8)
    one "a-$s" --mode analytic --seed 4 --rounds 4 --scenario "$f" "${extra[@]}"
  done
  if [[ -n "$real" ]]; then
    one r-default --seed 7 --rounds 2
    one r-mcrash --seed 7 --rounds 3 --scenario "$scenarios/main-server-crash.conf"
    one r-crashrejoin --seed 7 --rounds 3 --scenario "$scenarios/client-crash-rejoin.conf"
    one r-fl --seed 7 --rounds 2 --scheme fl
  fi
}
runs "$old" "$work/old"
runs "$new" "$work/new"

strip() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
def drop(o):
    if isinstance(o,dict): return {k:drop(v) for k,v in o.items() if "wall" not in k.lower()}
    if isinstance(o,list): return [drop(v) for v in o]
    return o
print(json.dumps(drop(d),sort_keys=True))' "$1"; }
bad=0
for d in "$work"/old/*/; do
  n=$(basename "$d")
  for f in rounds.jsonl events.jsonl summary.json; do
    [[ -f "$work/old/$n/$f" ]] || continue
    if [[ $f == summary.json ]]; then a=$(strip "$work/old/$n/$f" | sha256sum); b=$(strip "$work/new/$n/$f" | sha256sum)
    else a=$(sha256sum < "$work/old/$n/$f"); b=$(sha256sum < "$work/new/$n/$f"); fi
    if [[ "$a" == "$b" ]]; then echo "same $n/$f"; else echo "DIFF $n/$f"; bad=1; fi
  done
done
exit $bad
