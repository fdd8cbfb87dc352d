#!/usr/bin/python3
"""ESP + L2TP benchmark preparation (issue 5 item 13): raw IPsec-MB cost per
packet, ESP-encrypted L2TP pcaps, testpmd io forwarding of them and, once
lnsd's data path does ESP, lnsd on the same pcaps.

For each algorithm (AES-128-GCM, AES-256-GCM, AES-128-CBC + HMAC-SHA1-96) x
inner size (128, 1400 bytes) x direction (up, down):
  1. build/perf/bench_esp_crypto (run once, JSON) gives raw IPsec-MB TSC cycles
     per packet on the buffers lnsd handles (decrypt for up, encrypt for down;
     GCM through the direct API, which crypto/ uses; the job API figures are
     in the JSON and the report too), and the TSC rate;
  2. lns-pktgen writes the cleartext pcap of the case's lnsd config (as
     run_pipeline.py does); for `up`, every LAC -> LNS frame is then
     encrypted by lns-esp-tool (lnsd's crypto/ engine) into tunnel-mode
     ESP-in-UDP 4500 (RFC 3948) with the case's inbound SA: outer and inner
     addresses are the LAC's and the LNS's; tshark decrypts the first 64
     packets and must find every ICV good; `down` replays cleartext into
     the core port and lnsd encrypts toward the LAC with the outbound SA;
  3. dpdk-testpmd io-forwards the replayed pcap (net_pcap infinite_rx ->
     net_null) on lcore 1: the devices' own cost;
  4. lnsd (config from tools/lab/lnsd_config.py plus an `ipsec.sas` section
     with the two static SAs) runs on the same pcap if `lnsd --check-config`
     accepts it; until the ESP data path is merged it does not, and the
     lnsd columns say so;
  5. cycles per packet = TSC rate / packets per second; the issue's target is
     lnsd <= testpmd + raw IPsec-MB + 80.
Prints a markdown table and writes it with the exact commands to perf/out/esp.md
(not to perf/RESULTS.md: record figures there by hand from a quiet machine).

Usage: perf/run_esp.py [--build-dir DIR] [--algs gcm128,gcm256,cbc128]
                       [--inner 128,1400] [--directions up,down] [--packets 16384]
                       [--sessions 1000] [--no-testpmd] [--no-lnsd] [--bench-only]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import perflib  # noqa: E402
from perflib import lnsd_config  # noqa: E402

sys.path.insert(0, os.path.join(perflib.ROOT, "tests", "golden", "lib"))
import pkt  # noqa: E402  (pcap read/write, no scapy needed for these)

LAC = "203.0.113.2"         # the plain block's LAC (tools/lab/lnsd_config.py)
LNS = "203.0.113.1"         # lnsd's access address
NATT = 4500
SPI_IN, SPI_OUT = 0x1000A001, 0x2000B001

# name -> (lnsd cipher, lnsd integrity, lns-esp-tool cipher, tool integ, key len, auth key len,
#          bench name prefix)
ALGS = {
    "gcm128": ("aes-gcm-128", "none", "aes_gcm_128", "none", 16, 0, "gcm128_direct"),
    "gcm256": ("aes-gcm-256", "none", "aes_gcm_256", "none", 32, 0, "gcm256_direct"),
    "cbc128": ("aes-cbc-128", "hmac-sha1-96", "aes_cbc_128", "hmac_sha1_96", 16, 20, "cbc128_sha1_job"),
}


def keys(alg, spi):
    _, _, _, _, klen, alen, _ = ALGS[alg]
    key = bytes((spi * 7 + i * 29) & 0xFF for i in range(klen))
    salt = bytes([0x5A, 0x17, spi & 0xFF, 0x99]) if ALGS[alg][0].startswith("aes-gcm") else b""
    auth = bytes((0x40 + i * 3) & 0xFF for i in range(alen))
    return key, salt, auth


def ipsec_yaml(alg):
    """The `ipsec:` section (schema of issue 5's static SAs) for the case."""
    cipher, integ = ALGS[alg][0], ALGS[alg][1]
    out = ["ipsec:", "  sas:"]
    for name, direction, spi in (("lac-in", "inbound", SPI_IN), ("lac-out", "outbound", SPI_OUT)):
        key, salt, auth = keys(alg, spi)
        out += [f"    - name: {name}", f"      direction: {direction}", f"      spi: 0x{spi:08x}",
                "      mode: tunnel", f"      local: {LNS}", f"      peer: {LAC}",
                f"      cipher: {cipher}", f"      integrity: {integ}", f'      key: "{(key + salt).hex()}"']
        if auth:
            out.append(f'      auth_key: "{auth.hex()}"')
        out.append(f"      natt: {{local_port: {NATT}, peer_port: {NATT}}}")
    return "\n".join(out) + "\n"


def case_config(work, sessions, direction, pcap, prefix, npk, alg, esp):
    pdev = f"net_pcap0,rx_pcap={pcap},infinite_rx=1"
    ndev = "net_null0,no-rx=1"
    mbufs = lnsd_config.mbufs_for(npk)
    text = lnsd_config.make_config(
        sessions=sessions, per_tunnel=100 if sessions <= 10000 else 1000, framing="plain",
        access_dev=pdev if direction == "up" else ndev, core_dev=pdev if direction == "down" else ndev,
        file_prefix=prefix, mbufs=mbufs, memory_mb=lnsd_config.memory_for(mbufs, sessions))
    if esp:
        text += ipsec_yaml(alg)
    path = os.path.join(work, f"{prefix}{'' if esp else '-clear'}.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def encrypt_pcap(tool, alg, src, dst):
    """Every frame of `src` (Ethernet + IPv4 LAC -> LNS) encrypted in tunnel
    mode, NAT-T, with the inbound SA; Ethernet header kept."""
    frames = pkt.read_pcap(src)
    key, salt, auth = keys(alg, SPI_IN)
    lines = ["dir out", f"cipher {ALGS[alg][2]}", f"integ {ALGS[alg][3]}", f"key {key.hex()}",
             f"spi {SPI_IN}", "mode tunnel", f"tunnel {LAC} {LNS}", f"natt {NATT}", "seq 0"]
    if salt:
        lines.append(f"salt {salt.hex()}")
    if auth:
        lines.append(f"authkey {auth.hex()}")
    lines += [f"packet {f[14:].hex()}" for f in frames]
    perflib.log_cmd([tool, "<", f"({len(frames)} packets of {os.path.basename(src)})"])
    r = subprocess.run([tool], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=600)
    res = r.stdout.splitlines()
    if r.returncode != 0 or len(res) != len(frames) or any(not x.startswith("ok ") for x in res):
        bad = next((x for x in res if not x.startswith("ok ")), r.stderr.strip()[-200:])
        raise RuntimeError(f"lns-esp-tool: {len(res)} of {len(frames)} packets, first problem: {bad}")
    out = [f[:14] + bytes.fromhex(x[3:]) for f, x in zip(frames, res)]
    pkt.write_pcap(dst, out)
    return max(len(f) for f in out) - 14 if out else 0


def run_bench(build, work, min_time):
    exe = os.path.join(build, "perf", "bench_esp_crypto")
    out = os.path.join(work, "bench_esp_crypto.json")
    perflib.run([exe, f"--benchmark_min_time={min_time}", "--benchmark_format=console",
                 f"--benchmark_out={out}", "--benchmark_out_format=json"], timeout=900)
    with open(out) as f:
        data = json.load(f)
    res = {}
    for b in data.get("benchmarks", []):
        res[b["name"]] = b
    return res


def raw_cycles(bench, alg, direction, inner, api=None):
    prefix = ALGS[alg][6] if api is None else api
    b = bench.get(f"{prefix}/{'decrypt' if direction == 'up' else 'encrypt'}/{inner}")
    return b.get("cpu_cycles_per_pkt") if b else None


def lnsd_accepts(build, cfg):
    """(accepted, first error line) of `lnsd --check-config`."""
    r = subprocess.run([os.path.join(build, "lnsd"), "--check-config", cfg], capture_output=True, text=True,
                       timeout=60)
    lines = (r.stdout + r.stderr).strip().splitlines()
    first = next((ln for ln in lines if ": " in ln and not ln.startswith("lnsd:")), lines[0] if lines else "")
    return r.returncode == 0, first.split(": ", 1)[-1]


TSHARK_CRYPT = {"gcm128": "AES-GCM with 16 octet ICV [RFC4106]", "gcm256": "AES-GCM with 16 octet ICV [RFC4106]",
                "cbc128": "AES-CBC [RFC3602]"}
TSHARK_AUTH = {"gcm128": "NULL", "gcm256": "NULL", "cbc128": "HMAC-SHA-1-96 [RFC2404]"}


def tshark_verifies(alg, pcap, count=64):
    """tshark (an independent ESP implementation) decrypts the first `count`
    packets of a generated pcap with the inbound SA: every ICV must be good."""
    key, salt, auth = keys(alg, SPI_IN)
    sa = (f'"IPv4","{LAC}","{LNS}","0x{SPI_IN:08x}","{TSHARK_CRYPT[alg]}","0x{(key + salt).hex()}",'
          f'"{TSHARK_AUTH[alg]}","{"0x" + auth.hex() if auth else ""}"')
    cmd = ["tshark", "-r", pcap, "-c", str(count), "-o", "esp.enable_encryption_decode:TRUE",
           "-o", "esp.enable_authentication_check:TRUE", "-o", f"uat:esp_sa:{sa}", "-T", "fields",
           "-e", "esp.icv_good"]
    perflib.log_cmd(cmd)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    good = r.stdout.split()
    if good != ["1"] * count:
        raise RuntimeError(f"tshark: ICV good for {good.count('1')} of the first {count} packets of {pcap}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir")
    ap.add_argument("--algs", default="gcm128,gcm256,cbc128")
    ap.add_argument("--inner", default="128,1400")
    ap.add_argument("--directions", default="up,down")
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--packets", type=int, default=16384)
    ap.add_argument("--duration", type=float, default=12)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--bench-min-time", default="0.5")
    ap.add_argument("--testpmd-warmup", type=int, default=3)
    ap.add_argument("--testpmd-measure", type=int, default=10)
    ap.add_argument("--no-testpmd", action="store_true")
    ap.add_argument("--no-lnsd", action="store_true")
    ap.add_argument("--bench-only", action="store_true", help="only the raw IPsec-MB figures")
    ap.add_argument("--quiet-wait", type=float, default=60)
    ap.add_argument("--work-dir")
    a = ap.parse_args()

    build = perflib.find_build_dir(a.build_dir)
    tool = os.path.join(build, "tests", "lns-esp-tool")
    work = a.work_dir or tempfile.mkdtemp(prefix="lnsd-perf-esp-")
    os.makedirs(work, exist_ok=True)
    print(f"build {build}, work dir {work}", flush=True)
    load_start = perflib.loadavg()
    perflib.wait_quiet(a.quiet_wait)
    bench = run_bench(build, work, a.bench_min_time)
    tsc_ghz = next((b.get("tsc_ghz") for b in bench.values() if b.get("tsc_ghz")), None)
    rows, notes, warnings = [], [], []
    pid = os.getpid()
    for alg in ([] if a.bench_only else a.algs.split(",")):
        for direction in a.directions.split(","):
            for inner in [int(x) for x in a.inner.split(",")]:
                name = f"{alg} {direction} {inner}B"
                prefix = f"perf-esp-{pid}-{alg}-{direction}-{inner}"
                clear = os.path.join(work, f"{prefix}-clear.pcap")
                replay = os.path.join(work, f"{prefix}.pcap") if direction == "up" else clear
                cfg_clear = case_config(work, a.sessions, direction, clear, prefix, a.packets, alg, False)
                perflib.pktgen(build, cfg_clear, clear, direction, inner, a.packets, "random")
                if direction == "up":
                    try:
                        ip_max = encrypt_pcap(tool, alg, clear, replay)
                        if ip_max > 1500:
                            # e.g. CBC at 1400: 1438 B of L2TP in IPv4 + 66 B of ESP/UDP/IPv4
                            warnings.append(f"{name}: ESP packets up to {ip_max} B exceed the access MTU "
                                         "(1500); a LAC would fragment them")
                        tshark_verifies(alg, replay, min(64, a.packets))
                    except RuntimeError as e:
                        notes.append(f"{name}: {e}")
                        continue
                cfg = case_config(work, a.sessions, direction, replay, prefix, a.packets, alg, True)
                npk, mean_len = perflib.pcap_stats(replay)
                raw = raw_cycles(bench, alg, direction, inner)
                tp = tp_cyc = mpps = cyc = None
                if not a.no_testpmd:
                    perflib.wait_quiet(a.quiet_wait)
                    try:
                        tp, _ = perflib.testpmd(replay, prefix + "-tp", work, a.testpmd_warmup, a.testpmd_measure)
                        tp_cyc = tsc_ghz * 1e3 / tp if tp and tsc_ghz else None
                    except RuntimeError as e:
                        notes.append(f"{name}: testpmd: {e}")
                lnsd_note = ""
                if not a.no_lnsd:
                    ok, why = lnsd_accepts(build, cfg)
                    if not ok:
                        lnsd_note = "config rejected: " + why[:90]
                    else:
                        perflib.wait_quiet(a.quiet_wait)
                        try:
                            res = perflib.lnsd(build, cfg, prefix, work, a.duration, a.warmup)
                            d = res.get("upstream" if direction == "up" else "downstream", {})
                            mpps = d.get("pps", 0.0) / 1e6
                            cyc = tsc_ghz * 1e3 / mpps if mpps and tsc_ghz else None
                            drops = {k: v for k, v in res.get("drops", {}).items() if v}
                            if drops:
                                lnsd_note = f"drops {drops}"
                        except (RuntimeError, OSError, ValueError) as e:
                            lnsd_note = str(e)
                target = tp_cyc + raw + 80 if tp_cyc is not None and raw is not None else None
                verdict = ("-" if cyc is None or target is None else ("met" if cyc <= target else "MISSED"))
                rows.append((name, npk, mean_len, raw, tp, tp_cyc, mpps, cyc, target, verdict, lnsd_note))
                print(f"== {name}: raw {perflib.fmt(raw, '.0f')} cyc, testpmd {perflib.fmt(tp)} Mpps "
                      f"({perflib.fmt(tp_cyc, '.0f')} cyc), lnsd {perflib.fmt(mpps)} Mpps "
                      f"({perflib.fmt(cyc, '.0f')} cyc), target {perflib.fmt(target, '.0f')} {verdict} {lnsd_note}",
                      flush=True)

    md = ["## ESP + L2TP: raw IPsec-MB, testpmd io forwarding, lnsd", "",
          f"Machine: {perflib.machine_info()}; TSC {perflib.fmt(tsc_ghz, '.3f')} GHz", "",
          f"Load average at start: {load_start}; at end: {perflib.loadavg()}", "",
          "Raw IPsec-MB (build/perf/bench_esp_crypto, bursts of 32, thread CPU time in TSC cycles "
          "per packet; ESP payload = IPv4/UDP/L2TP/PPP around the inner packet, tunnel mode):", "",
          "| algorithm / API | op | inner B | ESP ct B | cycles/pkt |", "|---|---|---:|---:|---:|"]
    for n, b in sorted(bench.items()):
        parts = n.split("/")
        md.append(f"| {parts[0]} | {parts[1]} | {parts[2]} | {b.get('ct_bytes', 0):.0f} | "
                  f"{perflib.fmt(b.get('cpu_cycles_per_pkt'), '.0f')} |")
    if rows:
        md += ["", f"Pipeline: {a.sessions} sessions (plain framing), {a.packets}-packet pcaps (lns-pktgen, random "
               "session per packet; up: encrypted by lns-esp-tool, tunnel mode, UDP 4500), net_pcap infinite_rx "
               "-> net_null, one forwarding lcore; cycles = TSC rate / packet rate. Target: lnsd <= testpmd + raw + 80.",
               "", "| case | frame B | raw cyc | testpmd Mpps | testpmd cyc | lnsd Mpps | lnsd cyc | target cyc | "
               "verdict | note |", "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
        for name, npk, mean_len, raw, tp, tp_cyc, mpps, cyc, target, verdict, note in rows:
            md.append(f"| {name} | {mean_len:.0f} | {perflib.fmt(raw, '.0f')} | {perflib.fmt(tp)} | "
                      f"{perflib.fmt(tp_cyc, '.0f')} | {perflib.fmt(mpps)} | {perflib.fmt(cyc, '.0f')} | "
                      f"{perflib.fmt(target, '.0f')} | {verdict} | {note or '-'} |")
    if warnings:
        md += ["", "Notes:", ""] + [f"- {n}" for n in warnings]
    if notes:
        md += ["", "Problems:", ""] + [f"- {n}" for n in notes]
    md += ["", "Commands:", "", "```"] + [str(c) for c in perflib.COMMANDS] + ["```", ""]
    text = "\n".join(md)
    print()
    print(text)
    perflib.write_fragment("esp.md", text)
    return 0 if not notes else 1


if __name__ == "__main__":
    sys.exit(main())
