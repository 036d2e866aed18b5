#!/usr/bin/env python3
"""netem in user space: a point-to-point link between the root network namespace and NETNS through two TUN
devices, each IP packet delayed DELAY_MS and dropped with probability LOSS, independently per direction (as
`tc qdisc ... netem delay 25ms loss 1%` on both ends of a veth pair does).

Why: this machine's kernel is built without sch_netem (CONFIG_NET_SCH_NETEM is not set; `tc qdisc add ... netem`
answers "Specified qdisc kind is unknown"). Where netem exists, h3-netem.sh uses it instead (NETEM=kernel).

  impair.py NETNS SERVER_IP CLIENT_IP DELAY_MS CONTROL_FILE
The loss (a percentage) is read from CONTROL_FILE whenever it changes, so one link serves every setting.
Standard library only. Packets are IP datagrams (IFF_TUN | IFF_NO_PI), at most the TUN's MTU (1500).
"""
import ctypes
import fcntl
import heapq
import os
import random
import select
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def setns(path):
    with open(path) as f:
        if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)


def sh(*cmd):
    subprocess.run(cmd, check=True)


def main():
    netns, server_ip, client_ip, delay_ms, control = sys.argv[1:6]
    delay = float(delay_ms) / 1000.0
    root = open("/proc/self/ns/net")
    server_fd = open_tun("h3s")                      # in the root namespace
    setns("/var/run/netns/" + netns)
    client_fd = open_tun("h3c")                      # in NETNS
    libc.setns(root.fileno(), CLONE_NEWNET)
    sh("ip", "addr", "add", server_ip, "peer", client_ip, "dev", "h3s")
    sh("ip", "link", "set", "h3s", "up")
    sh("ip", "netns", "exec", netns, "ip", "addr", "add", client_ip, "peer", server_ip, "dev", "h3c")
    sh("ip", "netns", "exec", netns, "ip", "link", "set", "h3c", "up")
    sh("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up")
    print("impair: link up", server_ip, "<->", client_ip, "delay", delay_ms, "ms each way", flush=True)

    other = {server_fd: client_fd, client_fd: server_fd}
    queue = []  # (due, seq, fd to write, packet)
    seq = 0
    loss = 0.0
    stamp = None
    checked = 0.0
    counts = {"passed": 0, "dropped": 0}
    while True:
        now = time.monotonic()
        if now - checked > 0.2:
            checked = now
            try:
                m = os.stat(control).st_mtime_ns
                if m != stamp:
                    stamp = m
                    with open(control) as f:
                        loss = float(f.read().strip() or 0) / 100.0
                    print("impair: loss", loss * 100, "% each way; so far", counts, flush=True)
            except FileNotFoundError:
                pass
        timeout = 0.2 if not queue else max(0.0, min(0.2, queue[0][0] - now))
        readable, _, _ = select.select([server_fd, client_fd], [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            while True:
                try:
                    packet = os.read(fd, 65535)
                except BlockingIOError:
                    break
                if loss > 0 and random.random() < loss:
                    counts["dropped"] += 1
                    continue
                seq += 1
                heapq.heappush(queue, (now + delay, seq, other[fd], packet))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, fd, packet = heapq.heappop(queue)
            try:
                os.write(fd, packet)
                counts["passed"] += 1
            except OSError:
                counts["dropped"] += 1


if __name__ == "__main__":
    main()
