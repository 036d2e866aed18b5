import sys, collections
total=0; c=collections.Counter()
for line in open(sys.argv[1]):
    stack,_,n=line.rstrip().rpartition(' '); n=int(n); total+=n
    fr=stack.split(';'); leaf=fr[-1]
    if leaf.endswith('_[k]') or leaf in ('recv','__GI___send','writev','epoll_pwait2','[vdso]','read','write','__libc_recv','__send'): 
        # attribute kernel time to the nearest Java frame
        j=[x for x in fr if '/' in x and not x.endswith('_[k]')]
        last=j[-1] if j else '?'
        key='kernel<-'+('netty-read' if 'Epoll' in last and ('read' in last.lower() or 'Unsafe' in last) else last.split('.')[0].split('/')[-1]+'.'+last.split('.')[-1][:30])
        c['KERNEL']+=n; c[key]+=n
    elif 'bffkit' in leaf: c['bffkit self']+=n
    elif leaf.startswith('io/netty'): c['netty self']+=n
    elif leaf.startswith('io/vertx'): c['vertx self']+=n
    elif leaf.startswith('io/opentelemetry') or leaf.startswith('io/micrometer'): c['otel/micrometer self']+=n
    elif leaf.startswith('java/') or leaf.startswith('jdk/') or leaf.startswith('sun/'): c['jdk self']+=n
    else: c['other:'+leaf[:40]]+=n
for k,v in c.most_common(30): print(f"{v/total*100:5.1f}% {k}")
