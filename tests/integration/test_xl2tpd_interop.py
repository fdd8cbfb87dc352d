#!/usr/bin/python3
"""Integration test: xl2tpd (Debian 1.3.18) as the LAC against lnsd on net_af_packet.

  netns lnsxi-lac-PID                        root netns                    netns lnsxi-core-PID
  203.0.113.2/24 [lnsxiAPIDp]==veth==[lnsxiAPID] lnsd [lnsxiCPID]==veth==[lnsxiCPIDp] 198.51.100.2/24
  xl2tpd -D, [lac lns] lns = 203.0.113.1      net_af_packet0  net_af_packet1

xl2tpd dials at start (autodial, no redial) and completes SCCRQ/SCCRP/SCCCN and
ICRQ/ICRP/ICCN by itself; its pppd then fails at once (no /dev/ppp here) and
xl2tpd sends a CDN.  The tunnel stays up until we make xl2tpd send a StopCCN:
xl2tpd 1.3.18 does that on the control-file command "d lns" (lac_disconnect():
StopCCN "Goodbye!", retransmitted until acknowledged).  SIGINT also sends one
StopCCN but exits at once (no retransmission, the ack meets a closed port) and
SIGTERM sends none (death_handler() skips the StopCCN for SIGTERM without kernel
L2TP support), so the test uses the control file.

lnsd's state is read while it runs with SIGUSR1 (it prints its counters, the
tunnel table and the installed-session count to stdout) and at exit from
--stats-json.  Cases, each with its own lnsd and xl2tpd:

  noauth   no `l2tp:` section in lnsd (any LAC, no tunnel authentication),
           xl2tpd without a secret.  Tunnel and session established; after the
           CDN the session is removed from the data plane (sessions_installed ==
           sessions_removed, l2tp sessions_closed) while the tunnel stays
           established; after "d lns" lnsd has counted the StopCCN, the tunnel is
           closing (or gone) and counted in tunnels_closed; lnsd exits cleanly
           with nothing left to stop.
  auth     lnsd: peer "lac1" (sources 203.0.113.2, host_name lac1) with a secret
           and require_authentication, no unknown peers; xl2tpd: the same secret
           in its `auth file` and `challenge = yes`, so both sides challenge.
           Same checks as noauth, plus: both challenges were seen by xl2tpd's
           AVP debug log, auth_failures 0, the tunnel's policy is lac1.
  wrong_secret_lns_detects
           lnsd as in auth, xl2tpd with another secret and `challenge = no`:
           xl2tpd answers lnsd's challenge in its SCCCN with a wrong response;
           lnsd counts auth_failures, sends StopCCN result 4 (xl2tpd logs
           "peer closing for reason 4"), installs no session.
  wrong_secret_lac_detects
           lnsd as in auth, xl2tpd with another secret and `challenge = yes`:
           xl2tpd finds lnsd's Challenge Response wrong (it logs "Invalid
           authentication for host 'lnsd'") and sends a StopCCN; lnsd counts it,
           establishes no tunnel and installs no session.

On a failed check the tails of xl2tpd's log and lnsd's output are printed.
"""
import os
import re
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))
sys.path.insert(0, os.path.join(HERE, "lib"))

import harness  # noqa: E402
import l2tp_lab  # noqa: E402
import lnsd as lnsrun  # noqa: E402
from l2tp_lab import LAC_IP, Case  # noqa: E402

SECRET = "interop-s3cret"
WRONG = "not-the-secret"
AUTH_L2TP = {
    "accept_unknown_peers": False,
    "peers": [{"name": "lac1", "sources": [LAC_IP], "host_name": "lac1", "secret": SECRET,
               "require_authentication": True}],
}

RX_ESTABLISHED = r"Connection established to \S+, 1701\.\s+Local: (\d+), Remote: (\d+)"
RX_CALL = r"Call established with \S+, Local: (\d+), Remote: (\d+)"
RX_CDN_SENT = r"call_close: Call \d+ to \S+ disconnected"
RX_GOODBYE = r"Connection (\d+) closed to \S+, port 1701 \(Goodbye!\)"


