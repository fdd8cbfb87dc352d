#!/usr/bin/python3
"""ESP + L2TP benchmark (issue 5 item 13): lnsd against testpmd io forwarding
on the same devices plus raw IPsec-MB on the same buffers, in one run.

For each algorithm (AES-128-GCM, AES-256-GCM, AES-128-CBC + HMAC-SHA1-96) x
inner size (128, 1400 bytes) x direction (up, down):
  1. build/perf/bench_esp_crypto (run once, JSON, --repeat repetitions) gives
     raw IPsec-MB cycles per packet on the buffers lnsd handles, in bursts of
     lnsd's `burst` (64) through the API lnsd uses (GCM: direct API; CBC+HMAC:
     multi-buffer jobs): decrypt for up, encrypt for down;
  2. lns-pktgen writes the cleartext pcap of the case's lnsd config (as
     run_pipeline.py does); for `up`, every LAC -> LNS frame is then
     encrypted by lns-esp-tool (lnsd's crypto/ engine) into tunnel-mode
     ESP-in-UDP 4500 (RFC 3948) with the case's inbound SA: outer and inner
     addresses are the LAC's and the LNS's; tshark decrypts the first 64
     packets and must find every ICV good; `down` replays cleartext into
     the core port and lnsd encrypts toward the LAC with the outbound SA;
     the inbound SA has `replay_window: 0` (anti-replay off): net_pcap's
     infinite_rx replays the same sequence numbers over and over, which a
     replay window would drop (`esp_replayed`);
  3. dpdk-testpmd io-forwards the replayed pcap (net_pcap infinite_rx ->
     net_null) on lcore 1: the devices' own cost;
  4. lnsd (config from tools/lab/lnsd_config.py plus an `ipsec.sas` section
     with the two static SAs) runs on the same pcap, one worker on lcore 1;
  5. steps 3 and 4 alternate --repeat times; each figure is the median.

Cycles per packet come from the forwarding thread's CPU time, not from wall
clock rates (the machine has two cores and other jobs run on them):
  testpmd: CPU time of its lcore 1 thread (rte-worker-1) (/proc/PID/task/TID/schedstat)
           between the two `show port stats all` snapshots x TSC Hz / packets
           forwarded between them;
  lnsd:    CPU share of its lcore 1 thread over lnsd's own measurement
           window (sampled every 100 ms) x TSC Hz / lnsd's packets per second
           in that window (stats JSON);
  raw:     the benchmark thread's CPU time (CLOCK_THREAD_CPUTIME_ID) x TSC Hz
           / packets.
  in-place: perf/ref_esp_fwd (io forwarding + raw IPsec-MB on every mbuf
           net_pcap delivers, in place, no ESP logic), its own thread CPU
           time x TSC Hz / packets, run alongside testpmd and lnsd.
Budget = testpmd + raw + 80; margin = budget - lnsd; pass when margin >= 0.
The table also gives lnsd against the in-place reference + 80: raw IPsec-MB
measured on the very mbufs lnsd handles (bench_esp_crypto's buffers stay in
cache; net_pcap's do not), so that column charges lnsd only for its own work.
Prints a markdown table and writes it with the exact commands to perf/out/esp.md
(record figures in perf/RESULTS.md by hand).

Usage: perf/run_esp.py [--build-dir DIR] [--algs gcm128,gcm256,cbc128]
                       [--inner 128,1400] [--directions up,down] [--packets 16384]
                       [--sessions 1000] [--repeat 3] [--no-testpmd] [--no-lnsd] [--bench-only]
"""
import argparse
import json
import os
import statistics
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
        if direction == "inbound":
            out.append("      replay_window: 0  # infinite_rx replays the same sequence numbers")
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


def run_bench(build, work, min_time, burst, repeat):
    """{name: result with the median cpu_cycles_per_pkt of `repeat` repetitions}
    for the benchmarks of bursts of `burst`."""
    exe = os.path.join(build, "perf", "bench_esp_crypto")
    out = os.path.join(work, "bench_esp_crypto.json")
    perflib.run([exe, f"--benchmark_filter=/{burst}$", f"--benchmark_min_time={min_time}",
                 f"--benchmark_repetitions={repeat}", "--benchmark_format=console",
                 f"--benchmark_out={out}", "--benchmark_out_format=json"], timeout=1800)
    with open(out) as f:
        data = json.load(f)
    runs = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        runs.setdefault(b.get("run_name", b["name"]), []).append(b)
    res = {}
    for name, bs in runs.items():
        r = dict(bs[0])
        r["cpu_cycles_per_pkt"] = statistics.median(b["cpu_cycles_per_pkt"] for b in bs)
        r["runs"] = [b["cpu_cycles_per_pkt"] for b in bs]
        res[name] = r
    return res


