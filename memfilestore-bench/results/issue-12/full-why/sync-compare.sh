#!/usr/bin/env bash
# JOURNAL_SYNC getAndSet at 1 and 16 threads, the build before the commit delay and after, alternating.
set -uo pipefail
OUT=/work/why/out/sync-compare; mkdir -p $OUT
BEFORE=/work/why/jars/before.jar; AFTER=/work/why/jars/after.jar
for round in 1 2; do
  for build in before after; do
    jar=/work/why/jars/$build.jar
    for t in 1 16; do
      echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) start $build t$t round $round" >>$OUT/log.txt
      java -jar $jar '\.DurabilityBenchmark\.getAndSet$' -p mode=JOURNAL_SYNC -p shape=immutable \
        -f 1 -wi 2 -w 2s -i 3 -r 2s -t $t -rf json -rff $OUT/$build-t$t-r$round.json >$OUT/$build-t$t-r$round.txt 2>&1
    done
  done
done
echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) done" >>$OUT/log.txt