def final_stats_ok(case, lnsd, took):
    case.check("lnsd_exit_clean", lnsd.rc == 0, f"exit status {lnsd.rc}")
    case.check("stats_json", lnsd.stats is not None, f"{lnsd.stats_error}")
    case.check("lnsd_exit_fast", took < 5.0, f"stopping lnsd took {took:.1f} s")
    return lnsd.stats is not None


def run_established(checks, lab, name, l2tp, xl_args, auth):
    """A LAC that gets a tunnel and a session: CDN from xl2tpd, then StopCCN."""
    lnsd = lab.start_lnsd(name, l2tp)
    xl = lab.start_xl2tpd(name, **xl_args)
    case = Case(checks, name, lnsd, xl)
    # 1. control connection and call established (xl2tpd's view)
    est = xl.wait_log(RX_ESTABLISHED, 10)
    if not case.check("xl2tpd_tunnel_established", est, "xl2tpd did not log 'Connection established'"):
        return
    xl_local_tid, xl_remote_tid = int(est.group(1)), int(est.group(2))
    call = xl.wait_log(RX_CALL, 10)
    if not case.check("xl2tpd_call_established", call, "xl2tpd did not log 'Call established' (ICRP/ICCN)"):
        return
    xl_local_sid, xl_remote_sid = int(call.group(1)), int(call.group(2))
    if auth:
        text = xl.text()
        case.check("xl2tpd_got_challenge_response", "chalresp_avp: Challenge reply found" in text,
                   "xl2tpd saw no Challenge Response AVP in lnsd's SCCRP")
        case.check("xl2tpd_got_challenge", "challenge_avp: challenge avp found" in text,
                   "xl2tpd saw no Challenge AVP in lnsd's SCCRP")
    # 2. pppd fails, xl2tpd sends CDN: lnsd removes the session, keeps the tunnel
    cdn = xl.wait_log(RX_CDN_SENT, 10)
    case.check("xl2tpd_sent_cdn", cdn, "xl2tpd did not close the call (pppd should fail without /dev/ppp)")
    snap = lnsd.wait_snapshot(lambda s: s["l2tp"].get("cdn_received", 0) >= 1, 5)
    if not case.check("snapshot_after_cdn", snap is not None, "lnsd printed no counters on SIGUSR1"):
        return
    case.counters("after_cdn_l2tp_counters", snap["l2tp"], {
        "tunnels_established": 1, "sessions_established": 1, "cdn_received": 1, "sessions_closed": 1,
        "tunnels_active": 1, "auth_failures": 0, "in_SCCRQ": 1, "out_SCCRP": 1, "in_SCCCN": 1, "in_ICRQ": 1,
        "out_ICRP": 1, "in_ICCN": 1, "in_CDN": 1, "sessions_active": 0, "stopccn_received": 0})
    ctl = snap["control"]
    case.check("after_cdn_session_installed_and_removed",
               ctl.get("sessions_installed", 0) == 1 and ctl.get("sessions_removed", 0) == 1
               and ctl.get("l2tp_sessions_removed", 0) == 1,
               f"control: sessions_installed={ctl.get('sessions_installed', 0)} "
               f"sessions_removed={ctl.get('sessions_removed', 0)} "
               f"l2tp_sessions_removed={ctl.get('l2tp_sessions_removed', 0)} (want 1, 1, 1)")
    case.eq("after_cdn_no_session_in_table", snap["sessions"], 0)
    rows = snap["tunnels"]
    row = rows[0] if len(rows) == 1 else None
    case.check("after_cdn_tunnel_established",
               row and row["state"] == "established" and row["sessions"] == 0,
               f"tunnel rows {rows}, want one established with 0 sessions")
    if row:
        case.eq("tunnel_ids_match_xl2tpd", (row["id"], row["peer_id"]), (xl_remote_tid, xl_local_tid))
        case.eq("tunnel_peer_host", (row["lac"], row["host"]), (f"{LAC_IP}:1701", "lac1"))
    # 3. xl2tpd sends StopCCN ("d lns" on its control file)
    xl.command("d lns")
    bye = xl.wait_log(RX_GOODBYE, 10)
    case.check("xl2tpd_sent_stopccn", bye, "xl2tpd did not log 'Connection N closed ... (Goodbye!)' after 'd lns'")
    snap = lnsd.wait_snapshot(lambda s: s["l2tp"].get("stopccn_received", 0) >= 1, 5)
    if snap is not None:
        case.counters("after_stopccn_l2tp_counters", snap["l2tp"], {
            "stopccn_received": 1, "in_StopCCN": 1, "tunnels_closed": 1, "tunnels_active": 0,
            "sessions_active": 0, "stopccn_sent": 0})
        rows = snap["tunnels"]
        case.check("after_stopccn_tunnel_closing_or_gone", all(r["state"] == "closing" for r in rows),
                   f"tunnel rows {rows}: want none or state closing")
    else:
        case.check("snapshot_after_stopccn", False, "lnsd printed no counters on SIGUSR1")
    # xl2tpd got the ack of its StopCCN: no retransmission in its log within a moment
    time.sleep(0.5)
    # 4. lnsd exits: no tunnel left to stop, the final counters agree
    t0 = time.monotonic()
    lnsd.stop()
    took = time.monotonic() - t0
    xl.stop()
    if not final_stats_ok(case, lnsd, took):
        return
    l2 = lnsd.l2tp()
    case.counters("final_l2tp_counters", l2, {
        "tunnels_established": 1, "tunnels_closed": 1, "sessions_established": 1, "sessions_closed": 1,
        "cdn_received": 1, "stopccn_received": 1, "stopccn_sent": 0, "auth_failures": 0, "tunnels_rejected": 0,
        "sessions_rejected": 0, "decode_errors": 0, "header_errors": 0, "unexpected_messages": 0,
        "tunnels_active": 0, "sessions_active": 0, "out_CDN": 0})
    ctl = lnsd.control()
    case.check("final_sessions_installed_eq_removed",
               ctl.get("sessions_installed") == ctl.get("sessions_removed") == 1,
               f"sessions_installed={ctl.get('sessions_installed')} sessions_removed={ctl.get('sessions_removed')}")
    case.counters("final_control_l2tp_errors", ctl, {"l2tp_bad_frame": 0, "l2tp_tx_no_mac": 0,
                                                     "l2tp_session_install_failed": 0,
                                                     "unhandled_l2tp_control": 0})
    rows = lnsd.tunnels()
    case.check("final_tunnel_rows", all(r.get("state") == "closing" for r in rows) and
               all(r.get("retransmits", 0) == 0 for r in rows),
               f"tunnel rows {rows}: want none or closing, no retransmissions")
    want_policy = "lac1" if auth else "default"
    case.check("final_tunnel_policy", all(r.get("policy") == want_policy for r in rows),
               f"tunnel rows {rows}: want policy {want_policy}")
    case.eq("final_sessions_in_table", lnsd.stats.get("sessions"), 0)
    case.check("xl2tpd_no_errors", not re.search(r"(?i)invalid|not authorized|bad packet", xl.text()),
               "xl2tpd logged an error: " + "; ".join(ln for ln in xl.text().splitlines()
                                                     if re.search(r"(?i)invalid|not authorized|bad packet", ln)))
    case.eq("xl2tpd_session_ids", (xl_local_sid > 0, xl_remote_sid > 0), (True, True))


