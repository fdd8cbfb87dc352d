#!/usr/bin/python3
"""L2TP data senders/receivers for test_esp_strongswan.py, run inside its
namespaces (ip netns exec NS ...) on kernel UDP sockets, so that the traffic
goes through strongSwan's TUN device and ESP SAs.

  echo ADDR PORT COUNT : bind ADDR:PORT, send every datagram back to its
                         sender, stop after COUNT; print a JSON list of
                         {"src": "a.b.c.d", "sport": n, "data": hex}.
  send FILE            : FILE is a JSON list of {"src", "dst", "port", "data": hex};
                         each is sent from a socket bound to src:port to dst:port,
                         one at a time, waiting for its echo (3 s, 3 tries)
                         before the next; print a JSON list of the echoes
                         received ({"i": index, "data": hex, "tries": n}).
Every wait is bounded; progress goes to stderr.
"""
import json
import socket
import sys
import time


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def echo(addr, port, count, deadline_s=40.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.settimeout(0.2)
    print("ready", file=sys.stderr, flush=True)
    got = []
    deadline = time.monotonic() + deadline_s
    while len(got) < count and time.monotonic() < deadline:
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            continue
        s.sendto(data, peer)
        got.append({"src": peer[0], "sport": peer[1], "data": data.hex()})
    log(f"echo: {len(got)} of {count} datagrams")
    print(json.dumps(got), flush=True)


def send(path):
    with open(path) as f:
        msgs = json.load(f)
    socks = {}
    echoes = []
    for i, m in enumerate(msgs):
        key = (m["src"], m["port"])
        if key not in socks:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(key)
            s.settimeout(3.0)
            socks[key] = s
        s = socks[key]
        data = bytes.fromhex(m["data"])
        for tries in range(1, 4):
            s.sendto(data, (m["dst"], m["port"]))
            try:
                back, _ = s.recvfrom(65535)
            except socket.timeout:
                log(f"send: no echo for message {i} (try {tries})")
                continue
            echoes.append({"i": i, "data": back.hex(), "tries": tries})
            break
    log(f"send: {len(echoes)} echoes for {len(msgs)} messages")
    print(json.dumps(echoes), flush=True)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "echo":
        echo(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 3 and sys.argv[1] == "send":
        send(sys.argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
