"""Check bookkeeping and command line for the lnsd system tests.

Every test file builds a `Checks`, records named checks with `check()`/`eq()`,
and ends with `sys.exit(checks.finish())`, which prints one line per failing
check and the summary line "N passed, N failed".  Exit status 0 means all passed.
"""
import argparse
import os
import shutil
import sys
import traceback


class Checks:
    def __init__(self, suite):
        self.suite = suite
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.verbose = os.environ.get("LNS_TEST_VERBOSE", "") not in ("", "0")

    def check(self, name, cond, detail=""):
        """Record one named check; `detail` is printed when it fails."""
        if cond:
            self.passed += 1
            print(f"PASS {self.suite}.{name}", flush=True)
        else:
            self.failed += 1
            line = f"FAIL {self.suite}.{name}: {detail}" if detail else f"FAIL {self.suite}.{name}"
            self.failures.append(line)
            print(line, flush=True)
        return bool(cond)

    def eq(self, name, got, want, what=""):
        """Check got == want; the failure line shows both."""
        pre = f"{what}: " if what else ""
        return self.check(name, got == want, f"{pre}got {got!r}, want {want!r}")

    def fail(self, name, detail):
        return self.check(name, False, detail)

    def guard(self, name, fn, *args, **kw):
        """Run fn; an exception counts as a failed check instead of aborting the file."""
        try:
            return fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - a test bug or lnsd output we could not parse
            tb = traceback.format_exc().strip().splitlines()
            self.fail(name, f"exception {type(e).__name__}: {e} ({tb[-3].strip() if len(tb) > 2 else ''})")
            if self.verbose:
                traceback.print_exc()
            return None

    def finish(self):
        if self.failures:
            print(f"--- {self.suite}: failing checks ---")
            for f in self.failures:
                print(f)
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 and self.passed > 0 else 1


def parse_args(description=""):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--build-dir", required=True, help="build directory holding the lnsd binary")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory (configs, pcaps, stats) for debugging")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.verbose:
        os.environ["LNS_TEST_VERBOSE"] = "1"
    if os.environ.get("LNS_TEST_KEEP"):
        args.keep = True
    return args


def lnsd_binary(build_dir, checks):
    """Path of BUILD_DIR/lnsd, or a failed check and exit when it is missing."""
    path = os.path.join(os.path.abspath(build_dir), "lnsd")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        checks.fail("lnsd_binary", f"{path} not found or not executable")
        sys.exit(checks.finish())
    return path


def emulator_binary(build_dir, checks):
    """Path of BUILD_DIR/lns-lac-emu for the namespace tests (which also need
    iproute2's `ip`), or a failed check and exit when either is missing."""
    path = os.path.join(os.path.abspath(build_dir), "lns-lac-emu")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)) or not shutil.which("ip"):
        checks.fail("tools", f"{path} or ip (iproute2) missing")
        sys.exit(checks.finish())
    return path


def require_root(checks):
    if os.geteuid() != 0:
        checks.fail("root", "these tests need root (DPDK, network namespaces)")
        sys.exit(checks.finish())
