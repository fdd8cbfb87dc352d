#!/usr/bin/python3
"""Integration test: the management API's TLS and start-up refusals, on lnsd
with net_null ports (no namespaces needed).

  tls        api.tls with a self-signed certificate for 127.0.0.1: HTTPS
             requests verified against it succeed, lnsctl --cafile works, a
             plain-HTTP request to the port gets no API answer; a hot push of
             stats_interval_s: 1 over HTTPS makes lnsd print its counters every
             second (the change is live); SIGTERM: exit 0.
  refusals   lnsd does not start (exit 1, the reason on stderr) with the API
             enabled and the token file missing or empty; a non-loopback
             api.listen without TLS is a configuration error with its path and
             line (--check-config exit 1); `enabled: false` starts without a
             token and serves nothing.
Exit status 0 when every check passed.
"""
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))
sys.path.insert(0, os.path.join(HERE, "lib"))

import harness  # noqa: E402
import lnsd as lnsrun  # noqa: E402
from l2tp_lab import read_text, stop_process  # noqa: E402

TOKEN = "tls-test-token-0123456789abcdef"
LNSCTL = os.path.join(ROOT, "tools", "lnsctl", "lnsctl")


def base_config(prefix, api):
    cfg = {
        "eal": {"no_huge": True, "memory_mb": 256, "file_prefix": prefix, "no_pci": True},
        "control_lcore": 0,
        "mbufs": 4095,
        "worker_idle_sleep_us": 200,
        "ports": [
            {"name": "access0", "device": "net_null0", "role": "access", "ipv4": "203.0.113.1/24"},
            {"name": "core0", "device": "net_null1", "role": "core", "ipv4": "198.51.100.1/24",
             "gateway4": "198.51.100.2"},
        ],
        "workers": [{"lcore": 1, "rx": [{"port": "access0", "queue": 0}, {"port": "core0", "queue": 0}]}],
    }
    if api is not None:
        cfg["api"] = api
    return cfg


