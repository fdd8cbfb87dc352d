"""strongSwan's charon as a real IKEv2/ESP peer inside a test's network namespace.

charon runs with the kernel-libipsec plugin: the kernel here has no xfrm/ESP, so
ESP is done in userspace over a TUN device, tunnel mode over UDP 4500 only.
Each `Charon` gets its own directory with its own strongswan.conf (passed in
STRONGSWAN_CONF; the plugin list is explicit), swanctl.conf, vici socket and
filelog (`chd = 4`, which logs the ESP keys), and a private /run (`unshare -m`
plus a tmpfs), so two of them and the host's own charon never share a pid file.
The process is started and stopped by its PID; every wait is bounded.

`parse_child_sas(log_text)` reads back from the log what an SA database needs:
each CHILD_SA's SPIs, addresses, algorithms and keys.
"""
import os
import re
import signal
import subprocess
import time

CHARON = "/usr/lib/ipsec/charon"
SWANCTL = "/usr/sbin/swanctl"

# kernel-libipsec does ESP with the crypto plugins below (aes, gcm, hmac, sha1,
# sha2); openssl and gmp give IKE its DH groups; kdf is needed by 5.9.8's PRF+.
PLUGINS = ("random nonce aes gcm sha1 sha2 hmac gmp openssl kdf pem pkcs1 x509 pubkey "
           "revocation constraints kernel-libipsec kernel-netlink socket-default vici")

STRONGSWAN_CONF = """\
charon {{
  load_modular = no
  load = {plugins}
  install_virtual_ip = no
  retransmit_tries = 3
  retransmit_timeout = 1.0
  retransmit_base = 1.4
  plugins {{
    vici {{
      socket = unix://{vici}
    }}
  }}
  filelog {{
    charon {{
      path = {log}
      time_format = %T
      append = no
      flush_line = yes
      default = 1
      ike = 2
      knl = 2
      chd = 4
      cfg = 1
    }}
  }}
  syslog {{
    daemon {{
      default = -1
    }}
  }}
}}
"""


def _run(cmd, timeout=20):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


class CharonError(RuntimeError):
    pass


class Charon:
    """One charon in network namespace `ns`, configured from `swanctl_conf` text."""

    def __init__(self, name, ns, workdir, swanctl_conf):
        self.name = name
        self.ns = ns
        self.dir = os.path.join(workdir, f"charon-{name}")
        os.makedirs(self.dir, exist_ok=True)
        self.vici = os.path.join(self.dir, "charon.vici")
        self.log = os.path.join(self.dir, "charon.log")
        self.conf = os.path.join(self.dir, "strongswan.conf")
        self.swanctl_conf = os.path.join(self.dir, "swanctl.conf")
        self.stdout = os.path.join(self.dir, "charon.stdout")
        with open(self.conf, "w") as f:
            f.write(STRONGSWAN_CONF.format(plugins=PLUGINS, vici=self.vici, log=self.log))
        with open(self.swanctl_conf, "w") as f:
            f.write(swanctl_conf)
        self.proc = None

    def env(self):
        e = dict(os.environ)
        e["STRONGSWAN_CONF"] = self.conf
        return e

    def start(self, timeout=15.0):
        """Start charon; return once its vici socket answers (or raise)."""
        out = open(self.stdout, "w")
        # A private mount namespace with its own /run: charon's pid file
        # (/run/charon.pid) and anything else it puts there stay ours.
        script = "mount -t tmpfs tmpfs /run && exec " + CHARON
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns, "unshare", "-m", "--propagation",
                                      "private", "sh", "-c", script],
                                     stdout=out, stderr=subprocess.STDOUT, env=self.env(),
                                     start_new_session=True)
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CharonError(f"charon {self.name} exited with {self.proc.returncode}: "
                                  f"{self.tail(self.stdout)}")
            if os.path.exists(self.vici):
                r = self.swanctl(["--stats"], check=False, timeout=5)
                if r.returncode == 0:
                    return
            time.sleep(0.1)
        raise CharonError(f"charon {self.name}: vici socket not up within {timeout} s: {self.tail(self.log)}")

    def swanctl(self, args, check=True, timeout=20):
        cmd = ["ip", "netns", "exec", self.ns, SWANCTL] + list(args) + ["--uri", "unix://" + self.vici]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=self.env())
        if check and r.returncode != 0:
            raise CharonError(f"swanctl {' '.join(args)} ({self.name}) failed ({r.returncode}): "
                              f"{(r.stdout + r.stderr).strip()[-600:]}")
        return r

    def load(self):
        self.swanctl(["--load-all", "--noprompt", "--file", self.swanctl_conf])

    def initiate(self, child, timeout_s=15):
        """Initiate CHILD_SA `child` (and its IKE_SA); swanctl waits for the result."""
        return self.swanctl(["--initiate", "--child", child, "--timeout", str(timeout_s)],
                            timeout=timeout_s + 10)

    def list_sas(self):
        return self.swanctl(["--list-sas", "--raw"], check=False, timeout=10).stdout

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    @staticmethod
    def tail(path, n=15):
        try:
            with open(path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError as e:
            return f"({e})"

    def stop(self, wait=10):
        """SIGTERM by PID (charon closes its SAs), SIGKILL after `wait` s."""
        p = self.proc
        if p is None or p.poll() is not None:
            return None if p is None else p.returncode
        try:
            os.killpg(p.pid, signal.SIGTERM)
            return p.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=5)
            return "killed"
        except ProcessLookupError:
            return p.poll()


