#!/usr/bin/python3
"""Integration test: a real LAC, xl2tpd, carrying the project's PPP client
(lns-pppd bind-mounted over /usr/sbin/pppd in a private mount namespace) brings
up a subscriber session against lnsd (local users), passes ICMP through lnsd to
a core host and back, and ends cleanly; tshark decodes every PPP frame lnsd
sent on the access link with no malformed packet or expert warning.

  netns LAC                                   lnsd (root netns)              netns core
  203.0.113.2 [veth] xl2tpd -> lns-pppd  ==  access0 203.0.113.1 | core0  ==  198.51.100.2
                    dumpcap (access link)    users.yaml: xluser, 100.64.50.5  (route 100.64/16 via lnsd)

lnsd: ppp.auth [chap, mschapv2, pap], echo_interval_s 1 (LCP echoes lns-pppd
answers), dns_primary 198.51.100.53; the user has a fixed address.
lns-pppd (name from xl2tpd's `name`, password from the pppoptfile) writes JSON
status lines (LNS_PPPD_STATUS), sends 10 ICMP echo requests to the core host
once up (LNS_PPPD_PING), then closes the link (LCP Terminate-Request); xl2tpd
clears the call.

Checks:
  - lns-pppd "up": CHAP-MD5, address 100.64.50.5 (the user's), DNS
    198.51.100.53, peer 203.0.113.1; lnsd has the subscriber up with the data
    plane entry while it lasts;
  - 10 echo requests, 10 replies (through lnsd's data plane both ways: lnsd's
    upstream/downstream counters grew by 10 each);
  - lns-pppd "finished" by its own close after being up; lnsd ends the
    subscriber (ended 1, ppp_end_peer_terminated 1), gives the address back,
    the call is cleared (CDN either way), the data-plane table is empty; xl2tpd
    is then told to drop the tunnel ("d lns"): StopCCN; lnsd exits 0;
  - capture of the access link (what the LAC received): every L2TP data frame
    from lnsd (Ethernet source lnsd's MAC) dissects as PPP; tshark's
    `_ws.malformed || _ws.expert.severity >= "Warning"` matches none of lnsd's
    frames; lnsd sent LCP (Configure-Request/-Ack, Echo-Request, Terminate-Ack),
    CHAP (Challenge, Success), IPCP (Configure-Request/-Nak/-Ack) and the 10
    ICMP echo replies inside PPP; its LCP Configure-Request carries MRU, Auth
    CHAP-MD5 and a magic number; its IPCP Nak carries the user's address and the
    DNS server.
Every wait is bounded; processes are stopped by PID, namespaces removed in a
`finally` (and on SIGTERM).  Exit status 0 when every check passed.
"""
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import l2tp_lab  # noqa: E402
import lnsd as lnsrun  # noqa: E402
import pppd_lac  # noqa: E402
import test_lac_emulator as le  # noqa: E402
import tshark  # noqa: E402
from l2tp_lab import CORE_HOST, LAC_IP, LNS_A, Case, sh  # noqa: E402

USER, PASSWORD, USER_IP = "xluser", "xl-s3cret", "100.64.50.5"
POOL = "100.64.0.0/16"
DNS = "198.51.100.53"
PINGS = 10
DECODE = ["udp.port==1701,l2tp"]
BAD_FILTER = '_ws.malformed || _ws.expert.severity >= "Warning"'


class XlLab(le.EmuLab):
    def lnsd_config(self, prefix, l2tp=None):
        cfg = super().lnsd_config(prefix, l2tp)
        cfg["ppp"] = {"auth": ["chap", "mschapv2", "pap"], "echo_interval_s": 1, "ipv6": False,
                      "dns_primary": DNS}
        cfg["aaa"] = {"backend": "local", "users_file": "users.yaml",
                      "ipv4_pools": [{"name": "subs", "prefix": POOL}]}
        return cfg

    def setup(self):
        super().setup()
        sh(["ip", "route", "add", POOL, "via", l2tp_lab.LNS_C], ns=self.ns_core)
        with open(os.path.join(self.workdir, "users.yaml"), "w") as f:
            f.write(f"users:\n  - {{name: {USER}, password: {PASSWORD}, ipv4: {USER_IP}}}\n")


def subs(snap):
    return snap.get("subscribers", {}) if snap else {}


