#!/usr/bin/env bash
# Issue 21: time to first byte of the iOS home over HTTP/3 versus HTTP/2 (TLS 1.3 over TCP) across a link of 50 ms
# round trip (25 ms each way) with 0 %, 1 % and 3 % packet loss (each way), in a network namespace of its own.
#   sudo load-tests/h3-netem.sh [--requests N] [--losses "0 1 3"]
# The BFF (iOS bundle, auth on, TLS from a certificate made here, server.http3 on) and the demo services run in the
# root namespace; the client runs in namespace bffh3c behind the impaired link. Where the kernel has sch_netem the
# link is a veth pair with `tc qdisc replace ... netem delay 25ms loss X%` on both ends; where it has not (this
# project's machines: CONFIG_NET_SCH_NETEM is not set) h3-netem/impair.py does the same to each IP packet in user
# space between two TUN devices. Writes load-tests/reports/issue-21/summary.md (and one JSON per loss setting).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$here/target/bff-demo.jar"
out="$here/reports/issue-21"
requests=300
losses="0 1 3"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --requests) requests="$2"; shift 2 ;;
    --losses) losses="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ "$(id -u)" == 0 ]] || { echo "needs root (ip netns, tc)" >&2; exit 2; }
export PATH="$PATH:/usr/sbin:/sbin"
ns=bffh3c
server_ip=10.213.0.1
client_ip=10.213.0.2
port=8443
delay_ms=25

if [[ ! -f "$jar" ]]; then
  echo "building (mvn -q -DskipTests package)..." >&2
  (cd "$root" && mvn -B -q -DskipTests package >&2)
fi
mkdir -p "$out/tmp"
rm -f "$out"/*.json "$out/tmp/token"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  ip link del h3s 2>/dev/null || true
}
trap cleanup EXIT
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$server_ip" -addext "subjectAltName=IP:$server_ip" \
  -keyout "$out/tmp/key.pem" -out "$out/tmp/cert.pem" 2>/dev/null

# The link: kernel netem when it exists, else the user-space one.
if ip link add h3probe type veth peer name h3probe1 2>/dev/null && tc qdisc add dev h3probe root netem delay 1ms 2>/dev/null; then
  link=kernel
else
  link=impair
fi
ip link del h3probe 2>/dev/null || true
if [[ "$link" == kernel ]]; then
  ip link add h3s type veth peer name h3c
  ip link set h3c netns "$ns"
  ip addr add "$server_ip/30" dev h3s && ip link set h3s up
  ip netns exec "$ns" ip addr add "$client_ip/30" dev h3c
  ip netns exec "$ns" ip link set h3c up
  ip netns exec "$ns" ip link set lo up
  set_loss() {
    tc qdisc replace dev h3s root netem delay "${delay_ms}ms" loss "$1%"
    ip netns exec "$ns" tc qdisc replace dev h3c root netem delay "${delay_ms}ms" loss "$1%"
  }
  link_doc="veth pair, \`tc qdisc replace dev h3s|h3c root netem delay ${delay_ms}ms loss X%\` on both ends"
else
  echo 0 > "$out/tmp/loss"
  python3 "$here/h3-netem/impair.py" "$ns" "$server_ip" "$client_ip" "$delay_ms" "$out/tmp/loss" > "$out/tmp/impair.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do ip addr show h3s 2>/dev/null | grep -q "$server_ip" && break; sleep 0.1; done
  set_loss() { echo "$1" > "$out/tmp/loss"; sleep 0.5; }
  link_doc="TUN pair through h3-netem/impair.py (user space: each IP packet delayed ${delay_ms} ms and dropped with probability X, each way; this kernel has no sch_netem)"
fi

java -XX:+UseParallelGC -Xmx1g -cp "$jar" dev.bffkit.loadtests.bench.H3Netem serve "$server_ip" "$port" \
  "$out/tmp/cert.pem" "$out/tmp/key.pem" "$out/tmp/token" > "$out/tmp/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do [[ -s "$out/tmp/token" ]] && break; sleep 0.1; done
[[ -s "$out/tmp/token" ]] || { echo "the BFF did not start; see $out/tmp/server.log" >&2; exit 1; }

# The link's own round trip, before any HTTP: 200 UDP echoes at 0 % loss.
set_loss 0
python3 - "$server_ip" > "$out/tmp/echo.log" 2>&1 <<'PY' &
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((sys.argv[1], 9999)); u.settimeout(10)
while True:
    try:
        d, a = u.recvfrom(64); u.sendto(d, a)
    except Exception:
        break
PY
pids+=($!)
sleep 0.3
rtt=$(ip netns exec "$ns" python3 - "$server_ip" <<'PY'
import socket, sys, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(1); r = []
for i in range(200):
    t = time.perf_counter(); u.sendto(b"x", (sys.argv[1], 9999))
    try:
        u.recvfrom(8); r.append((time.perf_counter() - t) * 1000)
    except Exception:
        pass
    time.sleep(0.01)
r.sort(); print("median %.1f ms, p90 %.1f ms, p99 %.1f ms (%d echoes)" % (r[len(r)//2], r[int(len(r)*.9)], r[int(len(r)*.99)], len(r)))
PY
)
echo "link round trip at 0 % loss: $rtt" >&2

cat > "$out/settings.txt" <<TXT
- Run $(date -u +%Y-%m-%dT%H:%MZ) at commit $(git -C "$root" rev-parse --short HEAD), \`load-tests/h3-netem.sh --requests $requests --losses "$losses"\`.
- Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), kernel $(uname -r), $(java -version 2>&1 | head -1).
- Link: $link_doc; ${delay_ms} ms each way (50 ms round trip); loss applied independently in each direction.
- Link round trip measured with UDP echoes at 0 % loss: $rtt.
- Server: the iOS BFF (auth on: a dev-IdP bearer token on every request; demo services on loopback), TLS 1.3 from a self-signed RSA-2048 certificate, \`server.http3.enabled: true\` (defaults otherwise), Netty 4.2.9 QUIC/HTTP-3, epoll.
- Client (in the namespace): HTTP/2 = Vert.x 5.0.7 HttpClient (JDK TLS 1.3, ALPN h2, Linux TCP: $(cat /proc/sys/net/ipv4/tcp_congestion_control), initial cwnd 10); HTTP/3 = Netty 4.2.9 (quiche, its default congestion control). No 0-RTT, no TLS session resumption on either side.
- $requests requests per protocol and mode per loss setting, h2 and h3 alternating. GET /v1/screens/home (six services behind it).
TXT

for loss in $losses; do
  set_loss "$loss"
  echo "loss $loss % each way: measuring..." >&2
  ip netns exec "$ns" java -XX:+UseParallelGC -Xmx512m -cp "$jar" dev.bffkit.loadtests.bench.H3Netem measure \
    "$server_ip" "$port" "$out/tmp/token" "$requests" "$loss %" "$out/loss-$loss.json"
done
java -cp "$jar" dev.bffkit.loadtests.bench.H3Netem report "$out" > /dev/null
echo "wrote $out/summary.md" >&2
