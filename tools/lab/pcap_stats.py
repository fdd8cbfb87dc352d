"""Packet count and mean frame size of a classic pcap file (as lns-pktgen writes)."""
import struct


def pcap_stats(path):
    """(packets, mean frame bytes) of the pcap at `path`."""
    n = total = 0
    with open(path, "rb") as f:
        f.read(24)
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            incl = struct.unpack("<IIII", h)[2]
            f.seek(incl, 1)
            n += 1
            total += incl
    return n, (total / n if n else 0.0)
