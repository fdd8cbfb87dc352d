"""xl2tpd as the LAC carrying lns-pppd (the project's PPP client standing in for
/usr/sbin/pppd) toward lnsd, for the l2tp_lab.Lab labs.

xl2tpd runs in the lab's LAC namespace inside a private mount namespace
(`unshare -m`) where lns-pppd is bind-mounted over /usr/sbin/pppd, so only that
process tree sees it.  xl2tpd dials [lac lns] at once (autodial, no redial) and
starts "pppd" on the pty with `name USER` and `file OPTFILE`; the option file
gives lns-pppd the password.  lns-pppd reads its test settings from the
environment (LNS_PPPD_STATUS: JSON status lines, LNS_PPPD_LOG, LNS_PPPD_PING...,
see tools/ppp-client/lns_pppd_main.cpp).

The returned l2tp_lab.Xl2tpd is registered with the lab (stopped in
teardown, by PID).  `PppdStatus` reads the status lines.
"""
import json
import os
import subprocess
import time

import l2tp_lab


def start_xl2tpd_pppd(lab, name, pppd_bin, user, password, env, port=1701, hostname="lac1"):
    """xl2tpd (UDP `port` on the LAC address) dialling lnsd with lns-pppd as pppd."""
    run = l2tp_lab.Xl2tpd(None, name, lab.workdir, lab.ns_lac)
    conf = os.path.join(lab.workdir, f"{name}.xl2tpd.conf")
    opts = os.path.join(lab.workdir, f"{name}.options.pppd")
    with open(opts, "w") as f:
        f.write(f"noauth\nnodetach\nnoipdefault\ndebug\npassword {password}\n")
    with open(conf, "w") as f:
        f.write(f"[global]\nlisten-addr = {l2tp_lab.LAC_IP}\nport = {port}\naccess control = no\n"
                "debug tunnel = yes\ndebug state = yes\n"
                f"\n[lac lns]\nlns = {l2tp_lab.LNS_A}\nautodial = yes\nredial = no\nhostname = {hostname}\n"
                f"name = {user}\npppoptfile = {opts}\nlength bit = yes\n")
    for path in (run.ctrl, run.pidfile):
        if os.path.exists(path):
            os.unlink(path)
    inner = (f"mount --bind {pppd_bin} /usr/sbin/pppd && exec {l2tp_lab.XL2TPD} -D -c {conf} "
             f"-p {run.pidfile} -C {run.ctrl}")
    with open(run.log, "w") as log:
        run.proc = subprocess.Popen(["ip", "netns", "exec", lab.ns_lac, "unshare", "-m", "sh", "-c", inner],
                                    stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    lab.procs.append(run.proc)
    lab.active.append(run)
    return run


class PppdStatus:
    """lns-pppd's JSON status lines (LNS_PPPD_STATUS) and log (LNS_PPPD_LOG)."""

    def __init__(self, workdir, name):
        self.path = os.path.join(workdir, f"{name}.pppd.status")
        self.log = os.path.join(workdir, f"{name}.pppd.log")

    def env(self, **settings):
        """os.environ plus the status/log paths and LNS_PPPD_<KEY>=value settings."""
        e = dict(os.environ, LNS_PPPD_STATUS=self.path, LNS_PPPD_LOG=self.log)
        for k, v in settings.items():
            e[f"LNS_PPPD_{k.upper()}"] = str(v)
        return e

    def events(self):
        out = []
        try:
            with open(self.path) as f:
                for line in f:
                    if line.strip():
                        try:
                            out.append(json.loads(line))
                        except ValueError:
                            pass
        except OSError:
            pass
        return out

    def wait(self, kind, timeout):
        """The first event `kind` ("up", "traffic", "finished"), waiting (bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            ev = [e for e in self.events() if e.get("event") == kind]
            if ev or time.monotonic() >= deadline:
                return ev[0] if ev else None
            time.sleep(0.1)

    def log_tail(self, n=30):
        return f"--- lns-pppd log (tail) ---\n{l2tp_lab.tail(self.log, n)}"
