#!/usr/bin/python3
"""Integration test: lnsd forwarding between two network namespaces over veth pairs.

  netns lnsit-lac-PID                root netns                     netns lnsit-core-PID
  203.0.113.2/24 [lnsitAPIDp]==veth==[lnsitAPID] lnsd [lnsitCPID]==veth==[lnsitCPIDp] 198.51.100.2/24
  (kernel UDP socket :1701 = LAC)    net_af_packet0   net_af_packet1      route 100.64.0.0/16 via 198.51.100.1

lnsd runs in the root namespace on net_af_packet ports with NO static neighbours:
it must answer the namespaces' ARP requests for 203.0.113.1 / 198.51.100.1 and
resolve the LAC and the core host itself (the readiness ping comes from a second
LAC-side address, 203.0.113.3, so lnsd cannot learn the LAC from that ARP request;
the namespaces record the ARP requests lnsd sends them).  Checks: the LNS answers
ping on both links (the core one after flushing the core kernel's neighbour cache);
N upstream L2TP data messages from the LAC's kernel socket arrive at the
core host's kernel socket as the subscribers' UDP datagrams (TTL 63); N downstream
datagrams to subscriber addresses arrive at the LAC's socket as L2TP/PPP/IPv4 with
the remote ids and valid checksums; the first packet each way (sent while the next
hop is still unresolved) is delivered; the kernels' neighbour entries carry the
veth MACs; lnsd's stats show ARP replies sent and neighbours resolved.

veth offloads: a veth transmits with checksum offload (CHECKSUM_PARTIAL) by
default, so a frame that af_packet reads on the other end carries only the
pseudo-header sum in its UDP checksum (measured here: a UDP datagram sent from a
namespace with `tx on` is seen by an AF_PACKET socket on the root end with an
invalid checksum; with `tx off` it is valid).  lnsd forwards inner packets without
recomputing their UDP checksums, so a datagram from the core host would reach the
LAC with a bad checksum.  The test therefore runs `ethtool -K DEV tx off` (and
tso/gso/gro off) on all four veth ends and checks that it took effect.
"""
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))

import harness  # noqa: E402
import lnsd as lnsrun  # noqa: E402
import topo  # noqa: E402

AGENT = os.path.join(HERE, "lib", "netns_agent.py")
PY = "/usr/bin/python3"
PID = os.getpid()
NS_LAC = f"lnsit-lac-{PID}"
NS_CORE = f"lnsit-core-{PID}"
VA, VAP = f"lnsitA{PID}", f"lnsitA{PID}p"
VC, VCP = f"lnsitC{PID}", f"lnsitC{PID}p"
LNS_A, LAC_IP, LAC_PROBE_IP = "203.0.113.1", "203.0.113.2", "203.0.113.3"
LNS_C, CORE_HOST = "198.51.100.1", "198.51.100.2"
COUNT = 50
BLOCK = topo.Block("it", ltid=1, lsid=1, rtid=101, rsid=201, ipv4="100.64.0.1", count=4, spt=2,
                   lac=LAC_IP)


def sh(cmd, check=True, timeout=20, ns=None):
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return r


def mac_of(dev, ns=None):
    return sh(["cat", f"/sys/class/net/{dev}/address"], ns=ns).stdout.strip().lower()


def setup(checks):
    sh(["ip", "netns", "add", NS_LAC])
    sh(["ip", "netns", "add", NS_CORE])
    for root, peer, ns, addr in ((VA, VAP, NS_LAC, f"{LAC_IP}/24"), (VC, VCP, NS_CORE, f"{CORE_HOST}/24")):
        sh(["ip", "link", "add", root, "type", "veth", "peer", "name", peer, "netns", ns])
        # the root end belongs to lnsd: no IPv6 autoconf/RS/MLD noise from the root kernel
        sh(["sysctl", "-qw", f"net.ipv6.conf.{root}.disable_ipv6=1"], check=False)
        sh(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], ns=ns, check=False)
        sh(["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"], ns=ns, check=False)
        sh(["ip", "link", "set", "lo", "up"], ns=ns)
        sh(["ip", "addr", "add", addr, "dev", peer], ns=ns)
        if shutil.which("ethtool"):
            sh(["ethtool", "-K", peer, "tx", "off", "tso", "off", "gso", "off", "gro", "off"], ns=ns, check=False)
            sh(["ethtool", "-K", root, "tx", "off", "tso", "off", "gso", "off", "gro", "off"], check=False)
        sh(["ip", "link", "set", root, "up"])
        sh(["ip", "link", "set", peer, "up"], ns=ns)
    sh(["ip", "route", "add", "100.64.0.0/16", "via", LNS_C], ns=NS_CORE)
    # second LAC-side address, used only as the source of the readiness ping, so that
    # lnsd cannot learn the LAC (203.0.113.2) from the kernel's ARP request
    sh(["ip", "addr", "add", f"{LAC_PROBE_IP}/24", "dev", VAP], ns=NS_LAC)
    if shutil.which("ethtool"):
        for dev, ns in ((VAP, NS_LAC), (VCP, NS_CORE)):
            out = sh(["ethtool", "-k", dev], ns=ns).stdout
            line = next((ln for ln in out.splitlines() if ln.strip().startswith("tx-checksumming:")), "")
            checks.check(f"veth_{dev}_tx_checksum_off", "off" in line, f"ethtool -k {dev}: {line.strip()}")
    else:
        checks.fail("ethtool", "ethtool missing: cannot turn veth TX checksum offload off")


