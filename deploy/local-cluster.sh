#!/usr/bin/env bash
# local-cluster.sh [run options...] : one experiment on a cluster of five JVMs on 127.0.0.1, each a `node` of the jar:
# a coordinator (runs the experiment and writes run's outputs), a main server, a federated server and two clients
# nodes (the K clients split between them: --client-share 1/2 and 2/2), talking Artery over mutual TLS with material
# made for this run by gen-certs.sh in a temporary folder (deleted at the end).
#
# Takes run's options (--seed, --rounds, --mode, --scheme, --clients, --target-loss, --out, --overwrite, --config,
# --set ...): all go to the coordinator; --config and --set also go to every other node (node-local keys such as
# train.device or emu.compute-threads apply there; the experiment itself comes from the coordinator). Each node's
# output goes to LOGS/<node>.log, LOGS a new folder under ${TMPDIR:-/tmp} printed at the start (kept). Every JVM is
# stopped whatever happens (end of the run, failure, Ctrl-C); the script exits with the coordinator's status: 0 when
# the run finished, 1 when it failed, 2 for a user error. Environment: FEDSLLM_JAR (default: target/fedsllm.jar next
# to this folder), JAVA (default: java), JAVA_OPTS (extra JVM options for every node).
set -euo pipefail

usage() {
  echo "usage: $0 [run options...]   e.g. $0 --seed 7 --rounds 3 --mode analytic --out runs/cluster" >&2
  exit 2
}
case "${1:-}" in -h|--help) usage ;; esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jar=${FEDSLLM_JAR:-$here/../target/fedsllm.jar}
java=${JAVA:-java}
start_timeout=1800   # seconds the coordinator may take to come up (real mode pre-trains an uncached base: ~11 min on 2 cores)
end_timeout=60       # seconds the other nodes may take to exit after the coordinator did (they leave in a few)
stop_grace=10        # seconds a node gets to stop after SIGTERM before it is killed
[ -f "$jar" ] || { echo "local-cluster.sh: no jar at $jar; build it with 'mvn -B package -DskipTests' or set FEDSLLM_JAR" >&2; exit 2; }

# Options every node takes (--config, --set); the rest are the coordinator's.
shared=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --config|--set)
      [ $((i + 1)) -lt ${#args[@]} ] || { echo "local-cluster.sh: ${args[$i]} needs a value" >&2; exit 2; }
      shared+=("${args[$i]}" "${args[$((i + 1))]}"); i=$((i + 1)) ;;
    --config=*|--set=*) shared+=("${args[$i]}") ;;
  esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/fedsllm-cluster.XXXXXX")
tls=$work/tls
logs=$work/logs
mkdir -p "$logs"
names=(coordinator main-server fed-server clients-1 clients-2)
declare -A pid=()

stop_all() {   # SIGTERM to every node still running (its shutdown hook leaves the cluster), then SIGKILL after a grace
  local p alive
  for p in "${pid[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for ((t = 0; t < stop_grace * 10; t++)); do
    alive=0
    for p in "${pid[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in "${pid[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_all
  rm -rf "$tls"
  echo "local-cluster.sh: node logs in $logs" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'echo "local-cluster.sh: interrupted; stopping every node" >&2; exit 130' INT
trap 'echo "local-cluster.sh: terminated; stopping every node" >&2; exit 143' TERM

free_port() {   # a port nothing listens on now: the coordinator is the seed node, so its port must be known first
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "local-cluster.sh: no free port found on 127.0.0.1" >&2; exit 1
}

bash "$here/gen-certs.sh" "$tls" "${names[@]}" > "$logs/gen-certs.log" 2>&1 \
  || { cat "$logs/gen-certs.log" >&2; echo "local-cluster.sh: gen-certs.sh failed" >&2; exit 1; }
seed_port=$(free_port)
seed=127.0.0.1:$seed_port
echo "local-cluster.sh: coordinator at $seed; node logs in $logs" >&2

# shellcheck disable=SC2086   # JAVA_OPTS is a list of JVM options
node() {   # node NAME OPTIONS...: starts one node in the background, its output in LOGS/NAME.log
  local name=$1; shift
  "$java" -Dai.djl.offline=true ${JAVA_OPTS:-} -jar "$jar" node --host 127.0.0.1 --seed-nodes "$seed" \
    --tls-dir "$tls/$name" "$@" > "$logs/$name.log" 2>&1 &
  pid[$name]=$!
}

node coordinator --role coordinator --port "$seed_port" "$@"
for ((t = 0; ; t++)); do   # the other nodes join through the coordinator: it must be up first
  grep -q "coordinator node .* is up" "$logs/coordinator.log" 2>/dev/null && break
  if ! kill -0 "${pid[coordinator]}" 2>/dev/null; then
    status=0; wait "${pid[coordinator]}" || status=$?
    tail -n 30 "$logs/coordinator.log" >&2
    echo "local-cluster.sh: the coordinator exited with status $status before it was up" >&2
    exit "$status"
  fi
  [ "$t" -lt $((start_timeout * 10)) ] || { echo "local-cluster.sh: the coordinator was not up within ${start_timeout}s" >&2; exit 1; }
  sleep 0.1
done
node main-server --role main-server --port 0 "${shared[@]}"
node fed-server --role fed-server --port 0 "${shared[@]}"
node clients-1 --role clients --client-share 1/2 --port 0 "${shared[@]}"
node clients-2 --role clients --client-share 2/2 --port 0 "${shared[@]}"

# Until the coordinator ends: a node that refuses its options (status 2) ends everything at once; any other node
# that fails is reported, and the run goes on without it if it can (lost clients) or fails naming it (a server).
# Nodes exit 0 once the coordinator told them the run is over, just before it leaves itself.
declare -A ended=()
while kill -0 "${pid[coordinator]}" 2>/dev/null; do
  for name in "${names[@]:1}"; do
    if [ -z "${ended[$name]:-}" ] && ! kill -0 "${pid[$name]}" 2>/dev/null; then
      status=0; wait "${pid[$name]}" || status=$?
      ended[$name]=$status
      [ "$status" != 0 ] || continue   # told by the coordinator that the run is over: it leaves before the coordinator
      echo "local-cluster.sh: node $name exited with status $status before the run was over:" >&2
      tail -n 10 "$logs/$name.log" >&2
      [ "$status" != 2 ] || exit 2
    fi
  done
  sleep 0.2
done
status=0; wait "${pid[coordinator]}" || status=$?

# The coordinator told the others that the run is over before it left: give them a moment to exit on their own.
for ((t = 0; t < end_timeout * 10; t++)); do
  alive=0
  for name in "${names[@]:1}"; do kill -0 "${pid[$name]}" 2>/dev/null && alive=1; done
  [ "$alive" = 0 ] && break
  sleep 0.1
done
for name in "${names[@]:1}"; do
  if kill -0 "${pid[$name]}" 2>/dev/null; then
    echo "local-cluster.sh: node $name did not exit within ${end_timeout}s of the coordinator; stopping it" >&2
  elif [ -z "${ended[$name]:-}" ]; then
    s=0; wait "${pid[$name]}" || s=$?
    [ "$s" = 0 ] || echo "local-cluster.sh: node $name exited with status $s (see $logs/$name.log)" >&2
  fi
done
if [ "$status" = 0 ]; then
  grep -v '^[0-9][0-9]:' "$logs/coordinator.log" | grep -E "rounds \(.*outputs in" | tail -n 1 || true
else
  tail -n 30 "$logs/coordinator.log" >&2
  echo "local-cluster.sh: the run failed (coordinator status $status)" >&2
fi
exit "$status"
