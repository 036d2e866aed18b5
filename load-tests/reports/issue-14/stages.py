import collections,sys
# per-stage CPU of one process's profile: µs per request = samples(1 ms) * 1000 / requests
f, rate, secs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
reqs = rate*secs
rules = [
 ('JIT compiler', lambda st, fr: 'CompileBroker' in st),
 ('GC', lambda st, fr: 'GCTask' in st or 'ParallelGC' in st or 'Scavenge' in st or 'PSParallel' in st or 'G1' in fr[0]),
 ('kernel: socket writes', lambda st, fr: fr[-1].endswith('_[k]') and ('write' in st.lower() or 'send' in st.lower())),
 ('kernel: socket reads/epoll', lambda st, fr: fr[-1].endswith('_[k]') or fr[-1] in ('epoll_wait','__GI_read','read')),
 ('auth (JWT, claims)', lambda st, fr: 'security/' in st and 'AuthStage.decide' not in fr[-1] and any('security/' in x for x in fr[-6:])),
 ('upstream JSON parse (projected/graphql input)', lambda st, fr: any(k in st for k in ('ProjectedJson','Json.parse','JsonParser','jackson/core')) and not 'generate' in st.lower()),
 ('answer JSON writing', lambda st, fr: any(k in st for k in ('Json.toBuffer','JsonGenerator','ResultWriter','encode'))),
 ('gRPC/protobuf', lambda st, fr: 'protobuf' in st or 'grpc' in st.lower()),
 ('graphql-java execution/selection', lambda st, fr: 'graphql/' in st),
 ('plan run + upstream request building (ours)', lambda st, fr: 'dev/bffkit/core/compose' in st or 'dev/bffkit/core/upstream' in st),
 ('observability (metrics, tracing)', lambda st, fr: 'observe/' in st or 'micrometer' in st or 'opentelemetry' in st),
 ('HTTP codec + Vert.x/Netty', lambda st, fr: 'io/netty' in st or 'io/vertx' in st),
]
c=collections.Counter(); tot=0
for line in open(f):
    st,_,n=line.rstrip().rpartition(' '); n=int(n); tot+=n
    fr=st.split(';')
    for name, test in rules:
        if test(st, fr): c[name]+=n; break
    else: c['other']+=n
print(f"{f}: {rate:.0f} req/s, {tot} samples, {tot*1000/reqs:.0f} µs CPU/req")
for name,_ in rules+[('other',None)]:
    print(f"  {c[name]*1000/reqs:6.1f} µs  {c[name]/tot*100:5.1f}%  {name}")