def tshark_lines(pcap, dfilter, fields):
    rows = tshark.fields(pcap, fields, display_filter=dfilter, decode_as=DECODE)
    return rows


def check_capture(case, pcap, lns_mac):
    mine = f"eth.src=={lns_mac}"
    data = tshark_lines(pcap, f"{mine} && l2tp.type==0", ["frame.number", "ppp.protocol"])
    no_ppp = [r[0] for r in data if not r[1]]
    case.check("lnsd_data_frames_are_ppp", data and not no_ppp,
               f"{len(data)} data frames from lnsd, without a PPP layer: {no_ppp[:10]}")
    bad = tshark_lines(pcap, f"{mine} && ({BAD_FILTER})",
                       ["frame.number", "_ws.expert.severity", "_ws.expert.message", "_ws.malformed"])
    case.check("no_malformed_or_expert_warning_from_lnsd", not bad, f"tshark flagged lnsd's frames: {bad[:5]}")
    others = tshark_lines(pcap, f"!({mine}) && ({BAD_FILTER})", ["frame.number", "_ws.expert.message"])
    if others:
        print(f"  note: tshark flags frames NOT sent by lnsd (not checked): {others[:3]}")

    def codes(proto):
        rows = tshark_lines(pcap, f"{mine} && l2tp.type==0 && {proto}", ["ppp.code"])
        return sorted({int(c) for r in rows for c in r[0].split(",") if c})

    case.eq("lnsd_lcp_codes", codes("lcp"), [1, 2, 6, 9])  # ConfReq, ConfAck, TermAck, Echo-Request
    case.eq("lnsd_chap_codes", sorted({int(r[0]) for r in tshark_lines(
        pcap, f"{mine} && l2tp.type==0 && chap", ["chap.code"]) if r[0]}), [1, 3])  # Challenge, Success
    case.eq("lnsd_ipcp_codes", codes("ipcp"), [1, 2, 3, 4])  # ConfReq, ConfAck, ConfNak, ConfRej
    # the only option lnsd rejects: Secondary DNS (131), none being configured
    rej = tshark_lines(pcap, f"{mine} && ipcp && ppp.code==4", ["ipcp.opt.type"])
    case.eq("lnsd_ipcp_rejects_secondary_dns_only", sorted({t for r in rej for t in r[0].split(",") if t}), ["131"])
    # ip.src: the outer (lnsd) then the inner (the core host) address
    replies = tshark_lines(pcap, f"{mine} && l2tp.type==0 && icmp.type==0 && ip.dst=={USER_IP}", ["ip.src"])
    case.eq("lnsd_icmp_echo_replies_in_ppp", (len(replies), {r[0].split(",")[-1] for r in replies}),
            (PINGS, {CORE_HOST}))
    confreq = tshark_lines(pcap, f"{mine} && lcp && ppp.code==1", ["lcp.opt.mru", "lcp.opt.auth_protocol",
                                                                   "lcp.opt.magic_number"])
    case.check("lnsd_lcp_confreq_options", confreq and all(r[0] and r[1] and r[2] for r in confreq) and
               any(r[1] in ("0xc223", "49699") for r in confreq),
               f"lnsd's LCP Configure-Requests (mru, auth, magic): {confreq}")
    nak = tshark_lines(pcap, f"{mine} && ipcp && ppp.code==3", ["ipcp.opt.ip_address", "ipcp.opt.pri_dns_address"])
    case.check("lnsd_ipcp_nak_address_dns", any(r[0] == USER_IP and r[1] == DNS for r in nak),
               f"lnsd's IPCP Configure-Naks (address, DNS): {nak}")
    print(f"  capture: {len(data)} PPP data frames from lnsd, LCP {codes('lcp')}, IPCP {codes('ipcp')}, "
          f"{len(replies)} ICMP echo replies")