def teardown():
    for ns in (NS_LAC, NS_CORE):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)
    for dev in (VA, VC):
        subprocess.run(["ip", "link", "del", dev], capture_output=True, timeout=20)


def lnsd_config(workdir, prefix):
    return {
        "eal": {"no_huge": True, "memory_mb": 512, "file_prefix": prefix, "no_pci": True},
        "control_lcore": 0,
        "mbufs": 8191,
        "ports": [
            {"name": "access0", "device": f"net_af_packet0,iface={VA}", "role": "access", "rx_queues": 1,
             "mtu": 1500, "ipv4": f"{LNS_A}/24"},
            {"name": "core0", "device": f"net_af_packet1,iface={VC}", "role": "core", "rx_queues": 1,
             "mtu": 1500, "ipv4": f"{LNS_C}/24", "gateway4": CORE_HOST},
        ],
        "workers": [{"lcore": 1, "rx": [{"port": "access0", "queue": 0}, {"port": "core0", "queue": 0}]}],
        "arp": {"reachable_ms": 300000, "retry_ms": 500, "retries": 5, "pending_packets": 16},
        "sessions": [BLOCK.to_config()],
    }


def start_lnsd(binary, workdir, prefix):
    cfg_path = lnsrun.write_config(workdir, lnsd_config(workdir, prefix))
    stats = os.path.join(workdir, "stats.json")
    out = open(os.path.join(workdir, "lnsd.stdout"), "w")
    err = open(os.path.join(workdir, "lnsd.stderr"), "w")
    p = subprocess.Popen([binary, "-c", cfg_path, "--stats-json", stats, "--quiet", "--duration", "120"],
                         stdout=out, stderr=err, start_new_session=True)
    return p, stats


def stop_process(p, sig=signal.SIGINT, wait=15):
    """Stop one process we started (by PID): `sig`, then SIGKILL after `wait` s."""
    if p is None or p.poll() is not None:
        return p.returncode if p else None
    try:
        os.kill(p.pid, sig)
        return p.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
        return "killed"
    except ProcessLookupError:
        return p.poll()


def wait_ping(ns, addr, lnsd_proc, limit_s=40, source=""):
    deadline = time.monotonic() + limit_s
    tries = 0
    while time.monotonic() < deadline and lnsd_proc.poll() is None:
        tries += 1
        r = sh([PY, AGENT, "ping", "--target", addr, "--source", source, "--recv-time", "1"], ns=ns,
               check=False, timeout=10)
        if r.returncode == 0:
            return True, tries
    return False, tries


def start_agent(ns, role, extra):
    sessions = json.dumps([{"ltid": s.ltid, "lsid": s.lsid, "rtid": s.rtid, "rsid": s.rsid, "ipv4": s.ipv4}
                           for s in BLOCK.instances()])
    cmd = ["ip", "netns", "exec", ns, PY, AGENT, role, "--sessions", sessions, "--count", str(COUNT)] + extra
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    r, _, _ = select.select([p.stdout], [], [], 15)
    line = p.stdout.readline().strip() if r else ""
    if line != "ready":
        stop_process(p, signal.SIGKILL)
        raise RuntimeError(f"{role} agent did not start: {line!r} {p.stderr.read()[-300:] if p.poll() is not None else ''}")
    return p


def finish_agent(p, timeout):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_process(p, signal.SIGKILL)
        out, err = p.communicate(timeout=10)
        raise RuntimeError(f"agent timed out: {err[-300:]}")
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"agent printed no result (rc {p.returncode}): {err[-300:]}")
    return json.loads(lines[-1])


