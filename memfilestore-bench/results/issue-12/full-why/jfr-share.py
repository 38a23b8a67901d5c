import sys, re, subprocess, collections
# Share of JFR execution samples spent loading and saving the session (Spring Session's filter
# calling the repository) against everything else, and where inside MemFileStore.
jfr, f = sys.argv[1], sys.argv[2]
out = subprocess.run([jfr, 'print', '--events', 'jdk.ExecutionSample', '--stack-depth', '300', f], capture_output=True, text=True).stdout
events = out.split('jdk.ExecutionSample {')[1:]
cats = collections.Counter(); sub = collections.Counter()
for e in events:
    frames = [l.strip() for l in e.split('stackTrace = [')[1].split(']')[0].splitlines() if l.strip() and not l.strip().startswith('...')]
    text = '\n'.join(frames)
    if 'SessionRepositoryRequestWrapper.commitSession' in text:
        cats['saving the session (SessionRepositoryFilter commitSession)'] += 1
    elif 'SessionRepositoryRequestWrapper.getRequestedSession' in text or 'SessionRepositoryRequestWrapper.getSession' in text:
        cats['finding the session (SessionRepositoryFilter getSession)'] += 1
    elif re.search(r'^dev\.memfilestore\.(?!bench)', text, re.M):
        cats['MemFileStore, other (background threads)'] += 1
    else:
        cats['everything else (Tomcat, Spring MVC/Security, the page, JDK)'] += 1
    inner = next((fr for fr in frames if re.match(r'dev\.memfilestore\.(?!bench)', fr)), None)
    if inner:
        m = re.match(r'([\w.$]+)\.([\w$<>]+)\(', inner)
        sub[(m.group(1).rsplit('.',1)[-1] + '.' + m.group(2)) if m else inner] += 1
n = len(events)
print(f'{f}: {n} execution samples')
for k, v in cats.most_common():
    print(f'  {v:5d} {100*v/n:5.1f}%  {k}')
if sub:
    print('  innermost MemFileStore frame, top 12:')
    for k, v in sub.most_common(12):
        print(f'    {v:5d} {100*v/n:5.1f}%  {k}')