def run(checks, lab, pppd_bin, lnsd, cap):
    case = Case(checks, "xl2tpd", lnsd)
    st = pppd_lac.PppdStatus(lab.workdir, "xl")
    env = st.env(ping=CORE_HOST, ping_count=PINGS, ping_interval_ms=200, exit_after_traffic=1)
    xl = pppd_lac.start_xl2tpd_pppd(lab, "xl", pppd_bin, USER, PASSWORD, env)
    case.xl = xl

    def logs():
        return f"{xl.logs()}{st.log_tail()}"
    up = st.wait("up", 30)
    if not case.check("pppd_up", up is not None, f"{st.events()}\n{logs()}"):
        return
    case.eq("pppd_up_values", {k: up.get(k) for k in ("address", "peer", "auth")},
            {"address": USER_IP, "peer": LNS_A, "auth": "chap-md5"})
    case.eq("pppd_dns", (up.get("dns") or [None])[0], DNS)
    snap = lnsd.wait_snapshot(lambda s: subs(s).get("sessions_up", 0) >= 1, 5)
    sb = subs(snap)
    case.counters("lnsd_subscriber_up", sb, {"subscribers": 1, "sessions_up": 1, "auth_accepts": 1,
                                             "pool_subs_used": 1})
    case.eq("lnsd_dataplane_session", (snap or {}).get("sessions"), 1)
    tr = st.wait("traffic", 15)
    if case.check("pppd_traffic", tr is not None, logs()):
        case.eq("echo_round_trip", (tr.get("sent"), tr.get("echo_replies")), (PINGS, PINGS))
    fin = st.wait("finished", 15)
    if case.check("pppd_finished", fin is not None, logs()):
        case.eq("finished_by_own_close_after_up", (fin.get("reason"), fin.get("was_up")), ("local_close", True))
    snap = lnsd.wait_snapshot(lambda s: subs(s).get("ended", 0) >= 1 and s.get("sessions") == 0, 10)
    sb = subs(snap)
    case.counters("lnsd_subscriber_ended", sb, {"subscribers": 0, "ended": 1, "pool_subs_used": 0})
    # lnsd acknowledges the Terminate-Request and waits one restart period
    # (RFC 1661 Stopping) before it ends the call itself; xl2tpd usually clears
    # the call first, when its pppd exits.
    how = {k: sb.get(k, 0) for k in ("ppp_end_peer_terminated", "lac_cleared")}
    case.check("lnsd_ended_by_peer_or_lac", sum(how.values()) == 1, f"{how}")
    case.eq("lnsd_dataplane_empty", (snap or {}).get("sessions"), 0)
    l2 = (snap or {}).get("l2tp", {})
    case.check("call_cleared_by_cdn", l2.get("cdn_sent", 0) + l2.get("cdn_received", 0) == 1,
               f"lnsd l2tp counters {l2}")
    xl.command("d lns")
    snap = lnsd.wait_snapshot(lambda s: s.get("l2tp", {}).get("stopccn_received", 0) >= 1, 10)
    case.check("tunnel_closed_by_xl2tpd", snap is not None and snap["l2tp"].get("stopccn_received", 0) == 1,
               f"{(snap or {}).get('l2tp')}")
    xl.stop()
    print(f"  lnsd ended the subscriber by: {how}")
    print(f"  up: {up}\n  traffic: {tr}\n  finished: {fin}")


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("pppd_xl2tpd_lnsd")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    pppd_bin = os.path.join(os.path.abspath(args.build_dir), "lns-pppd")
    missing = [t for t in (pppd_bin, l2tp_lab.XL2TPD, l2tp_lab.DUMPCAP, tshark.TSHARK, "unshare", "ip")
               if not (shutil.which(t) or os.access(t, os.X_OK))]
    if missing:
        checks.fail("tools", f"missing: {missing} (tools/install_deps.sh installs xl2tpd and tshark)")
        return checks.finish()
    l2tp_lab.exit_on_sigterm()
    t0 = time.monotonic()
    with lnsrun.WorkDir("pppd-xl2tpd-lnsd", args.keep) as wd:
        os.chmod(wd.path, 0o755)
        lab = XlLab("px", wd.path, binary)
        try:
            lab.setup()
            cap = lab.start_capture("access")
            lnsd = lab.start_lnsd("main", {"accept_unknown_peers": True})
            checks.guard("xl2tpd", run, checks, lab, pppd_bin, lnsd, cap)
            lnsd.stop()
            checks.check("lnsd_exit_clean", lnsd.rc == 0, f"exit status {lnsd.rc}\n{lnsd.logs()}")
            cap.stop()
            checks.guard("capture", check_capture, Case(checks, "capture"), cap.path, lab.lns_mac())
        except Exception as e:  # noqa: BLE001
            checks.fail("exception", f"{type(e).__name__}: {e}")
        finally:
            lab.teardown()
    print(f"(took {time.monotonic() - t0:.1f} s)")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