def run_wrong_secret_lns_detects(checks, lab, name):
    lnsd = lab.start_lnsd(name, AUTH_L2TP)
    xl = lab.start_xl2tpd(name, challenge=False, secret=WRONG)
    case = Case(checks, name, lnsd, xl)
    m = xl.wait_log(r"result_code_avp: peer closing for reason (\d+)", 10)
    case.check("xl2tpd_got_stopccn_not_authorized", m and m.group(1) == "4",
               f"xl2tpd log: {m.group(0) if m else 'no StopCCN result logged'} (want reason 4)")
    case.check("xl2tpd_closed_connection", xl.wait_log(r"Connection closed to \S+, port 1701", 5),
               "xl2tpd did not log 'Connection closed'")
    time.sleep(0.3)
    t0 = time.monotonic()
    lnsd.stop()
    took = time.monotonic() - t0
    xl.stop()
    if not final_stats_ok(case, lnsd, took):
        return
    l2 = lnsd.l2tp()
    case.check("auth_failures_counted", l2.get("auth_failures", 0) >= 1, f"auth_failures={l2.get('auth_failures')}")
    case.counters("no_tunnel_no_session", l2, {"tunnels_established": 0, "sessions_established": 0,
                                               "out_ICRP": 0, "stopccn_sent": 1, "in_SCCCN": 1,
                                               "tunnels_active": 0, "sessions_active": 0})
    case.eq("no_session_installed", lnsd.control().get("sessions_installed", 0), 0)
    case.eq("final_sessions_in_table", lnsd.stats.get("sessions"), 0)


