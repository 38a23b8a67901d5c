import sys, re, collections
# usage: prof.py file.jfr-print.txt MUSTCONTAIN
text = open(sys.argv[1]).read()
must = sys.argv[2]
events = text.split("jdk.ExecutionSample {")
top = collections.Counter(); incl = collections.Counter(); n = 0
for ev in events[1:]:
    m = re.search(r"stackTrace = \[(.*?)\n\s*\]", ev, re.S)
    if not m: continue
    frames = [re.sub(r"\s+line:.*", "", f.strip()) for f in m.group(1).strip().split("\n") if f.strip() and f.strip() != "..."]
    if not any(must in f for f in frames): continue
    n += 1
    top[frames[0]] += 1
    for f in set(frames): incl[f] += 1
print("samples", n)
print("--- top frames")
for f, c in top.most_common(25): print(f"{c:6d} {100*c/n:5.1f}% {f}")
print("--- inclusive")
for f, c in incl.most_common(60): print(f"{c:6d} {100*c/n:5.1f}% {f}")