class Run:
    def __init__(self, binary, wd, name, cfg):
        self.path = lnsrun.write_config(wd, cfg, f"{name}.yaml")
        self.out = os.path.join(wd, f"{name}.stdout")
        self.err = os.path.join(wd, f"{name}.stderr")
        self.prefix = cfg["eal"]["file_prefix"]
        with open(self.out, "w") as o, open(self.err, "w") as e:
            self.proc = subprocess.Popen([binary, "-c", self.path, "--quiet", "--duration", "60"], stdout=o,
                                         stderr=e, start_new_session=True)

    def wait_stdout(self, text, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if text in read_text(self.out):
                return True
            time.sleep(0.05)
        return text in read_text(self.out)

    def wait_exit(self, timeout=20):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return stop_process(self.proc, signal.SIGKILL, 5)

    def stop(self):
        rc = stop_process(self.proc, signal.SIGTERM, 15)
        for base in ("/var/run/dpdk", "/run/dpdk"):
            subprocess.run(["rm", "-rf", os.path.join(base, self.prefix)], check=False)
        return rc


def https(port, path, ctx, method="GET", body=None):
    req = urllib.request.Request(f"https://127.0.0.1:{port}{path}", data=body, method=method,
                                 headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(req, timeout=10, context=ctx) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def run_tls(checks, binary, wd, port):
    key, cert = os.path.join(wd, "api.key"), os.path.join(wd, "api.crt")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=lnsd-test",
                        "-addext", "subjectAltName=IP:127.0.0.1"], capture_output=True, text=True, timeout=30)
    if not checks.check("tls.certificate", r.returncode == 0, r.stderr):
        return
    with open(os.path.join(wd, "api.token"), "w") as f:
        f.write(TOKEN + "\n")
    api = {"listen": f"127.0.0.1:{port}", "token_file": "api.token", "tls": {"cert": "api.crt", "key": "api.key"}}
    cfg = base_config(f"lnsmt-{os.getpid()}-1", api)
    run = Run(binary, wd, "tls", cfg)
    try:
        checks.check("tls.started", run.wait_stdout(f"management API on https://127.0.0.1:{port}"),
                     read_text(run.err)[-500:])
        ctx = ssl.create_default_context(cafile=cert)
        st, j = https(port, "/api/v1/config/version", ctx)
        checks.check("tls.verified_request", st == 200 and j["version"] == 1, f"{st} {j}")
        st, j = https(port, "/healthz", ctx)
        checks.eq("tls.healthz", st, 200)
        # plain HTTP to the TLS port: no API answer
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
                plain = resp.status
        except (urllib.error.URLError, ConnectionError, OSError, ValueError) as e:
            plain = type(e).__name__
        except Exception as e:  # noqa: BLE001 - http.client.BadStatusLine and friends
            plain = type(e).__name__
        checks.check("tls.plain_http_refused", plain != 200, f"plain HTTP got {plain}")
        r = subprocess.run(["/usr/bin/python3", LNSCTL, "--url", f"https://127.0.0.1:{port}", "--cafile", cert,
                            "--token-file", os.path.join(wd, "api.token"), "show", "tunnels"],
                           capture_output=True, text=True, timeout=20)
        checks.check("tls.lnsctl", r.returncode == 0 and "0 tunnel(s)" in r.stdout, f"{r.returncode} {r.stdout} {r.stderr}")
        # a live change: stats_interval_s 1 -> counters printed every second
        cfg["stats_interval_s"] = 1
        before = read_text(run.out).count("lnsd counters")
        st, j = https(port, "/api/v1/config", ctx, "PUT", yaml.safe_dump(cfg).encode())
        checks.check("tls.push_stats_interval", st == 200 and j["applied"] == ["stats_interval_s"], f"{st} {j}")
        time.sleep(2.5)
        after = read_text(run.out).count("lnsd counters")
        checks.check("tls.stats_interval_live", after - before >= 2, f"{before} -> {after} counter blocks")
    finally:
        rc = run.stop()
    checks.eq("tls.exit_0", rc, 0)


def run_refusals(checks, binary, wd, port):
    cases = [
        ("missing_token", {"listen": f"127.0.0.1:{port}", "token_file": "no-such.token"}, "api.token_file"),
        ("empty_token", {"listen": f"127.0.0.1:{port}", "token_file": "empty.token"}, "holds no token"),
    ]
    open(os.path.join(wd, "empty.token"), "w").close()
    for n, (name, api, want) in enumerate(cases):
        run = Run(binary, wd, name, base_config(f"lnsmt-{os.getpid()}-r{n}", api))
        rc = run.wait_exit(30)
        run.stop()
        checks.check(f"refusals.{name}", rc == 1 and want in read_text(run.err), f"rc {rc}: {read_text(run.err)[-300:]}")
    path = lnsrun.write_config(wd, base_config("lnsmt-x", {"listen": "192.0.2.1:8080", "token_file": "t"}),
                               "remote.yaml")
    r = subprocess.run([binary, "--check-config", path], capture_output=True, text=True, timeout=20)
    checks.check("refusals.remote_plaintext", r.returncode == 1 and
                 f"{path}:" in r.stderr and "api.listen: '192.0.2.1:8080' is not a loopback address" in r.stderr,
                 r.stderr)
    run = Run(binary, wd, "disabled", base_config(f"lnsmt-{os.getpid()}-d", {"enabled": False}))
    ok = run.wait_stdout("running")
    checks.check("refusals.disabled_runs", ok and "management API" not in read_text(run.out),
                 read_text(run.out)[-300:] + read_text(run.err)[-300:])
    checks.eq("refusals.disabled_exit_0", run.stop(), 0)


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("mgmt_tls")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    port = 40000 + os.getpid() % 20000
    with lnsrun.WorkDir("mgmttls", args.keep) as wd:
        checks.guard("tls", run_tls, checks, binary, wd.path, port)
        checks.guard("refusals", run_refusals, checks, binary, wd.path, port + 1)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
