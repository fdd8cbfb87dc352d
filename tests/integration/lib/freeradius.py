"""A private freeradius (Debian's 3.2) for system tests.

FreeRadius(tmpdir, secret, users) copies /etc/freeradius/3.0 into tmpdir/raddb
and changes, in the copy only:
  - clients.conf: one client, 127.0.0.1, with `secret`;
  - mods-config/files/authorize: `users` (the users file text);
  - sites-enabled/default: its listen sections replaced by auth and acct on
    127.0.0.1 at free ports; the inner-tunnel listener moved to a free port;
  - radiusd.conf: logdir, radacctdir and run_dir inside tmpdir, no user/group
    switch (the server runs as the test's user).
The stock `detail` module then records every Accounting-Request under
tmpdir/radacct/127.0.0.1/detail-YYYYMMDD, which detail_records() parses.

start() runs `freeradius -X -d DIR` (foreground, debug log to a file) and waits,
bounded, until it answers a Status-Server on the auth port (radclient).
stop() ends it (SIGTERM, then SIGKILL) by its PID.
"""
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import time

SRC = "/etc/freeradius/3.0"


def free_udp_port():
    """A UDP port free on 127.0.0.1 now (the kernel picks it)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def drop_listen_sections(text):
    """`text` without its top-level `listen { ... }` sections (nested braces kept
    balanced)."""
    out, i = [], 0
    for m in re.finditer(r"(?m)^listen\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 0, m.end() - 1
        while j < len(text):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        i = j + 1
    out.append(text[i:])
    return "".join(out)


def write_real(path, text):
    """Replaces `path` (often a symlink into sites-available) by a file."""
    if os.path.islink(path) or os.path.exists(path):
        os.unlink(path)
    with open(path, "w") as f:
        f.write(text)


class FreeRadius:
    def __init__(self, tmpdir, secret, users):
        self.tmpdir = tmpdir
        self.secret = secret
        self.dir = os.path.join(tmpdir, "raddb")
        self.logdir = os.path.join(tmpdir, "log")
        self.acctdir = os.path.join(tmpdir, "radacct")
        self.rundir = os.path.join(tmpdir, "run")
        self.log = os.path.join(tmpdir, "freeradius.log")
        self.auth_port = free_udp_port()
        self.acct_port = free_udp_port()
        self.inner_port = free_udp_port()
        self.proc = None
        self._configure(users)

    def _configure(self, users):
        if not os.path.isdir(SRC):
            raise RuntimeError(f"{SRC} missing: install freeradius (tools/install_deps.sh)")
        shutil.copytree(SRC, self.dir, symlinks=True)
        for d in (self.logdir, self.acctdir, self.rundir):
            os.makedirs(d, exist_ok=True)
        write_real(os.path.join(self.dir, "clients.conf"),
                   f"client probe {{\n\tipaddr = 127.0.0.1\n\tsecret = {self.secret}\n"
                   f"\tshortname = probe\n}}\n")
        write_real(os.path.join(self.dir, "mods-config", "files", "authorize"), users)
        self._sites()
        self._radiusd_conf()

    def _sites(self):
        site = os.path.join(self.dir, "sites-enabled", "default")
        with open(os.path.realpath(site)) as f:
            text = drop_listen_sections(f.read())
        listen = (f"listen {{\n\ttype = auth\n\tipaddr = 127.0.0.1\n\tport = {self.auth_port}\n}}\n"
                  f"listen {{\n\ttype = acct\n\tipaddr = 127.0.0.1\n\tport = {self.acct_port}\n}}\n")
        text = text.replace("server default {", "server default {\n" + listen, 1)
        write_real(site, text)
        inner = os.path.join(self.dir, "sites-enabled", "inner-tunnel")
        if os.path.lexists(inner):
            with open(os.path.realpath(inner)) as f:
                text = f.read()
            write_real(inner, re.sub(r"port = 18120", f"port = {self.inner_port}", text))

    def _radiusd_conf(self):
        path = os.path.join(self.dir, "radiusd.conf")
        with open(path) as f:
            text = f.read()
        text = re.sub(r"(?m)^raddbdir = .*$", f"raddbdir = {self.dir}", text)
        text = re.sub(r"(?m)^logdir = .*$", f"logdir = {self.logdir}", text)
        text = re.sub(r"(?m)^radacctdir = .*$", f"radacctdir = {self.acctdir}", text)
        text = re.sub(r"(?m)^run_dir = .*$", f"run_dir = {self.rundir}", text)
        text = re.sub(r"(?m)^(\s*)(user|group) = freerad", r"\1#\2 = freerad", text)
        write_real(path, text)

    def start(self, timeout=30):
        binary = shutil.which("freeradius") or "/usr/sbin/freeradius"
        if not os.path.exists(binary):
            raise RuntimeError("freeradius not installed (tools/install_deps.sh installs it)")
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen([binary, "-X", "-d", self.dir], stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"freeradius exited with {self.proc.returncode}; log {self.log}")
            if "Ready to process requests" in open(self.log, errors="replace").read():
                return
            time.sleep(0.2)
        raise RuntimeError(f"freeradius not ready within {timeout} s; log {self.log}")

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        finally:
            self.logf.close()

    def detail_records(self):
        """Every record of the accounting detail files: a list of dicts
        (attribute name -> value text, quotes removed), in file order."""
        records = []
        for path in sorted(glob.glob(os.path.join(self.acctdir, "*", "detail-*"))):
            cur = None
            with open(path, errors="replace") as f:
                for line in f:
                    if not line.strip():
                        if cur:
                            records.append(cur)
                        cur = None
                    elif not line[0].isspace():
                        cur = {"_time": line.strip()}
                    elif cur is not None and "=" in line:
                        k, v = line.strip().split("=", 1)
                        cur[k.strip()] = v.strip().strip('"')
            if cur:
                records.append(cur)
        return records

    def server_arg(self):
        """lns-radius-probe's --server value for this server."""
        return f"127.0.0.1:{self.auth_port}:{self.acct_port}:{self.secret}"

    def wait_records(self, pred, count=1, timeout=10.0, step=0.1):
        """Wait (bounded) until at least `count` accounting records satisfy
        `pred`; those records (fewer if the time ran out)."""
        deadline = time.monotonic() + timeout
        while True:
            recs = [r for r in self.detail_records() if pred(r)]
            if len(recs) >= count or time.monotonic() >= deadline:
                return recs
            time.sleep(step)

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def radclient(server, code, secret, attrs, timeout=2, retries=1, run_timeout=20):
    """Debian's radclient: one request `code` (auth, acct, disconnect, coa,
    status) with `attrs` (radclient text: 'A = V, B = V') to `server`
    ("ADDR:PORT").  Returns (exit status, output text, reply), where reply is
    {"code": "Disconnect-ACK"..., attribute name: value text} (None when no
    answer was received)."""
    p = subprocess.run(["radclient", "-x", "-r", str(retries), "-t", str(timeout), server, code, secret],
                       input=attrs + "\n", capture_output=True, text=True, timeout=run_timeout)
    text = p.stdout + p.stderr
    return p.returncode, text, parse_radclient_reply(text)


def parse_radclient_reply(text):
    """The reply radclient -x printed: "Received CODE Id ..." then indented
    "Attr = value" lines.  None when there was none."""
    reply = None
    for line in text.splitlines():
        m = re.match(r"^\s*Received (\S+) Id \d+", line)
        if m:
            reply = {"code": m.group(1)}
            continue
        if reply is not None:
            if line[:1].isspace() and "=" in line:
                k, v = line.strip().split("=", 1)
                reply[k.strip()] = v.strip().strip('"')
            elif line.strip():
                break
    return reply