# ---------------------------------------------------------------------------- log parsing
_ESTABLISHED = re.compile(r"CHILD_SA (\S+)\{(\d+)\} established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o "
                          r"and TS (\S+) === (\S+)")
_KEY = re.compile(r"(encryption|integrity) (initiator|responder) key => (\d+) bytes")
_ADDING = re.compile(r"adding (inbound|outbound) ESP SA")
_ADDING_SPI = re.compile(r"SPI 0x([0-9a-f]{8}), src (\S+) dst (\S+)")
_PROPOSAL = re.compile(r"selected proposal: ESP:(\S+)")


def _key_bytes(lines, start, n):
    """The n bytes dumped (16 a line, "   0: 3D 8D ...  ascii") after line `start`."""
    out = bytearray()
    i = start + 1
    while len(out) < n and i < len(lines):
        m = re.match(r"^.*?\s([0-9a-f]+):\s+((?:[0-9A-F]{2} ){1,16})", lines[i])
        if not m:
            break
        out += bytes.fromhex(m.group(2).replace(" ", ""))
        i += 1
    if len(out) != n:
        raise ValueError(f"key dump after log line {start + 1}: {len(out)} of {n} bytes")
    return bytes(out), i


class ChildSa:
    """One CHILD_SA as one charon logged it.  `spi_in`/`spi_out` are that charon's
    inbound/outbound SPIs; keys are named by the direction of the traffic they
    protect (initiator -> responder is `encr_i`/`integ_i`)."""

    def __init__(self):
        self.name = None
        self.unique = None
        self.spi_in = None
        self.spi_out = None
        self.ts_local = None
        self.ts_remote = None
        self.encr_i = self.encr_r = b""
        self.integ_i = self.integ_r = b""
        self.proposal = None   # e.g. "AES_GCM_16_128/NO_EXT_SEQ"
        self.outer = {}        # "inbound"/"outbound" -> (spi, src, dst) as installed

    def __repr__(self):
        return (f"<ChildSa {self.name}{{{self.unique}}} in={self.spi_in:08x} out={self.spi_out:08x} "
                f"{self.ts_local}==={self.ts_remote} encr={len(self.encr_i)} integ={len(self.integ_i)}>")


def parse_child_sas(text):
    """Every CHILD_SA established in a charon log (chd >= 4), in log order.

    charon derives a CHILD_SA's keys (keymat_v2: "encryption initiator key =>
    N bytes" and hex lines, the same for "responder" and for "integrity"), then
    installs the SAs and logs "CHILD_SA NAME{N} established with SPIs IN_i OUT_o
    and TS LOCAL === REMOTE".  The keys logged last before that line belong to
    it.  For AEAD (GCM) the encryption key as logged includes the 4-byte salt
    (RFC 4106 section 8.1 KEYMAT)."""
    lines = text.splitlines()
    out = []
    pending = {}
    outer = {}
    proposal = None
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _KEY.search(line)
        if m:
            kind, who, n = m.group(1), m.group(2), int(m.group(3))
            key, nxt = _key_bytes(lines, i, n) if n else (b"", i + 1)
            pending[(kind, who)] = key
            i = nxt
            continue
        m = _PROPOSAL.search(line)
        if m:
            proposal = m.group(1)
        m = _ADDING.search(line)
        if m and i + 1 < len(lines):
            a = _ADDING_SPI.search(lines[i + 1])
            if a:
                outer[m.group(1)] = (int(a.group(1), 16), a.group(2), a.group(3))
        m = _ESTABLISHED.search(line)
        if m:
            sa = ChildSa()
            sa.name, sa.unique = m.group(1), int(m.group(2))
            sa.spi_in, sa.spi_out = int(m.group(3), 16), int(m.group(4), 16)
            sa.ts_local, sa.ts_remote = m.group(5), m.group(6)
            sa.encr_i = pending.get(("encryption", "initiator"), b"")
            sa.encr_r = pending.get(("encryption", "responder"), b"")
            sa.integ_i = pending.get(("integrity", "initiator"), b"")
            sa.integ_r = pending.get(("integrity", "responder"), b"")
            sa.proposal, sa.outer = proposal, outer
            pending, outer, proposal = {}, {}, None
            out.append(sa)
        i += 1
    return out