def check_upstream(checks, core_res):
    sess = BLOCK.instances()
    got = {r["payload"]: r for r in core_res["received"]}
    checks.check("upstream_first_packet_delivered_while_resolving", "up-warm" in got,
                 "the first upstream packet (sent before lnsd knew the core host's MAC) was lost")
    missing = [k for k in range(COUNT) if f"up-{k}" not in got]
    checks.check(f"upstream_{COUNT}_delivered", not missing,
                 f"{len(missing)} of {COUNT} lost (e.g. {missing[:8]}); received {len(core_res['received'])}")
    bad = []
    for k in range(COUNT):
        r = got.get(f"up-{k}")
        if not r:
            continue
        s = sess[k % len(sess)]
        if r["from"] != [s.ipv4, 10000 + k % 1000] or r["ttl"] != 63:
            bad.append((k, r))
    checks.check("upstream_source_and_ttl", not bad, f"{len(bad)} datagrams with wrong source/TTL: {bad[:3]}")
    dup = len(core_res["received"]) - len(got)
    checks.eq("upstream_no_duplicates", dup, 0)


def check_downstream(checks, lac_res):
    sess = BLOCK.instances()
    by = {}
    for r in lac_res["received"]:
        if "payload" in r:
            by.setdefault(r["payload"], []).append(r)
    errors = [r for r in lac_res["received"] if "error" in r]
    checks.check("downstream_all_decode", not errors, f"{len(errors)} undecodable L2TP messages: {errors[:2]}")
    checks.check("downstream_first_packet_delivered_while_resolving", "down-warm" in by,
                 "the first downstream packet (sent before lnsd knew the LAC's MAC) was lost")
    missing = [k for k in range(COUNT) if f"down-{k}" not in by]
    checks.check(f"downstream_{COUNT}_delivered", not missing,
                 f"{len(missing)} of {COUNT} lost (e.g. {missing[:8]}); received {len(lac_res['received'])}")
    bad = []
    for k in range(COUNT):
        for r in by.get(f"down-{k}", [])[:1]:
            s = sess[k % len(sess)]
            exp = {"from": [LNS_A, 1701], "T": False, "ver": 2, "tid": s.rtid, "sid": s.rsid, "acf": True,
                   "proto": 0x21, "ip_ok": True, "l4_ok": True, "ip_len_ok": True, "src": CORE_HOST, "dst": s.ipv4,
                   "ttl": 63, "proto_l4": 17, "sport": 5000, "dport": 6000}
            diff = {key: (r.get(key), v) for key, v in exp.items() if r.get(key) != v}
            if diff:
                bad.append((k, diff))
    checks.check("downstream_fields", not bad, f"{len(bad)} messages wrong (got, want): {bad[:3]}")
    dup = sum(len(v) - 1 for v in by.values())
    checks.eq("downstream_no_duplicates", dup, 0)


def check_lnsd_arp_requests(checks, lac_res, core_res):
    """lnsd resolved both next hops itself: each namespace saw an ARP request from
    lnsd's veth MAC for its address."""
    for name, res, dev, target in (("lac", lac_res, VA, LAC_IP), ("core_host", core_res, VC, CORE_HOST)):
        mac = mac_of(dev)
        reqs = [r for r in res.get("arp_requests", []) if r["sha"] == mac and r["tpa"] == target]
        checks.check(f"lnsd_sent_arp_request_for_{name}", reqs,
                     f"no ARP request from {mac} for {target}; seen: {res.get('arp_requests', [])[:4]}")


def check_kernel_neighbours(checks):
    for ns, addr, dev in ((NS_LAC, LNS_A, VA), (NS_CORE, LNS_C, VC)):
        out = sh(["ip", "neigh", "show", addr], ns=ns, check=False).stdout
        want = mac_of(dev)
        checks.check(f"kernel_neighbour_{ns.split('-')[1]}", f"lladdr {want}" in out,
                     f"{ns}: 'ip neigh show {addr}' = {out.strip()!r}, want lladdr {want}")