def run_wrong_secret_lac_detects(checks, lab, name):
    lnsd = lab.start_lnsd(name, AUTH_L2TP)
    xl = lab.start_xl2tpd(name, challenge=True, secret=WRONG)
    case = Case(checks, name, lnsd, xl)
    case.check("xl2tpd_logged_invalid_authentication",
               xl.wait_log(r"Invalid authentication for host 'lnsd'", 10),
               "xl2tpd did not log 'Invalid authentication for host 'lnsd''")
    closed = xl.wait_log(r"Connection \d+ closed to \S+, port 1701 \(Invalid challenge authentication\)", 5)
    case.check("xl2tpd_sent_stopccn", closed, "xl2tpd did not close the connection (StopCCN)")
    snap = lnsd.wait_snapshot(lambda s: s["l2tp"].get("stopccn_received", 0) >= 1, 5)
    case.check("lnsd_got_stopccn", snap and snap["l2tp"].get("stopccn_received", 0) == 1,
               f"l2tp counters {snap['l2tp'] if snap else None}")
    t0 = time.monotonic()
    lnsd.stop()
    took = time.monotonic() - t0
    xl.stop()
    if not final_stats_ok(case, lnsd, took):
        return
    case.counters("no_tunnel_no_session", lnsd.l2tp(), {
        "tunnels_established": 0, "sessions_established": 0, "in_SCCCN": 0, "out_ICRP": 0,
        "stopccn_received": 1, "tunnels_active": 0, "sessions_active": 0})
    case.eq("no_session_installed", lnsd.control().get("sessions_installed", 0), 0)


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("xl2tpd")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    for tool in ("ip", l2tp_lab.XL2TPD):
        if not shutil.which(tool):
            checks.fail("tools", f"{tool} missing (tools/install_deps.sh installs xl2tpd)")
            return checks.finish()
    l2tp_lab.exit_on_sigterm()  # ctest's timeout: still remove namespaces and processes
    t0 = time.monotonic()
    with lnsrun.WorkDir("xl2tpd", args.keep) as wd:
        lab = l2tp_lab.Lab("xi", wd.path, binary)
        try:
            lab.setup()
            cases = [
                ("noauth", lambda n: run_established(checks, lab, n, None, {}, False)),
                ("auth", lambda n: run_established(checks, lab, n, AUTH_L2TP,
                                                   {"challenge": True, "secret": SECRET}, True)),
                ("wrong_secret_lns_detects", lambda n: run_wrong_secret_lns_detects(checks, lab, n)),
                ("wrong_secret_lac_detects", lambda n: run_wrong_secret_lac_detects(checks, lab, n)),
            ]
            for name, fn in cases:
                checks.guard(name, fn, name)
                lab.stop_all()
        except Exception as e:  # noqa: BLE001
            checks.fail("exception", f"{type(e).__name__}: {e}")
        finally:
            lab.teardown()
    print(f"(took {time.monotonic() - t0:.1f} s)")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
