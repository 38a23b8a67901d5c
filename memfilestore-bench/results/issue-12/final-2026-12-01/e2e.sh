#!/usr/bin/env bash
# e2e.sh <tree> <outdir>: the bench script's end-to-end step (E2eApplication + wrk), 15 s warm-up, 30 s run
set -u
TREE=$1; OUT=$2; mkdir -p "$OUT"; cd "$TREE"
CP=memfilestore-bench/target/classes:$(cat memfilestore-bench/target/classpath.txt)
PORT=18080
for sessions in tomcat spring-map memfilestore; do
  dir=$(mktemp -d /tmp/memfilestore-e2e-XXXXXX)
  java -Xms1g -Xmx1g -cp "$CP" dev.memfilestore.bench.e2e.E2eApplication \
    --e2e.sessions=$sessions --e2e.dir="$dir" --server.port=$PORT >"$OUT/e2e-$sessions.log" 2>&1 &
  app=$!
  for _ in $(seq 120); do grep -q READY "$OUT/e2e-$sessions.log" && break; sleep 0.5; done
  export E2E_USERS=250
  wrk -t 4 -c 4 -d 15s -s memfilestore-bench/scripts/e2e.lua "http://127.0.0.1:$PORT/" >/dev/null
  echo "$sessions load_before=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/log.txt"
  wrk -t 4 -c 4 -d 30s --latency -s memfilestore-bench/scripts/e2e.lua "http://127.0.0.1:$PORT/" >"$OUT/e2e-$sessions.txt"
  echo "   load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/log.txt"
  kill "$app"; wait "$app" 2>/dev/null || true
  rm -rf "$dir"
done
