"""tshark (Wireshark 4.0) as an independent decoder of lnsd's output pcaps."""
import shutil
import subprocess

TSHARK = shutil.which("tshark") or "/usr/bin/tshark"


def available():
    return shutil.which("tshark") is not None


def fields(pcap, names, display_filter=None, decode_as=(), timeout=30):
    """One list of field values (strings, '' when absent) per packet."""
    cmd = [TSHARK, "-n", "-r", pcap, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for d in decode_as:
        cmd += ["-d", d]
    for n in names:
        cmd += ["-e", n]
    if display_filter:
        cmd += ["-Y", display_filter]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split("\t")
        parts += [""] * (len(names) - len(parts))
        rows.append(parts)
    return rows


def expert_problems(pcap, level="warn", timeout=30):
    """Lines of tshark's expert summary at `level` or above (error/warn), and any
    'Malformed' mention.  [] means tshark found nothing wrong."""
    cmd = [TSHARK, "-n", "-r", pcap, "-q", "-z", f"expert,{level}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout).stdout
    problems = []
    section = None
    for line in out.splitlines():
        s = line.strip()
        if not s or s.startswith("=") or s.startswith("Frequency"):
            continue
        if s.endswith(")") and "(" in s and s.split("(")[0].strip() in ("Errors", "Warnings", "Notes", "Chats"):
            section = s
            continue
        if section or "Malformed" in s:
            problems.append(f"{section}: {s}" if section else s)
    return problems


def checksum_status(pcap, timeout=30):
    """Per packet, tshark's verdict on every IPv4 header / UDP / TCP / ICMP checksum it
    verified: lists of '0' (bad), '1' (good), '2' (unverified) strings."""
    cmd = [TSHARK, "-n", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "-o", "tcp.check_checksum:TRUE", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
           "-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "tcp.checksum.status",
           "-e", "icmp.checksum.status", "-e", "icmpv6.checksum.status"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout).stdout
    rows = []
    for line in out.splitlines():
        vals = []
        for f in line.split("\t"):
            vals.extend(x for x in f.split(",") if x)
        rows.append(vals)
    return rows