def raw_cycles(bench, alg, direction, inner, burst, api=None):
    prefix = ALGS[alg][6] if api is None else api
    b = bench.get(f"{prefix}/{'decrypt' if direction == 'up' else 'encrypt'}/{inner}/{burst}")
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


def measure_testpmd(a, replay, prefix, work, tsc_ghz):
    """(Mpps, cycles per packet of the forwarding thread's CPU time, CPU share)."""
    cpu = {}
    tp, _ = perflib.testpmd(replay, prefix, work, a.testpmd_warmup, a.testpmd_measure, cpu_out=cpu)
    if not cpu.get("cpu_s") or not cpu.get("tx_packets"):
        raise RuntimeError(f"testpmd: no forwarding-thread CPU time or no packets ({cpu})")
    return tp, cpu["cpu_s"] * tsc_ghz * 1e9 / cpu["tx_packets"], cpu["cpu_s"] / cpu["wall_s"]


def measure_lnsd(a, build, cfg, prefix, work, direction, tsc_ghz):
    """(Mpps, cycles per packet of the worker's CPU time, CPU share, nonzero drops)."""
    cpu = {}
    res = perflib.lnsd(build, cfg, prefix, work, a.duration, a.warmup, cpu_out=cpu)
    d = res.get("upstream" if direction == "up" else "downstream", {})
    pps = d.get("pps", 0.0)
    drops = {k: v for k, v in res.get("drops", {}).items() if v}
    share = cpu.get("cpu_share")
    if not pps or not share:
        raise RuntimeError(f"lnsd: {pps:.0f} pps, worker CPU share {share}, drops {drops}")
    return pps / 1e6, share * tsc_ghz * 1e9 / pps, share, drops


