#!/usr/bin/env bash
# `kg serve` beside Oxigraph's server (and other peers) on the shared load harness, in one run.
#
#   bench/run.sh [DATASET] [harness options...]     DATASET: 10k | 100k | 1m (default 1m)
#
# Uses ../shared/bench (SHARED_BENCH to override): its setup.sh makes the venv and the synthetic
# datasets under $PEERBENCH (default /tmp/peerbench), its run.sh measures the peers and our
# endpoint one after another. PEERS (default "oxigraph rdflib-endpoint") and the harness options
# (e.g. --reps 3 --duration 8) pass through. KG is the `kg` command (default: the project venv's).
# Query processes use jemalloc when the system has it (apt-get install libjemalloc2), as in
# bench/RESULTS.md; KG_QUERY_MALLOC=system measures the system allocator instead.
# Prints the harness's tables, then the memory of the whole `kg serve` process tree (the harness
# sees only the top process): RSS summed, and PSS (shared pages counted once).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=${SHARED_BENCH:-$root/../shared/bench}
dataset=${1:-1m}
shift || true
pb=${PEERBENCH:-/tmp/peerbench}
kg=${KG:-$root/.venv/bin/kg}
port=${PORT:-18790}

"$shared/setup.sh" >/dev/null
data="$pb/kg-store-$dataset"
rm -rf "$data"
start=$(date +%s.%N)
KG_DATA_DIR="$data" "$kg" load "$pb/data/kg-$dataset.nt"
echo "kg load: $(echo "$(date +%s.%N) - $start" | bc) s"

KG_DATA_DIR="$data" KG_BASE_IRI="http://127.0.0.1:$port" "$kg" serve --port "$port" >"$pb/logs/kg-serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 150); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.2
done

tree() {  # pid and all its descendants
  local p=$1
  echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done
}
memory() {
  local rss=0 pss=0 n=0
  for p in $(tree "$pid"); do
    r=$(awk '/^VmRSS:/ {print $2}' /proc/"$p"/status 2>/dev/null || echo 0)
    s=$(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup 2>/dev/null || echo 0)
    rss=$((rss + ${r:-0})); pss=$((pss + ${s:-0})); n=$((n + 1))
  done
  echo "$1: $n processes, RSS $((rss / 1024)) MiB summed, PSS $((pss / 1024)) MiB"
}
memory "kg serve after start"
PEERS=${PEERS-"oxigraph rdflib-endpoint"} LABEL=kg PID=$pid "$shared/run.sh" "http://127.0.0.1:$port/sparql" "$dataset" "$@"
memory "kg serve after the run"
