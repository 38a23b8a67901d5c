#!/usr/bin/env bash
# Post-bench measurements for issue 12's "why" notes; run on an idle machine from the benchrun tree.
set -uo pipefail
cd /work/wt/benchrun
JAR=memfilestore-bench/target/benchmarks.jar
OUT=/work/why/out; mkdir -p $OUT
log() { echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*" >>$OUT/log.txt; }
run() { local name=$1; shift; log "start $name: $*"; "$@" >$OUT/$name.txt 2>&1; log "end $name rc=$?"; }
run cpu-ratio java -Xms2g -Xmx2g -cp $JAR dev.memfilestore.bench.CpuTimeRatio 15 20000 \
  memfilestore-nofile memfilestore-JOURNAL memfilestore-spring-JOURNAL spring-MapSessionRepository
run stack-findAndSave java -jar $JAR '\.ContendersBenchmark\.findAndSave$' \
  -p contender=memfilestore-JOURNAL,memfilestore-nofile -f 1 -wi 2 -w 2s -i 3 -r 2s -t 1 \
  -prof 'stack:lines=3;top=30;detailLine=true'
run gc-findAndSave java -jar $JAR '\.ContendersBenchmark\.findAndSave$' \
  -p contender=memfilestore-JOURNAL,memfilestore-nofile,spring-MapSessionRepository -f 1 -wi 2 -w 2s -i 3 -r 2s -t 1 \
  -prof gc -rf json -rff $OUT/gc-findAndSave.json
for t in 1 16; do
  run strace-sync-t$t strace -f --seccomp-bpf -e trace=fdatasync,fsync -c -o $OUT/strace-sync-t$t.counts \
    java -jar $JAR '\.DurabilityBenchmark\.getAndSet$' -p mode=JOURNAL_SYNC -p shape=immutable \
    -f 1 -wi 0 -i 5 -r 2s -t $t -rf json -rff $OUT/strace-sync-t$t.json
done
run stack-sync-t16 java -jar $JAR '\.DurabilityBenchmark\.getAndSet$' -p mode=JOURNAL_SYNC -p shape=immutable \
  -f 1 -wi 1 -w 2s -i 3 -r 2s -t 16 -prof 'stack:lines=2;top=20'
log done
