#!/usr/bin/python3
"""Integration test: the management REST API (mgmt/) and lnsctl against a
running lnsd, with lns-lac-emu subscribers passing traffic.  Topology and
lnsd's PPP/AAA configuration from test_ppp_sessions.py (lnsd on
net_af_packet, the emulator in the LAC namespace, a core host answering ICMP):

  netns LAC: lns-lac-emu --ppp     lnsd (API on 127.0.0.1:PORT)     netns core: 198.51.100.2
  203.0.113.2 ==veth== access0 203.0.113.1 | core0 198.51.100.1 ==veth== (route 100.64/16 via lnsd)

Cases (one lnsd, api: token file, max_body_bytes 65536):
  contract  every route: /healthz and /readyz without token; everything else
            401 without or with a wrong token (no detail in the body);
            GET /api/v1/routes == `lnsd --print-routes` == the (method, path)
            set of docs/api/openapi.yaml, and every status code the server
            answers below is declared for its route in the OpenAPI file;
            /metrics in Prometheus text format (HELP/TYPE per family, counters
            _total, port/reason labels); /stats with drop reason descriptions;
            SAs: an empty list, an incomplete SA 422 with its line, unknown
            names 404 (the full SA cases: test_mgmt_sa.py); unknown route 404.
  rejects   each rejection reason changes nothing (version and GET /config
            equal before and after): YAML syntax (400, "request:LINE:COL"),
            schema (unknown key, 422), validation (a worker polling a port
            that does not exist, 422), requires restart (ports, mbufs: 409
            naming the keys), version precondition (If-Match older: 412),
            malformed If-Match (400), oversized body (413).
  secrets   GET /config (JSON and YAML) and lnsd's log never contain the peer
            secret or a user password; "<redacted>" in their place.
  traffic   20 PPP sessions (2 tunnels x 10, CHAP) with ICMP echo through
            lnsd; while they pass traffic: the session list (filters,
            pagination), one session's detail (LCP/IPCP, counters), tunnels;
            a push that removes peer "old", adds peer "lac9", swaps the users
            file (users 30..59 removed, "newuser" added) -> 200 and version+1;
            a rejected push (mtu) -> 409 and GET /config unchanged, forwarded
            counters still moving; lnsctl show sessions/tunnels/stats (tables
            and --json), config validate/push.  After the emulator's hold: every
            echo answered (lost 0), every session authenticated and up.
  concurrent  two pushes with the same If-Match at once: one 200, the other
            409 or 412; the version advanced by exactly one.
  disconnect  DELETE /api/v1/sessions/{id} and POST .../disconnect end the
            sessions (subscriber disconnects counted, sessions gone); DELETE
            /api/v1/tunnels/{id} sends StopCCN (the emulator sees it).
  sighup    the config file edited (peer added), SIGHUP: version+1, the result
            logged.
Exit status 0 when every check passed.
"""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import l2tp_lab  # noqa: E402
from l2tp_lab import CORE_HOST, LAC_IP, Case  # noqa: E402
import lnsd as lnsrun  # noqa: E402
import test_lac_emulator as le  # noqa: E402
import test_ppp_sessions as tps  # noqa: E402

TOKEN = "api-t0ken-" + "x" * 22
PEER_SECRET = "old-peer-s3cret-value"
USER_PASSWORD = "pw"
OPENAPI = os.path.join(ROOT, "docs", "api", "openapi.yaml")
LNSCTL = os.path.join(ROOT, "tools", "lnsctl", "lnsctl")
PY = "/usr/bin/python3"


