#!/usr/bin/python3
"""Integration test: full subscriber sessions against lnsd.  lns-lac-emu (the
LAC and the subscribers' PPP clients, kernel UDP link) in a namespace, lnsd on
net_af_packet with local users and an address pool, a host on the core side
that answers ICMP echo to the subscribers:

  netns LAC: lns-lac-emu --ppp        lnsd               netns core: 198.51.100.2
  203.0.113.2  ==veth==  access0 203.0.113.1 | core0 198.51.100.1 ==veth== (route 100.64/16 via lnsd)

Cases (one lnsd):
  chap      2 tunnels x 25 sessions, CHAP-MD5, IPCP and IPv6CP (a /64 from the
            IPv6 pool, Router Advertisements), ICMP echo traffic from every
            subscriber to the core host and back; lnsd's subscribers, pools and
            data-plane tables while held; everything released after the CDNs.
  mschapv2  5 sessions with MS-CHAPv2 (the client checks lnsd's authenticator
            response), 5 with PAP.
  reject    5 sessions with a wrong password: rejected, no address, CDN.
  timeout   a user with session_timeout_s 2: lnsd ends the session (LCP
            Terminate, CDN) and gives the address back.
Cases (a second lnsd, with static ESP SAs for the LAC):
  esp       L2TP/IPsec (RFC 3193): the emulator speaks ESP transport mode over
            UDP 4500 (--esp-*); 1 tunnel x 5 sessions come up under ESP (the
            control replies encrypted with the reply_sa, the calls bound to it),
            ICMP echo traffic both ways; lnsd's per-SA counters show the
            packets, no ESP drops, no cleartext accepted.
Exit status 0 when every check passed.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import l2tp_lab  # noqa: E402
from l2tp_lab import CORE_HOST, LAC_IP, LNS_A, Case, sh  # noqa: E402
import lnsd as lnsrun  # noqa: E402
import test_lac_emulator as le  # noqa: E402

POOL = "100.64.0.0/16"
N_USERS = 60


class PppLab(le.EmuLab):
    """The emulator lab with PPP and AAA in lnsd's configuration and a route back
    to the subscribers on the core host."""

    ipsec = None  # an `ipsec:` section for the next lnsd started

    def lnsd_config(self, prefix, l2tp=None):
        cfg = super().lnsd_config(prefix, l2tp)
        if self.ipsec:
            cfg["ipsec"] = self.ipsec
        cfg["ppp"] = {"auth": ["chap", "mschapv2", "pap"], "echo_interval_s": 10, "ipv6": True,
                      "dns_primary": "198.51.100.53"}
        cfg["aaa"] = {"backend": "local", "users_file": "users.yaml",
                      "ipv4_pools": [{"name": "subs", "prefix": POOL}],
                      "ipv6_pools": [{"name": "v6", "prefix": "2001:db8:100::/48"}]}
        return cfg

    def setup(self):
        super().setup()
        sh(["ip", "route", "add", POOL, "via", "198.51.100.1"], ns=self.ns_core)
        users = [f"  - {{name: user{n}, password: pw}}" for n in range(N_USERS)]
        users.append("  - {name: brief, password: pw, session_timeout_s: 2}")
        with open(os.path.join(self.workdir, "users.yaml"), "w") as f:
            f.write("users:\n" + "\n".join(users) + "\n")


def subs(snap):
    """The subscribers block (counters that are 0 are not printed: read with .get(k, 0))."""
    return snap.get("subscribers", {}) if snap else {}


def ended_at_least(n):
    return lambda s: subs(s).get("ended", 0) >= n and subs(s).get("subscribers", 0) == 0


def run_chap(checks, lab, emu_bin, lnsd):
    case = Case(checks, "chap", lnsd)
    hold = 4
    emu = le.Emu(lab, emu_bin, "chap", ["--local", LAC_IP, "-t", 2, "-s", 25, "--ppp", "--auth", "chap",
                                        "--user-pattern", "user{n}", "--password", "pw", "--hold", hold,
                                        "--ipv6", "--teardown", "cdn", "--traffic", 500, "--traffic-dest", CORE_HOST,
                                        "--traffic-proto", "icmp", "--timeout", 60])
    case.xl = emu
    snap = lnsd.wait_snapshot(lambda s: subs(s).get("sessions_up", 0) >= 50 or not emu.running(), 20)
    if case.check("held_snapshot", snap is not None and emu.running(), "no snapshot while the emulator held"):
        sb = subs(snap)
        case.counters("held_subscribers", sb, {"subscribers": 50, "calls": 50, "sessions_up": 50,
                                               "ipv6_up": 50, "pool_v6_used": 50,
                                               "auth_accepts": 50, "auth_rejects": 0, "address_failures": 0,
                                               "install_failures": 0, "pool_subs_used": 50})
        case.check("held_router_advertisements", sb.get("ra_sent", 0) >= 50, f"ra_sent {sb.get('ra_sent', 0)}")
        case.eq("held_dataplane_sessions", snap["sessions"], 50)
    rc = emu.wait(hold + 40)
    case.eq("emulator_exit_0", rc, 0)
    r = emu.report or {}
    p = r.get("ppp", {})
    case.eq("emulator_ppp", le.subset(p, ("started", "lcp_up", "authenticated", "ipcp_up", "ipv6cp_up", "up",
                                          "failed", "dropped")),
            {"started": 50, "lcp_up": 50, "authenticated": 50, "ipcp_up": 50, "ipv6cp_up": 50, "up": 50,
             "failed": 0, "dropped": 0})
    t = p.get("traffic", {})
    case.check("traffic_round_trip", t.get("sent", 0) > 500 and t.get("received", 0) >= 0.95 * t.get("sent", 0),
               f"ICMP echo through lnsd and back: sent {t.get('sent')}, received {t.get('received')}, "
               f"lost {t.get('lost')}")
    snap = lnsd.wait_snapshot(ended_at_least(50), 10)
    if case.check("after_snapshot", snap is not None, "lnsd printed no counters"):
        sb = subs(snap)
        case.counters("after_cdn", sb, {"subscribers": 0, "lac_cleared": 50, "ended": 50, "pool_subs_used": 0,
                                        "pool_v6_used": 0})
        case.eq("after_dataplane_sessions", snap["sessions"], 0)
        up = snap["up_packets"] if "up_packets" in snap else None
        print(f"  chap: lnsd upstream packets {up}, emulator traffic {le.subset(t, ('sent', 'received', 'lost'))}, "
              f"full setup {p.get('full_setup_rate_per_s')}/s")


def run_methods(checks, lab, emu_bin, lnsd):
    for auth in ("mschapv2", "pap"):
        case = Case(checks, auth, lnsd)
        before = subs(lnsd.snapshot())
        emu = le.Emu(lab, emu_bin, auth, ["--local", LAC_IP, "-t", 1, "-s", 5, "--ppp", "--auth", auth,
                                          "--user-pattern", "user{n}", "--password", "pw", "--hold", 1,
                                          "--teardown", "cdn", "--timeout", 30])
        case.xl = emu
        case.eq("emulator_exit_0", emu.wait(40), 0)
        p = (emu.report or {}).get("ppp", {})
        case.eq("emulator_ppp", le.subset(p, ("authenticated", "ipcp_up", "up", "failed")),
                {"authenticated": 5, "ipcp_up": 5, "up": 5, "failed": 0})
        after = subs(lnsd.wait_snapshot(ended_at_least(before.get("ended", 0) + 5), 10))
        case.eq("lnsd_accepts", after.get("auth_accepts", 0) - before.get("auth_accepts", 0), 5)


def run_reject(checks, lab, emu_bin, lnsd):
    case = Case(checks, "reject", lnsd)
    before = subs(lnsd.snapshot())
    emu = le.Emu(lab, emu_bin, "reject", ["--local", LAC_IP, "-t", 1, "-s", 5, "--ppp", "--auth", "chap",
                                          "--user-pattern", "user{n}", "--password", "wrong", "--hold", 1,
                                          "--teardown", "cdn", "--timeout", 30])
    case.xl = emu
    emu.wait(40)
    p = (emu.report or {}).get("ppp", {})
    case.eq("emulator_auth_rejected", (p.get("up"), p.get("failures", {}).get("auth_rejected")), (0, 5))
    after = subs(lnsd.wait_snapshot(ended_at_least(before.get("ended", 0) + 5), 15))
    case.eq("lnsd_rejects", after.get("auth_rejects", 0) - before.get("auth_rejects", 0), 5)
    case.eq("no_address_given", after.get("pool_subs_used", 0), 0)


def run_timeout(checks, lab, emu_bin, lnsd):
    case = Case(checks, "timeout", lnsd)
    before = subs(lnsd.snapshot())
    emu = le.Emu(lab, emu_bin, "timeout", ["--local", LAC_IP, "-t", 1, "-s", 1, "--ppp", "--auth", "chap",
                                           "--user-pattern", "brief", "--password", "pw", "--hold", 6,
                                           "--teardown", "cdn", "--timeout", 30])
    case.xl = emu
    emu.wait(40)
    p = (emu.report or {}).get("ppp", {})
    case.eq("emulator_up_then_dropped", (p.get("up"), p.get("dropped")), (1, 1))
    after = subs(lnsd.wait_snapshot(ended_at_least(before.get("ended", 0) + 1), 10))
    case.eq("lnsd_session_timeouts", after.get("session_timeouts", 0) - before.get("session_timeouts", 0), 1)
    case.eq("address_back", after.get("pool_subs_used", 0), 0)


ESP_LAC_KEY = "0f" * 16 + "a1a2a3a4"   # what the LAC sends with (GCM-128 key + salt)
ESP_LNS_KEY = "f0" * 16 + "b1b2b3b4"   # what lnsd sends with


def run_esp(checks, lab, emu_bin):
    natt = {"local_port": 4500, "peer_port": 4500}
    common = {"mode": "transport", "local": LNS_A, "peer": LAC_IP, "cipher": "aes-gcm-128", "natt": natt}
    lab.ipsec = {"sas": [dict(common, name="lac-out", direction="outbound", spi=0x2001, key=ESP_LNS_KEY),
                         dict(common, name="lac-in", direction="inbound", spi=0x1001, key=ESP_LAC_KEY,
                              reply_sa="lac-out")]}
    lnsd = lab.start_lnsd("esp", {"accept_unknown_peers": True})
    lab.ipsec = None
    case = Case(checks, "esp", lnsd)
    emu = le.Emu(lab, emu_bin, "esp", ["--local", LAC_IP, "-t", 1, "-s", 5, "--ppp", "--auth", "chap",
                                       "--user-pattern", "user{n}", "--password", "pw", "--hold", 3,
                                       "--teardown", "cdn", "--traffic", 200, "--traffic-dest", CORE_HOST,
                                       "--traffic-proto", "icmp", "--timeout", 40,
                                       "--esp-spi", "0x1001:0x2001", "--esp-key-out", ESP_LAC_KEY,
                                       "--esp-key-in", ESP_LNS_KEY])
    case.xl = emu
    case.eq("emulator_exit_0", emu.wait(60), 0)
    p = (emu.report or {}).get("ppp", {})
    case.eq("emulator_ppp", le.subset(p, ("authenticated", "ipcp_up", "up", "failed")),
            {"authenticated": 5, "ipcp_up": 5, "up": 5, "failed": 0})
    t = p.get("traffic", {})
    case.check("traffic_round_trip", t.get("sent", 0) > 200 and t.get("received", 0) >= 0.95 * t.get("sent", 0),
               f"ICMP echo under ESP through lnsd and back: sent {t.get('sent')}, received {t.get('received')}")
    lnsd.stop()
    case.check("lnsd_exit_clean", lnsd.rc == 0 and lnsd.stats is not None, f"rc {lnsd.rc} {lnsd.stats_error}")
    st = lnsd.stats or {}
    sas = {r["name"]: r for r in st.get("sas", [])}
    n_in, n_out = sas.get("lac-in", {}).get("packets", 0), sas.get("lac-out", {}).get("packets", 0)
    case.check("sa_packets", n_in >= t.get("sent", 0) and n_out >= t.get("received", 0),
               f"lac-in {n_in}, lac-out {n_out} packets; traffic sent {t.get('sent')}, received {t.get('received')}")
    esp_drops = {k: v for k, v in st.get("drops", {}).items() if v and (k.startswith("esp_") or k.startswith("sa_"))}
    case.eq("no_esp_drops", esp_drops, {})
    ctl = st.get("control", {})
    case.check("control_replies_encrypted", ctl.get("l2tp_esp_replies", 0) > 0 and ctl.get("l2tp_esp_no_reply_sa", 0) == 0,
               f"control: {le.subset(ctl, ('l2tp_esp_replies', 'l2tp_esp_no_reply_sa', 'sessions_protected'))}")
    case.eq("sessions_protected", ctl.get("sessions_protected"), 5)


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("ppp_sessions")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    emu_bin = harness.emulator_binary(args.build_dir, checks)
    l2tp_lab.exit_on_sigterm()
    t0 = time.monotonic()
    with lnsrun.WorkDir("pppsess", args.keep) as wd:
        lab = PppLab("ps", wd.path, binary)
        try:
            lab.setup()
            lnsd = lab.start_lnsd("main", {"accept_unknown_peers": True})
            for name, fn in (("chap", run_chap), ("methods", run_methods), ("reject", run_reject),
                             ("timeout", run_timeout)):
                checks.guard(name, fn, checks, lab, emu_bin, lnsd)
            lnsd.stop()
            checks.check("lnsd_exit_clean", lnsd.rc == 0, f"exit status {lnsd.rc}\n{lnsd.logs()}")
            checks.guard("esp", run_esp, checks, lab, emu_bin)
        except Exception as e:  # noqa: BLE001
            checks.fail("exception", f"{type(e).__name__}: {e}")
        finally:
            lab.teardown()
    print(f"(took {time.monotonic() - t0:.1f} s)")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
