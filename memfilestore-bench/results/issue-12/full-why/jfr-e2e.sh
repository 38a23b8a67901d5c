#!/usr/bin/env bash
# JFR execution samples of the end-to-end app under the bench's wrk load, one set-up at a time.
set -uo pipefail
cd /work/wt/benchrun
CP=memfilestore-bench/target/classes:$(cat memfilestore-bench/target/classpath.txt)
OUT=/work/why/out; PORT=18090
for sessions in "$@"; do
  dir=$(mktemp -d /tmp/e2e-jfr-XXXXXX)
  echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) start jfr-e2e-$sessions" >>$OUT/log.txt
  java -Xms1g -Xmx1g -XX:StartFlightRecording=filename=$OUT/jfr-e2e-$sessions.jfr,settings=profile,delay=80s,duration=30s \
    -cp "$CP" dev.memfilestore.bench.e2e.E2eApplication --e2e.sessions=$sessions --e2e.dir="$dir" \
    --server.port=$PORT >$OUT/jfr-e2e-$sessions.log 2>&1 &
  app=$!
  for _ in $(seq 120); do grep -q READY $OUT/jfr-e2e-$sessions.log && break; sleep 0.5; done
  export E2E_USERS=250
  wrk -t 4 -c 4 -d 60s -s memfilestore-bench/scripts/e2e.lua "http://127.0.0.1:$PORT/" >/dev/null
  wrk -t 4 -c 4 -d 40s --latency -s memfilestore-bench/scripts/e2e.lua "http://127.0.0.1:$PORT/" >$OUT/jfr-e2e-$sessions-wrk.txt
  sleep 2
  kill $app; wait $app
  rm -rf "$dir"
  echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) end jfr-e2e-$sessions" >>$OUT/log.txt
done
