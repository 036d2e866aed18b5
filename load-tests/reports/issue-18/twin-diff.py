#!/usr/bin/env python3
"""Reads profile-twin.sh's output: CPU µs per request by kind of frame for both routes, and the wasm package's own.

  twin-diff.py SUFFIX                 # twin-api<SUFFIX>.collapsed vs twin-wasm<SUFFIX>.collapsed, requests from twin<SUFFIX>.txt
  twin-diff.py SUFFIX tree FRAME [DEPTH]   # the filtered route's inclusive tree under FRAME (µs/req)

Samples are 1 ms of CPU each, so µs per request = samples * 1000 / requests answered in the profiled windows. "wasm
package" = stacks through dev/bffkit/core/wasm, less what runs downstream of it (the answer's writes to the client,
the stages after the filter stage).
"""
import collections
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
JAVA = ('io/', 'java/', 'jdk/', 'sun/', 'dev/', 'com/')
DOWNSTREAM = ('Exchange.writeOut', 'Exchange.endOut', 'ProxyEndpoint', 'TargetStage', 'MirrorStage', 'Stage$Next')


def requests(suffix, route):
    n = 0
    for line in open(os.path.join(here, 'twin%s.txt' % suffix)):
        f = line.split()
        if len(f) > 8 and f[0] == 'round' and f[2] == route:
            n += int(f[8])
    return n


def stacks(suffix, route):
    for line in open(os.path.join(here, 'twin-%s%s.collapsed' % (route, suffix))):
        line = line.rstrip()
        if line:
            s, n = line.rsplit(' ', 1)
            yield s.split(';'), int(n)


def kind(frames):
    leaf = frames[-1]
    if leaf.endswith('_[k]'):
        k = 'kernel'
    elif leaf.startswith(('dev/bffkit/core/wasm', 'com/dylibso')):
        k = 'wasm package + Chicory (self)'
    elif leaf.startswith('dev/bffkit'):
        k = 'bffkit, other (self)'
    elif leaf.startswith('io/netty'):
        k = 'netty'
    elif leaf.startswith('io/vertx'):
        k = 'vertx'
    elif leaf.startswith(('java/', 'jdk/', 'sun/')):
        k = 'jdk'
    elif leaf.startswith(JAVA):
        k = 'other libraries'
    else:
        k = 'native, stubs, vdso'
    if not any(f.startswith('java/lang/Thread.run') for f in frames):
        k = 'JVM threads (GC, JIT): ' + k
    return k


def own(frames):
    """The entry frame of the wasm package's own work in this stack, or None."""
    i = next((i for i, f in enumerate(frames) if f.startswith('dev/bffkit/core/wasm/')), None)
    if i is None or any(d in f for f in frames[i:] for d in DOWNSTREAM):
        return None
    return frames[i]


def summary(suffix):
    ra, rw = requests(suffix, 'api'), requests(suffix, 'wasm')
    cats = {}
    owns = collections.Counter()
    for route, reqs in (('api', ra), ('wasm', rw)):
        c = collections.Counter()
        for frames, n in stacks(suffix, route):
            c[kind(frames)] += n
            if route == 'wasm':
                o = own(frames)
                if o:
                    owns[o] += n
        cats[route] = {k: v * 1000.0 / reqs for k, v in c.items()}
    a, w = cats['api'], cats['wasm']
    print('%-44s %8s %8s %8s' % ('µs per request', '/api', '/wasm', 'diff'))
    for k in sorted(set(a) | set(w), key=lambda k: -w.get(k, 0)):
        print('%-44s %8.2f %8.2f %+8.2f' % (k, a.get(k, 0), w.get(k, 0), w.get(k, 0) - a.get(k, 0)))
    print('%-44s %8.2f %8.2f %+8.2f' % ('total', sum(a.values()), sum(w.values()), sum(w.values()) - sum(a.values())))
    print('\nthe wasm package\'s own work on /wasm, by entry frame:')
    for k, n in owns.most_common(8):
        print('  %6.3f %s' % (n * 1000.0 / rw, k))
    print('  %6.3f total' % (sum(owns.values()) * 1000.0 / rw))


def tree(suffix, root, depth):
    reqs = requests(suffix, 'wasm')
    t = {}
    for frames, n in stacks(suffix, 'wasm'):
        if root not in frames:
            continue
        sub = frames[frames.index(root):]
        if any(d in f for f in sub for d in DOWNSTREAM):
            continue
        node = t
        for f in sub[:depth + 1]:
            node = node.setdefault(f, {})
            node['_n'] = node.get('_n', 0) + n

    def show(node, name, d):
        us = node['_n'] * 1000.0 / reqs
        if us >= 0.01:
            print('%s%6.3f %s' % ('  ' * d, us, name.split('/')[-1][:90]))
            for k in sorted((k for k in node if k != '_n'), key=lambda k: -node[k]['_n']):
                show(node[k], k, d + 1)

    for k in t:
        show(t[k], k, 0)


if __name__ == '__main__':
    if len(sys.argv) > 3 and sys.argv[2] == 'tree':
        tree(sys.argv[1], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 8)
    else:
        summary(sys.argv[1] if len(sys.argv) > 1 else '')