def measure_ref(a, build, replay, alg, direction, prefix, work):
    """(Mpps, cycles per packet, CPU share) of perf/ref_esp_fwd on the replayed pcap."""
    npk, _ = perflib.pcap_stats(replay)
    mbufs = lnsd_config.mbufs_for(npk)
    memory_mb = max(2048, lnsd_config.memory_for(mbufs, 0))
    cmd = [os.path.join(build, "perf", "ref_esp_fwd"), "--no-huge", "-m", str(memory_mb), "--no-pci",
           "--file-prefix", prefix, "-l", "1", "--log-level=3",
           "--vdev", f"net_pcap0,rx_pcap={replay},infinite_rx=1", "--vdev", "net_null0,no-rx=1", "--",
           "--alg", alg, "--dir", direction, "--burst", str(a.burst), "--warmup", str(a.testpmd_warmup),
           "--measure", str(a.testpmd_measure), "--mbufs", str(mbufs)]
    perflib.log_cmd(cmd)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    perflib.cleanup_prefix(prefix)
    line = next((x for x in reversed(r.stdout.splitlines()) if x.startswith("{")), None)
    if r.returncode != 0 or not line:
        raise RuntimeError(f"ref_esp_fwd exited {r.returncode}: {(r.stderr or r.stdout)[-200:]}")
    d = json.loads(line)
    if d.get("skipped") or d.get("crypto_errors"):
        raise RuntimeError(f"ref_esp_fwd: {d.get('skipped')} frames not ESP, {d.get('crypto_errors')} errors")
    return d["mpps"], d["cycles_per_pkt"], d["cpu_share"]


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir")
    ap.add_argument("--algs", default="gcm128,gcm256,cbc128")
    ap.add_argument("--inner", default="128,1400")
    ap.add_argument("--directions", default="up,down")
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--packets", type=int, default=16384)
    ap.add_argument("--repeat", type=int, default=3, help="runs of testpmd and lnsd per case (median)")
    ap.add_argument("--burst", type=int, default=64, help="lnsd's burst and the raw benchmark's")
    ap.add_argument("--duration", type=float, default=8)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--bench-min-time", default="0.5")
    ap.add_argument("--testpmd-warmup", type=int, default=2)
    ap.add_argument("--testpmd-measure", type=int, default=5)
    ap.add_argument("--no-testpmd", action="store_true")
    ap.add_argument("--no-lnsd", action="store_true")
    ap.add_argument("--no-ref", action="store_true", help="skip the in-place reference (perf/ref_esp_fwd)")
    ap.add_argument("--bench-only", action="store_true", help="only the raw IPsec-MB figures")
    ap.add_argument("--quiet-wait", type=float, default=10)
    ap.add_argument("--work-dir")
    a = ap.parse_args()

    build = perflib.find_build_dir(a.build_dir)
    tool = os.path.join(build, "tests", "lns-esp-tool")
    work = a.work_dir or tempfile.mkdtemp(prefix="lnsd-perf-esp-")
    os.makedirs(work, exist_ok=True)
    print(f"build {build}, work dir {work}", flush=True)
    load_start = perflib.loadavg()
    perflib.wait_quiet(a.quiet_wait)
    bench = run_bench(build, work, a.bench_min_time, a.burst, a.repeat)
    tsc_ghz = next((b.get("tsc_ghz") for b in bench.values() if b.get("tsc_ghz")), None)
    if not tsc_ghz:
        raise SystemExit("bench_esp_crypto reported no TSC rate")
    rows, notes, warnings, case_cmds = [], [], [], []
    pid = os.getpid()
    for alg in ([] if a.bench_only else a.algs.split(",")):
        for direction in a.directions.split(","):
            for inner in [int(x) for x in a.inner.split(",")]:
                name = f"{alg} {direction} {inner}B"
                prefix = f"perf-esp-{pid}-{alg}-{direction}-{inner}"
                clear = os.path.join(work, f"{prefix}-clear.pcap")
                replay = os.path.join(work, f"{prefix}.pcap") if direction == "up" else clear
                first_cmd = len(perflib.COMMANDS)
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
                raw = raw_cycles(bench, alg, direction, inner, a.burst)
                ok = False
                if not a.no_lnsd:
                    ok, why = lnsd_accepts(build, cfg)
                    if not ok:
                        notes.append(f"{name}: lnsd config rejected: {why[:120]}")
                tp_runs, ref_runs, lnsd_runs, case_notes = [], [], [], []
                for rep in range(a.repeat):
                    if not a.no_testpmd:
                        perflib.wait_quiet(a.quiet_wait)
                        try:
                            tp_runs.append(measure_testpmd(a, replay, f"{prefix}-tp{rep}", work, tsc_ghz))
                        except RuntimeError as e:
                            case_notes.append(f"testpmd: {e}")
                    if not a.no_ref:
                        perflib.wait_quiet(a.quiet_wait)
                        try:
                            ref_runs.append(measure_ref(a, build, replay, alg, direction, f"{prefix}-ref{rep}",
                                                        work))
                        except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as e:
                            case_notes.append(f"reference: {e}")
                    if not a.no_lnsd and ok:
                        perflib.wait_quiet(a.quiet_wait)
                        try:
                            r = measure_lnsd(a, build, cfg, f"{prefix}-{rep}", work, direction, tsc_ghz)
                            lnsd_runs.append(r)
                            if r[3]:
                                case_notes.append(f"drops {r[3]}")
                        except (RuntimeError, OSError, ValueError) as e:
                            case_notes.append(str(e))
                perflib.cleanup_prefix(prefix)  # lnsd's file prefix (the runs' logs are named -REP)
                tp_cyc = med(r[1] for r in tp_runs)
                cyc = med(r[1] for r in lnsd_runs)
                budget = tp_cyc + raw + 80 if tp_cyc is not None and raw is not None else None
                margin = budget - cyc if budget is not None and cyc is not None else None
                verdict = "-" if margin is None else ("pass" if margin >= 0 else "FAIL")
                ref_cyc = med(r[1] for r in ref_runs)
                ref_margin = ref_cyc + 80 - cyc if ref_cyc is not None and cyc is not None else None
                ref_verdict = "-" if ref_margin is None else ("pass" if ref_margin >= 0 else "FAIL")
                row = dict(name=name, frame=mean_len, tp_mpps=med(r[0] for r in tp_runs), tp_cyc=tp_cyc,
                           tp_share=med(r[2] for r in tp_runs), raw=raw,
                           mpps=med(r[0] for r in lnsd_runs), cyc=cyc, share=med(r[2] for r in lnsd_runs),
                           budget=budget, margin=margin, verdict=verdict, ref_cyc=ref_cyc,
                           ref_margin=ref_margin, ref_verdict=ref_verdict,
                           ref_all=[r[1] for r in ref_runs],
                           lnsd_all=[r[1] for r in lnsd_runs], tp_all=[r[1] for r in tp_runs],
                           note="; ".join(dict.fromkeys(case_notes)))
                rows.append(row)
                case_cmds.append((name, perflib.COMMANDS[first_cmd:]))
                if case_notes:
                    notes.append(f"{name}: {row['note']}")
                print(f"== {name}: testpmd {perflib.fmt(tp_cyc, '.0f')} cyc, raw {perflib.fmt(raw, '.0f')} cyc, "
                      f"lnsd {perflib.fmt(cyc, '.0f')} cyc ({perflib.fmt(row['mpps'])} Mpps), budget "
                      f"{perflib.fmt(budget, '.0f')}, margin {perflib.fmt(margin, '.0f')}: {verdict}; "
                      f"in-place reference {perflib.fmt(ref_cyc, '.0f')} cyc, margin "
                      f"{perflib.fmt(ref_margin, '.0f')}: {ref_verdict}",
                      flush=True)

    f0 = lambda v: perflib.fmt(v, ".0f")  # noqa: E731
    md = ["## ESP + L2TP: lnsd against testpmd io forwarding + raw IPsec-MB + 80 cycles", "",
          f"Machine: {perflib.machine_info()}; TSC {perflib.fmt(tsc_ghz, '.3f')} GHz; "
          f"IPsec-MB {next((b.get('label') for b in bench.values() if b.get('label')), '?')} arch", "",
          f"Load average at start: {load_start}; at end: {perflib.loadavg()}", "",
          f"Raw IPsec-MB (build/perf/bench_esp_crypto, bursts of {a.burst}, median of {a.repeat} repetitions, "
          "thread CPU time in TSC cycles per packet; ESP payload = IPv4/UDP/L2TP/PPP around the inner packet, "
          "tunnel mode):", "",
          "| algorithm / API | op | inner B | ESP ct B | cycles/pkt | runs |", "|---|---|---:|---:|---:|---|"]
    for n, b in sorted(bench.items()):
        parts = n.split("/")
        md.append(f"| {parts[0]} | {parts[1]} | {parts[2]} | {b.get('ct_bytes', 0):.0f} | "
                  f"{f0(b.get('cpu_cycles_per_pkt'))} | {' '.join(f0(x) for x in b.get('runs', []))} |")
    if rows:
        md += ["", f"Pipeline: {a.sessions} sessions (plain framing), {a.packets}-packet pcaps (lns-pktgen, random "
               "session per packet; up: encrypted by lns-esp-tool, tunnel mode, UDP 4500; inbound SA "
               "`replay_window: 0`), net_pcap infinite_rx -> net_null, one forwarding lcore (1); cycles per "
               f"packet from the forwarding thread's CPU time x TSC Hz, median of {a.repeat} runs each. "
               "Budget = testpmd + raw + 80; margin = budget - lnsd.  In-place = perf/ref_esp_fwd (io "
               "forwarding + raw IPsec-MB on the same mbufs); its margin = in-place + 80 - lnsd.", "",
               "| case | frame B | testpmd c/p | raw IPsec-MB c/p | lnsd c/p | budget | margin | result | "
               "in-place c/p | in-place margin | result | "
               "lnsd Mpps (CPU share) | testpmd Mpps | lnsd runs c/p | in-place runs c/p | note |",
               "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---|---|---|"]
        for r in rows:
            md.append(f"| {r['name']} | {r['frame']:.0f} | {f0(r['tp_cyc'])} | {f0(r['raw'])} | {f0(r['cyc'])} | "
                      f"{f0(r['budget'])} | {f0(r['margin'])} | {r['verdict']} | {f0(r['ref_cyc'])} | "
                      f"{f0(r['ref_margin'])} | {r['ref_verdict']} | {perflib.fmt(r['mpps'])} "
                      f"({perflib.fmt(r['share'])}) | {perflib.fmt(r['tp_mpps'])} | "
                      f"{' '.join(f0(x) for x in r['lnsd_all'])} | {' '.join(f0(x) for x in r['ref_all'])} | "
                      f"{r['note'] or '-'} |")
    if warnings:
        md += ["", "Notes:", ""] + [f"- {n}" for n in warnings]
    if notes:
        md += ["", "Problems:", ""] + [f"- {n}" for n in notes]
    md += ["", "Commands (raw IPsec-MB):", "", "```"] + [c for c in perflib.COMMANDS if "bench_esp_crypto" in c]
    md += ["```"]
    for name, cmds in case_cmds:
        md += ["", f"Commands of `{name}` (testpmd and lnsd repeated; testpmd's stdin: start, show port stats all "
               "twice, stop, quit):", "", "```"] + cmds + ["```"]
    md.append("")
    text = "\n".join(md)
    print()
    print(text)
    perflib.write_fragment("esp.md", text)
    return 0 if not notes and all(r["verdict"] == "pass" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