class ApiLab(tps.PppLab):
    def __init__(self, tag, workdir, binary, port):
        super().__init__(tag, workdir, binary)
        self.api_port = port

    def lnsd_config(self, prefix, l2tp=None):
        cfg = super().lnsd_config(prefix, l2tp)
        cfg["api"] = {"listen": f"127.0.0.1:{self.api_port}", "token_file": "api.token",
                      "max_body_bytes": 65536}
        return cfg

    def setup(self):
        super().setup()
        path = os.path.join(self.workdir, "api.token")
        with open(path, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(path, 0o600)


class Api:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.seen = []  # (method, route template, status, JSON body) for the OpenAPI checks

    def call(self, method, path, body=None, token=TOKEN, headers=None, route=None, timeout=10):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, raw, hdrs = r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as e:
            status, raw, hdrs = e.code, e.read().decode(errors="replace"), dict(e.headers)
        try:
            j = json.loads(raw)
        except ValueError:
            j = None
        if route:
            self.seen.append((method, route, status, j))
        return status, j, raw, hdrs

    def get(self, path, route=None, **kw):
        return self.call("GET", path, route=route or path.split("?")[0], **kw)

    def version(self):
        return self.get("/api/v1/config/version")[1]["version"]

    def config_json(self):
        return self.get("/api/v1/config")[1]["config"]


def openapi_doc():
    with open(OPENAPI) as f:
        return yaml.safe_load(f)


def openapi_routes():
    out = {}
    for path, item in openapi_doc()["paths"].items():
        for m, op in item.items():
            if m in ("get", "put", "post", "delete", "patch"):
                out[(m.upper(), path)] = {int(s) for s in op.get("responses", {})}
    return out


def node_ref_parts(ref):
    return ref.lstrip("#/").split("/")


def deref(doc, node):
    """Follows $ref (local, as '#/components/...') until a schema."""
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node_ref_parts(node["$ref"]):
            target = target[part]
        node = target
    return node


def schema_errors(doc, schema, value, where="body"):
    """The ways `value` breaks `schema` (type, required, enum, allOf, items,
    properties; the subset the API's document uses)."""
    schema = deref(doc, schema)
    errs = []
    for sub in schema.get("allOf", []):
        errs += schema_errors(doc, sub, value, where)
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    t = schema.get("type")
    if t == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            errs.append(f"{where}: {value!r} is not an integer")
    elif t in types and not isinstance(value, types[t]):
        errs.append(f"{where}: {type(value).__name__} is not {t}")
    if "enum" in schema and value not in schema["enum"]:
        errs.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        for k in schema.get("required", []):
            if k not in value:
                errs.append(f"{where}: required '{k}' missing")
        for k, sub in schema.get("properties", {}).items():
            if k in value:
                errs += schema_errors(doc, sub, value[k], f"{where}.{k}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value[:50]):
            errs += schema_errors(doc, schema["items"], item, f"{where}[{i}]")
    return errs


def response_schema(doc, method, route, status):
    op = doc["paths"][route][method.lower()]
    resp = deref(doc, op["responses"][str(status)])
    return ((resp.get("content") or {}).get("application/json") or {}).get("schema")


def lnsctl(lab, *args, timeout=20):
    cmd = [PY, LNSCTL, "--url", f"http://127.0.0.1:{lab.api_port}", "--token-file",
           os.path.join(lab.workdir, "api.token")] + [str(a) for a in args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def running_dict(lab, name="main"):
    with open(os.path.join(lab.workdir, f"{name}.lnsd.yaml")) as f:
        return yaml.safe_load(f)


def write_users(lab, name, users):
    with open(os.path.join(lab.workdir, name), "w") as f:
        f.write("users:\n" + "".join(f"  - {{name: {u}, password: {USER_PASSWORD}}}\n" for u in users))


# ------------------------------------------------------------------ contract
def run_contract(checks, lab, lnsd, api):
    case = Case(checks, "contract", lnsd)
    st, j, _, _ = api.get("/healthz", token=None)
    case.eq("healthz_no_token", (st, j), (200, {"status": "alive"}))
    st, j, _, _ = api.get("/readyz", token=None)
    case.check("readyz", st == 200 and j["ready"] and all(p["up"] for p in j["ports"]), f"{st} {j}")
    protected = [("GET", "/metrics", None), ("GET", "/api/v1/routes", None), ("GET", "/api/v1/config", None),
                 ("GET", "/api/v1/sessions", None), ("GET", "/api/v1/stats", None), ("PUT", "/api/v1/config", None),
                 ("DELETE", "/api/v1/tunnels/1", "/api/v1/tunnels/{id}"), ("POST", "/api/v1/sas", None),
                 ("GET", "/api/v1/sessions/1", "/api/v1/sessions/{id}")]
    for token, label in ((None, "missing"), ("wrong-" + TOKEN, "wrong"), ("", "empty"), (TOKEN[:-1], "prefix")):
        bad = []
        for m, p, tmpl in protected:
            st, j, raw, h = api.call(m, p, body="x" if m in ("PUT", "POST") else None, token=token,
                                     route=tmpl or p)
            if st != 401 or j != {"error": "unauthorized"} or "Bearer" not in h.get("WWW-Authenticate", ""):
                bad.append((m, p, st, raw[:80]))
        case.check(f"token_{label}_401", not bad, f"{bad}")

    st, j, _, _ = api.get("/api/v1/routes")
    served = {(r["method"], r["path"]) for r in j["routes"]}
    printed = set()
    out = subprocess.run([lab.binary, "--print-routes"], capture_output=True, text=True, timeout=10).stdout
    for line in out.splitlines():
        m, p = line.split(" ", 1)
        printed.add((m, p))
    documented = set(openapi_routes())
    case.eq("routes_served_eq_printed", served, printed)
    case.check("routes_served_eq_openapi", served == documented,
               f"served-only {sorted(served - documented)}, documented-only {sorted(documented - served)}")

    st, _, text, h = api.get("/metrics")
    case.check("metrics_200_text", st == 200 and h.get("Content-Type", "").startswith("text/plain"), f"{st} {h}")
    families, bad = {}, []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            families[name] = typ
        elif line and not line.startswith("#"):
            m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\d+)$', line)
            if not m or m.group(1) not in families:
                bad.append(line)
    case.check("metrics_lines_parse", not bad and len(families) > 50, f"{len(families)} families, bad {bad[:5]}")
    case.check("metrics_counters_total",
               all(n.endswith("_total") for n, t in families.items() if t == "counter"),
               [n for n, t in families.items() if t == "counter" and not n.endswith("_total")])
    case.check("metrics_labels", 'lnsd_port_rx_packets_total{port="access0"}' in text and
               'lnsd_drops_total{reason="' in text and 'lnsd_worker_loops_total{worker="0"' in text,
               text[:400])
    st, j, _, _ = api.get("/api/v1/stats")
    case.check("stats", st == 200 and "ports" in j and "drops" in j and
               all(d["description"] for d in j["drop_reasons"]) and "api" in j, f"{st} {list((j or {}).keys())}")
    # SAs (the full cases, with ESP traffic and a rekey under load: test_mgmt_sa.py)
    st, j, _, _ = api.get("/api/v1/sas")
    case.check("sas_get_empty", st == 200 and j.get("sas") == [] and j.get("count") == 0 and j.get("capacity", 0) > 0,
               f"{st} {j}")
    st, j, _, _ = api.call("POST", "/api/v1/sas", body=json.dumps({"name": "sa1"}), route="/api/v1/sas")
    case.check("sas_post_incomplete_422", st == 422 and any("request:1:1: direction: required key missing" in e
                                                           for e in j.get("errors", [])), f"{st} {j}")
    st, _, _, _ = api.call("POST", "/api/v1/sas", body="[1]", route="/api/v1/sas")
    case.eq("sas_post_not_object_400", st, 400)
    st, _, _, _ = api.call("DELETE", "/api/v1/sas/sa1", route="/api/v1/sas/{name}")
    case.eq("sas_delete_unknown_404", st, 404)
    st, _, _, _ = api.call("POST", "/api/v1/sas/sa1/rekey", body="{}", route="/api/v1/sas/{name}/rekey")
    case.eq("sas_rekey_unknown_404", st, 404)
    st, j, _, _ = api.call("GET", "/api/v1/nope")
    case.eq("unknown_route_404", (st, j), (404, {"error": "no such route"}))
    st, j, _, _ = api.get("/api/v1/sessions?limit=x", route="/api/v1/sessions")
    case.eq("bad_query_400", st, 400)
    st, _, _, _ = api.get("/api/v1/sessions/999999", route="/api/v1/sessions/{id}")
    case.eq("unknown_session_404", st, 404)
    st, _, _, _ = api.get("/api/v1/tunnels/65000", route="/api/v1/tunnels/{id}")
    case.eq("unknown_tunnel_404", st, 404)


# ------------------------------------------------------------------ rejects
def run_rejects(checks, lab, lnsd, api):
    case = Case(checks, "rejects", lnsd)
    v0 = api.version()
    cfg0 = api.config_json()
    base = running_dict(lab)

    def push(body, headers=None, label=""):
        h = {"Content-Type": "application/yaml"}
        h.update(headers or {})
        return api.call("PUT", "/api/v1/config", body=body, headers=h, route="/api/v1/config")

    st, j, _, _ = push("ports: [\n  {name: x\n")
    case.check("syntax_400", st == 400 and any(re.match(r"request:\d+:\d+: syntax error", e) for e in j["errors"]),
               f"{st} {j}")
    st, j, raw, _ = push(yaml.safe_dump(base).encode() + b"\xff\xfe: 1\n")
    case.check("invalid_utf8_422", st == 422 and j is not None and len(j["errors"]) >= 1, f"{st} {raw[:200]}")
    bad = dict(base, bogus_key=1)
    st, j, _, _ = push(yaml.safe_dump(bad, sort_keys=False))
    case.check("schema_422", st == 422 and any(re.match(r"request:\d+:\d+: bogus_key: unknown key", e)
                                              for e in j["errors"]), f"{st} {j}")
    bad = json.loads(json.dumps(base))
    bad["workers"][0]["rx"][0]["port"] = "nosuchport"
    st, j, _, _ = push(json.dumps(bad, indent=1), {"Content-Type": "application/json"})
    case.check("validation_422", st == 422 and any("nosuchport" in e and re.match(r"request:\d+:\d+: ", e)
                                                  for e in j["errors"]), f"{st} {j}")
    bad = json.loads(json.dumps(base))
    bad["ports"][0]["mtu"] = 1400
    bad["mbufs"] = 16383
    st, j, _, _ = push(yaml.safe_dump(bad))
    case.check("restart_409", st == 409 and set(j["restart_keys"]) == {"ports", "mbufs"}, f"{st} {j}")
    st, j, _, _ = api.call("POST", "/api/v1/config/validate", body=yaml.safe_dump(bad),
                           route="/api/v1/config/validate")
    case.eq("validate_restart_409", st, 409)
    st, j, _, _ = api.call("POST", "/api/v1/config/validate", body="a: [", route="/api/v1/config/validate")
    case.eq("validate_syntax_400", st, 400)
    st, j, _, _ = api.call("POST", "/api/v1/config/validate", body=yaml.safe_dump(dict(base, x=1)),
                           route="/api/v1/config/validate")
    case.eq("validate_schema_422", st, 422)
    st, j, _, _ = api.call("POST", "/api/v1/config/validate", body=yaml.safe_dump(base),
                           route="/api/v1/config/validate")
    case.check("validate_same_200", st == 200 and j["valid"] and j["changes"] == [], f"{st} {j}")
    good = json.loads(json.dumps(base))
    good["l2tp"]["peers"].append({"name": "never", "sources": ["192.0.2.9"]})
    st, j, _, _ = push(yaml.safe_dump(good), {"If-Match": str(v0 + 5)})
    case.check("if_match_412", st == 412 and j["version"] == v0, f"{st} {j}")
    st, j, _, _ = push(yaml.safe_dump(good), {"If-Match": "abc"})
    case.eq("if_match_malformed_400", st, 400)
    st, j, _, _ = push("#" * 70000)
    case.check("oversized_413", st == 413 and "max_body_bytes" in j["error"], f"{st} {j}")
    case.eq("version_unchanged", api.version(), v0)
    case.eq("config_unchanged", api.config_json(), cfg0)
    st, j, _, _ = api.get("/api/v1/config/version")
    case.check("version_route", st == 200 and re.fullmatch(r"[0-9a-f]{16}", j["hash"]), f"{j}")


# ------------------------------------------------------------------ secrets
def run_secrets(checks, lab, lnsd, api):
    case = Case(checks, "secrets", lnsd)
    st, j, raw, h = api.get("/api/v1/config")
    case.check("json_redacted", st == 200 and PEER_SECRET not in raw and "<redacted>" in raw and
               h.get("ETag") == f'"{j["version"]}"', raw[:300])
    st, _, raw, h = api.get("/api/v1/config", headers={"Accept": "application/yaml"})
    case.check("yaml_redacted", st == 200 and PEER_SECRET not in raw and "secret: <redacted>" in raw and
               h.get("Content-Type", "").startswith("application/yaml"), raw[:300])
    log = l2tp_lab.read_text(lnsd.stderr) + l2tp_lab.read_text(lnsd.stdout)
    case.check("log_clean", PEER_SECRET not in log and TOKEN not in log and "password" not in log, log[-500:])


# ------------------------------------------------------------------ traffic
def up_count(api):
    st, j, _, _ = api.get("/api/v1/sessions?state=up&limit=0")
    return j["total"] if st == 200 else -1


def wait_for(fn, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def forwarded(api):
    j = api.get("/api/v1/stats")[1]
    return j["upstream"]["packets"], j["downstream"]["packets"]


def run_traffic(checks, lab, emu_bin, lnsd, api):
    case = Case(checks, "traffic", lnsd)
    hold = 16
    emu = le.Emu(lab, emu_bin, "traffic", ["--local", LAC_IP, "-t", 2, "-s", 10, "--ppp", "--auth", "chap",
                                           "--user-pattern", "user{n}", "--password", USER_PASSWORD,
                                           "--hold", hold, "--teardown", "cdn", "--traffic", 400,
                                           "--traffic-dest", CORE_HOST, "--traffic-proto", "icmp",
                                           "--timeout", 60])
    case.xl = emu
    case.check("sessions_up", wait_for(lambda: up_count(api) == 20, 25), f"up {up_count(api)}")
    time.sleep(1.0)  # traffic starts once every session is up

    st, j, _, _ = api.get("/api/v1/sessions?limit=7&offset=5")
    case.check("list_paginated", st == 200 and j["total"] == 20 and len(j["sessions"]) == 7 and j["offset"] == 5,
               f"{st} {j and {k: j[k] for k in ('total', 'offset', 'limit')}}")
    s0 = j["sessions"][0]
    st, j, _, _ = api.get(f"/api/v1/sessions?user={s0['user']}")
    case.check("filter_user", st == 200 and j["total"] == 1 and j["sessions"][0]["id"] == s0["id"], f"{j}")
    st, j, _, _ = api.get(f"/api/v1/sessions?tunnel={s0['tunnel_id']}&limit=100")
    case.check("filter_tunnel", st == 200 and j["total"] == 10 and
               all(s["tunnel_id"] == s0["tunnel_id"] for s in j["sessions"]), f"{j and j['total']}")
    st, d, _, _ = api.get(f"/api/v1/sessions/{s0['id']}", route="/api/v1/sessions/{id}")
    ok = (st == 200 and d["state"] == "up" and d["ppp"]["lcp"]["state"] == "Opened" and
          d["ppp"]["ipcp"]["peer_address"] == d["ipv4"] and d["ppp"]["lcp"].get("auth") is not None and
          d["counters"]["up_packets"] > 0 and d["counters"]["down_packets"] > 0)
    case.check("session_detail", ok, f"{st} {d}")
    st, t, _, _ = api.get("/api/v1/tunnels")
    case.check("tunnels", st == 200 and t["total"] == 2 and all(x["sessions"] == 10 for x in t["tunnels"]), f"{t}")
    st, t1, _, _ = api.get(f"/api/v1/tunnels/{s0['tunnel_id']}", route="/api/v1/tunnels/{id}")
    case.check("tunnel_detail", st == 200 and len(t1["session_ids"]) == 10 and s0["id"] in t1["session_ids"], f"{t1}")

    # the push: peers and users added and removed while the sessions pass traffic
    v0 = api.version()
    new = running_dict(lab)
    new["l2tp"]["peers"] = [p for p in new["l2tp"]["peers"] if p["name"] != "old"]
    new["l2tp"]["peers"].append({"name": "lac9", "sources": ["192.0.2.0/24"], "secret": "lac9-secret"})
    write_users(lab, "users2.yaml", [f"user{n}" for n in range(30)] + ["newuser"])
    new["aaa"]["users_file"] = "users2.yaml"
    fwd0 = forwarded(api)
    st, j, _, _ = api.call("PUT", "/api/v1/config", body=json.dumps(new), headers={"If-Match": str(v0)},
                           route="/api/v1/config")
    case.check("push_applied", st == 200 and j["version"] == v0 + 1 and
               set(j["applied"]) >= {"l2tp.peers[old] (removed)", "l2tp.peers[lac9] (added)",
                                     "aaa.users_file", "aaa.users (users file contents)"}, f"{st} {j}")
    cfg1 = api.config_json()
    case.check("running_has_lac9", any(p["name"] == "lac9" for p in cfg1["l2tp"]["peers"]) and
               not any(p["name"] == "old" for p in cfg1["l2tp"]["peers"]), f"{cfg1['l2tp']}")
    case.eq("sessions_untouched_after_push", up_count(api), 20)
    rej = json.loads(json.dumps(new))
    rej["ports"][1]["mtu"] = 1400
    st, j, _, _ = api.call("PUT", "/api/v1/config", body=json.dumps(rej), route="/api/v1/config")
    case.check("rejected_push_409", st == 409 and j["restart_keys"] == ["ports"], f"{st} {j}")
    case.eq("rejected_push_config_unchanged", api.config_json(), cfg1)
    case.eq("rejected_push_version_unchanged", api.version(), v0 + 1)
    # pools: one added, then the one in use refused, then the new one removed
    v1 = api.version()
    extra = json.loads(json.dumps(new))
    extra["aaa"]["ipv4_pools"].append({"name": "extra", "prefix": "100.80.0.0/24"})
    st, j, _, _ = api.call("PUT", "/api/v1/config", body=json.dumps(extra), route="/api/v1/config")
    case.check("pool_added", st == 200 and j["applied"] == ["aaa.ipv4_pools[extra] (added)"] and
               "pool_extra_used" in api.get("/api/v1/stats")[1]["subscribers"], f"{st} {j}")
    busy = json.loads(json.dumps(extra))
    busy["aaa"]["ipv4_pools"] = [p for p in busy["aaa"]["ipv4_pools"] if p["name"] != "subs"]
    st, j, _, _ = api.call("PUT", "/api/v1/config", body=json.dumps(busy), route="/api/v1/config")
    case.check("pool_in_use_409", st == 409 and j["errors"] == ["aaa.ipv4_pools[subs]: 20 address(es) in use"],
               f"{st} {j}")
    st, j, _, _ = api.call("PUT", "/api/v1/config", body=json.dumps(new), route="/api/v1/config")
    case.check("pool_removed", st == 200 and j["applied"] == ["aaa.ipv4_pools[extra] (removed)"] and
               j["version"] == v1 + 2 and "pool_extra_used" not in api.get("/api/v1/stats")[1]["subscribers"],
               f"{st} {j}")
    case.eq("sessions_untouched_after_pools", up_count(api), 20)
    time.sleep(1.0)
    fwd1 = forwarded(api)
    case.check("counters_moving", fwd1[0] > fwd0[0] + 100 and fwd1[1] > fwd0[1] + 100, f"{fwd0} -> {fwd1}")

    # lnsctl against the same lnsd
    rc, out, err = lnsctl(lab, "show", "sessions")
    case.check("lnsctl_sessions_table", rc == 0 and out.splitlines()[0].split()[:4] == ["ID", "TUNNEL", "SESSION", "STATE"]
               and "20 shown of 20" in out and s0["user"] in out, f"rc {rc} {out[:300]} {err}")
    rc, out, err = lnsctl(lab, "--json", "show", "sessions", "--state", "up")
    case.check("lnsctl_sessions_json", rc == 0 and json.loads(out)["total"] == 20, f"rc {rc} {out[:200]} {err}")
    rc, out, err = lnsctl(lab, "show", "session", s0["id"])
    case.check("lnsctl_session", rc == 0 and f"user: {s0['user']}" in out and "lcp:" in out, f"{rc} {out} {err}")
    rc, out, err = lnsctl(lab, "show", "tunnels")
    case.check("lnsctl_tunnels_table", rc == 0 and "2 tunnel(s)" in out and "established" in out, f"{rc} {out} {err}")
    rc, out, err = lnsctl(lab, "show", "stats")
    case.check("lnsctl_stats", rc == 0 and "access0" in out and "COUNTER" in out, f"{rc} {out[:300]} {err}")
    rc, out, err = lnsctl(lab, "--json", "show", "stats")
    case.check("lnsctl_stats_json", rc == 0 and "ports" in json.loads(out), f"{rc} {err}")
    rc, out, err = lnsctl(lab, "show", "config")
    case.check("lnsctl_config_yaml", rc == 0 and "lac9" in out and "lac9-secret" not in out, f"{rc} {out[:200]} {err}")
    rc, out, err = lnsctl(lab, "show", "sas")
    case.check("lnsctl_sas_table", rc == 0 and "NAME" in out and "0 SA(s) of" in out, f"{rc} {out} {err}")
    bad_path = os.path.join(lab.workdir, "bad.yaml")
    with open(bad_path, "w") as f:
        f.write(yaml.safe_dump(dict(new, bogus=1, mbufs="many")))
    rc, out, err = lnsctl(lab, "config", "validate", bad_path)
    lines = err.splitlines()
    case.check("lnsctl_validate_errors", rc == 1 and "422" in lines[0] and
               sum(1 for ln in lines if re.match(r"\s+request:\d+:\d+: ", ln)) == 2, f"{rc} {err}")
    same_path = os.path.join(lab.workdir, "same.json")
    with open(same_path, "w") as f:
        json.dump(new, f)
    rc, out, err = lnsctl(lab, "config", "validate", same_path)
    case.check("lnsctl_validate_ok", rc == 0 and "valid" in out, f"{rc} {out} {err}")
    rc, out, err = lnsctl(lab, "config", "push", same_path, "--if-match", v0)
    case.check("lnsctl_push_stale_412", rc == 1 and "412" in err, f"{rc} {out} {err}")
    nobody = os.path.join(lab.workdir, "wrong.token")
    with open(nobody, "w") as f:
        f.write("nope\n")
    r = subprocess.run([PY, LNSCTL, "--url", f"http://127.0.0.1:{lab.api_port}", "--token-file", nobody, "show",
                        "sessions"], capture_output=True, text=True, timeout=20)
    case.check("lnsctl_401", r.returncode == 3 and "401" in r.stderr, f"{r.returncode} {r.stderr}")
    r = subprocess.run([PY, LNSCTL, "--url", "http://127.0.0.1:1", "--token-file", nobody, "show", "tunnels"],
                       capture_output=True, text=True, timeout=20)
    case.check("lnsctl_unreachable", r.returncode == 3 and "cannot reach" in r.stderr, f"{r.returncode} {r.stderr}")

    rc = emu.wait(hold + 40)
    case.eq("emulator_exit_0", rc, 0)
    p = (emu.report or {}).get("ppp", {})
    case.eq("emulator_ppp", le.subset(p, ("started", "authenticated", "up", "failed", "dropped")),
            {"started": 20, "authenticated": 20, "up": 20, "failed": 0, "dropped": 0})
    t = p.get("traffic", {})
    case.check("no_packet_lost", t.get("sent", 0) > 1000 and t.get("lost", 1) == 0 and t["received"] == t["sent"],
               f"sent {t.get('sent')}, received {t.get('received')}, lost {t.get('lost')}")
    print(f"  traffic: {le.subset(t, ('sent', 'received', 'lost'))} across the push")


# ------------------------------------------------------------------ concurrent
def run_concurrent(checks, lab, lnsd, api):
    case = Case(checks, "concurrent", lnsd)
    base = running_dict(lab)
    # the running configuration (users2.yaml, lac9) is the base of both pushes
    cur = api.config_json()
    v0 = api.version()
    results = []
    bodies = []
    for n in range(2):
        b = json.loads(json.dumps(base))
        b["aaa"]["users_file"] = "users2.yaml"
        b["l2tp"]["peers"] = [p for p in cur["l2tp"]["peers"] if p["name"] != "old"]
        for p in b["l2tp"]["peers"]:
            if p.get("secret") == "<redacted>":
                p["secret"] = "lac9-secret"
        b["l2tp"]["peers"].append({"name": f"race{n}", "sources": [f"192.0.2.{100 + n}"]})
        bodies.append(json.dumps(b))
    barrier = threading.Barrier(2)

    def go(body):
        barrier.wait()
        results.append(api.call("PUT", "/api/v1/config", body=body, headers={"If-Match": str(v0)},
                                route="/api/v1/config")[:2])

    threads = [threading.Thread(target=go, args=(b,)) for b in bodies]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    codes = sorted(r[0] for r in results)
    case.check("one_wins", len(codes) == 2 and codes[0] == 200 and codes[1] in (409, 412), f"{results}")
    case.eq("version_plus_one", api.version(), v0 + 1)
    names = {p["name"] for p in api.config_json()["l2tp"]["peers"]}
    case.check("one_race_peer", len(names & {"race0", "race1"}) == 1, f"{names}")


# ------------------------------------------------------------------ disconnect
def run_disconnect(checks, lab, emu_bin, lnsd, api):
    case = Case(checks, "disconnect", lnsd)
    before = api.get("/api/v1/stats")[1]["subscribers"].get("disconnects", 0)
    emu = le.Emu(lab, emu_bin, "disc", ["--local", LAC_IP, "-t", 2, "-s", 2, "--ppp", "--auth", "chap",
                                        "--user-pattern", "user{n}", "--password", USER_PASSWORD,
                                        "--hold", 30, "--teardown", "cdn", "--timeout", 60])
    case.xl = emu
    case.check("sessions_up", wait_for(lambda: up_count(api) == 4, 25), f"up {up_count(api)}")
    sessions = api.get("/api/v1/sessions")[1]["sessions"]
    a, b = sessions[0], sessions[1]
    st, j, _, _ = api.call("DELETE", f"/api/v1/sessions/{a['id']}", route="/api/v1/sessions/{id}")
    case.check("delete_202", st == 202 and j["status"] == "disconnecting", f"{st} {j}")
    st, j, _, _ = api.call("POST", f"/api/v1/sessions/{b['id']}/disconnect", route="/api/v1/sessions/{id}/disconnect")
    case.eq("post_disconnect_202", st, 202)
    gone = wait_for(lambda: {s["id"] for s in api.get("/api/v1/sessions")[1]["sessions"]}.isdisjoint({a["id"], b["id"]}), 10)
    case.check("sessions_gone", gone, f"{api.get('/api/v1/sessions')[1]}")
    after = api.get("/api/v1/stats")[1]["subscribers"]
    case.check("counted_as_disconnects", after.get("disconnects", 0) - before == 2 and after.get("acct_stop", 0) >= 0,
               f"{after}")
    st, _, _, _ = api.call("DELETE", f"/api/v1/sessions/{a['id']}", route="/api/v1/sessions/{id}")
    case.eq("again_404", st, 404)
    tunnels = [t for t in api.get("/api/v1/tunnels")[1]["tunnels"] if t["state"] == "established"]
    case.eq("two_tunnels_established", len(tunnels), 2)
    tid = tunnels[0]["id"]
    st, j, _, _ = api.call("DELETE", f"/api/v1/tunnels/{tid}", route="/api/v1/tunnels/{id}")
    case.eq("tunnel_delete_202", st, 202)
    gone = wait_for(lambda: all(t["id"] != tid or t["state"] != "established"
                                for t in api.get("/api/v1/tunnels")[1]["tunnels"]), 10)
    case.check("tunnel_cleared", gone, f"{api.get('/api/v1/tunnels')[1]}")
    st, _, _, _ = api.call("DELETE", f"/api/v1/tunnels/{tid}", route="/api/v1/tunnels/{id}")
    case.eq("tunnel_delete_again_404", st, 404)
    l2 = api.get("/api/v1/stats")[1]["l2tp"]
    case.check("stopccn_sent", l2.get("out_StopCCN", 0) >= 1, f"{l2}")
    left = wait_for(lambda: api.get(f"/api/v1/sessions?tunnel={tid}")[1]["total"] == 0, 10)
    case.check("tunnel_sessions_gone", left, f"{api.get(f'/api/v1/sessions?tunnel={tid}')[1]}")
    emu.kill()


# ------------------------------------------------------------------ sighup
def run_sighup(checks, lab, lnsd, api):
    case = Case(checks, "sighup", lnsd)
    v0 = api.version()
    path = os.path.join(lab.workdir, "main.lnsd.yaml")
    cfg = running_dict(lab)
    cfg["l2tp"]["peers"].append({"name": "hup", "sources": ["198.51.100.77"]})
    with open(path, "w") as f:
        f.write(yaml.safe_dump(cfg, sort_keys=False))
    os.kill(lnsd.proc.pid, signal.SIGHUP)
    ok = wait_for(lambda: "config_reload trigger=SIGHUP" in l2tp_lab.read_text(lnsd.stderr), 5)
    case.check("logged", ok, l2tp_lab.tail(lnsd.stderr))
    case.eq("version_plus_one", api.version(), v0 + 1)
    case.check("peer_present", any(p["name"] == "hup" for p in api.config_json()["l2tp"]["peers"]), "")


def check_statuses(checks, api):
    routes = openapi_routes()
    bad = sorted({(m, r, s) for m, r, s, _ in api.seen if s not in routes.get((m, r), set())})
    checks.check("openapi.statuses_declared", not bad and len(api.seen) > 30,
                 f"answered but not declared: {bad}; {len(api.seen)} responses seen")
    doc = openapi_doc()
    errs, checked = [], 0
    for m, r, s, body in api.seen:
        if (m, r) not in routes or s not in routes[(m, r)]:
            continue
        schema = response_schema(doc, m, r, s)
        if schema is None or body is None:
            continue
        checked += 1
        errs += [f"{m} {r} {s}: {e}" for e in schema_errors(doc, schema, body)]
    checks.check("openapi.bodies_match_schemas", not errs and checked > 30,
                 f"{checked} bodies checked; {errs[:10]}")


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("mgmt_api")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    emu_bin = harness.emulator_binary(args.build_dir, checks)
    l2tp_lab.exit_on_sigterm()
    t0 = time.monotonic()
    port = 20000 + os.getpid() % 20000
    with lnsrun.WorkDir("mgmtapi", args.keep) as wd:
        lab = ApiLab("ma", wd.path, binary, port)
        api = Api(port)
        try:
            lab.setup()
            lnsd = lab.start_lnsd("main", {"accept_unknown_peers": True, "peers": [
                {"name": "old", "sources": ["192.0.2.0/25"], "secret": PEER_SECRET}]})
            wait_for(lambda: api.call("GET", "/healthz", token=None)[0] == 200, 10)
            checks.guard("contract", run_contract, checks, lab, lnsd, api)
            checks.guard("rejects", run_rejects, checks, lab, lnsd, api)
            checks.guard("secrets", run_secrets, checks, lab, lnsd, api)
            checks.guard("traffic", run_traffic, checks, lab, emu_bin, lnsd, api)
            checks.guard("concurrent", run_concurrent, checks, lab, lnsd, api)
            checks.guard("disconnect", run_disconnect, checks, lab, emu_bin, lnsd, api)
            checks.guard("sighup", run_sighup, checks, lab, lnsd, api)
            check_statuses(checks, api)
            checks.guard("secrets_end", run_secrets, checks, lab, lnsd, api)
            lnsd.stop()
            checks.check("lnsd_exit_clean", lnsd.rc == 0, f"exit status {lnsd.rc}\n{lnsd.logs()}")
        except Exception as e:  # noqa: BLE001
            checks.fail("exception", f"{type(e).__name__}: {e}")
        finally:
            lab.teardown()
    print(f"(took {time.monotonic() - t0:.1f} s)")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