def check_stats(checks, stats_path, rc):
    checks.check("lnsd_exit_clean_on_sigint", rc == 0, f"exit status {rc}")
    try:
        st = json.load(open(stats_path))
    except (OSError, ValueError) as e:
        return checks.fail("stats_json", f"{e}")
    ctl = st.get("control", {})
    checks.check("stats_arp_replies_sent", ctl.get("arp_replies_sent", 0) >= 2,
                 f"control.arp_replies_sent={ctl.get('arp_replies_sent')} (contract name; want >= 2: one per "
                 f"namespace); control has " + ", ".join(f"{k}={v}" for k, v in ctl.items() if "arp" in k))
    keys = [k for k in ctl if "resolv" in k and ("neigh" in k or "arp" in k)]
    res_keys = [k for k in keys if "fail" not in k and "unres" not in k]
    got = {k: ctl[k] for k in res_keys}
    checks.check("stats_neighbours_resolved", res_keys and sum(v for v in got.values() if isinstance(v, int)) >= 2,
                 f"no neighbour-resolution counter >= 2 among control counters {sorted(ctl)} (found {got})")
    checks.check("stats_punts_arp", st.get("punts", {}).get("arp", 0) >= 2, f"punts.arp={st.get('punts', {}).get('arp')}")
    drops = {k: v for k, v in st.get("drops", {}).items() if v}
    checks.eq("stats_no_drops", drops, {})
    macs = {p.get("name"): (p.get("mac") or "").lower() for p in st.get("ports", [])}
    checks.eq("stats_port_macs_are_veth_macs", macs, {"access0": mac_of(VA), "core0": mac_of(VC)})
    up = st.get("upstream", {}).get("packets", 0)
    dn = st.get("downstream", {}).get("packets", 0)
    checks.check("stats_forwarded_counts", up >= COUNT + 1 and dn >= COUNT + 1,
                 f"upstream.packets={up} downstream.packets={dn} (want >= {COUNT + 1})")


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("netns")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    for tool in ("ip",):
        if not shutil.which(tool):
            checks.fail("tools", f"{tool} missing")
            return checks.finish()
    prefix = topo.unique_prefix("it")
    lnsd_proc = None
    agents = []
    t0 = time.monotonic()
    with lnsrun.WorkDir("netns", args.keep) as wd:
        try:
            checks.guard("setup", setup, checks)
            lnsd_proc, stats_path = start_lnsd(binary, wd.path, prefix)
            # 1. readiness: ping from the LAC namespace's second address (lnsd answers
            #    the kernel's ARP request and the echo)
            ok, tries = wait_ping(NS_LAC, LNS_A, lnsd_proc, source=LAC_PROBE_IP)
            checks.check("ping_lns_from_lac", ok, f"no echo reply from {LNS_A} after {tries} tries "
                         f"(lnsd {'exited ' + str(lnsd_proc.returncode) if lnsd_proc.poll() is not None else 'running'})")
            if lnsd_proc.poll() is not None:
                checks.fail("lnsd_running", f"lnsd exited with {lnsd_proc.returncode}: "
                            f"{open(os.path.join(wd.path, 'lnsd.stderr')).read()[-400:]}")
            else:
                # 2. traffic: lnsd knows neither the core host nor the LAC (203.0.113.2)
                #    yet, so the first packet each way waits for lnsd's own ARP request
                core_a = start_agent(NS_CORE, "core", ["--recv-time", "10", "--iface", VCP])
                agents.append(core_a)
                lac_a = start_agent(NS_LAC, "lac", ["--recv-time", "25", "--iface", VAP])
                agents.append(lac_a)
                core_res = finish_agent(core_a, 40)
                lac_res = finish_agent(lac_a, 40)
                checks.guard("upstream", check_upstream, checks, core_res)
                checks.guard("downstream", check_downstream, checks, lac_res)
                checks.guard("lnsd_arp_requests", check_lnsd_arp_requests, checks, lac_res, core_res)
                # 3. the core kernel forgets 203.0.113.1's MAC and asks again: lnsd answers
                sh(["ip", "neigh", "flush", "dev", VCP], ns=NS_CORE, check=False)
                ok2, tries = wait_ping(NS_CORE, LNS_C, lnsd_proc, limit_s=15)
                checks.check("ping_lns_from_core", ok2, f"no echo reply from {LNS_C} after {tries} tries")
                checks.guard("kernel_neighbours", check_kernel_neighbours, checks)
            rc = stop_process(lnsd_proc)
            lnsd_proc = None
            checks.guard("stats", check_stats, checks, stats_path, rc)
        except Exception as e:  # noqa: BLE001
            checks.fail("exception", f"{type(e).__name__}: {e}")
        finally:
            for a in agents:
                stop_process(a, signal.SIGKILL)
            stop_process(lnsd_proc, signal.SIGINT)
            teardown()
            for base in ("/var/run/dpdk", "/run/dpdk"):
                shutil.rmtree(os.path.join(base, prefix), ignore_errors=True)
    print(f"(took {time.monotonic() - t0:.1f} s)")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
