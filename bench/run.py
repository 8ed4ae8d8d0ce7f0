#!/usr/bin/env python3
"""The cost of compliance, measured: drives the real Envoy under wrk and writes BENCHMARKS.md.

One Envoy (`--concurrency 1`) per configuration, all on loopback, in front of one mock upstream
(bench/upstream, a separate process so its CPU is never counted as Envoy's):

  none    no HTTP filter but the router
  buffer  Envoy's own buffer filter (envoy.filters.http.buffer)
  floor   bench/floor: a minimal wasm filter that holds headers, copies the body out once and
          scans it once (the least a body-inspecting wasm filter can cost)
  floor-json  the floor built with its `json` feature: also one validating serde_json pass
          over the body (the least a filter that must know a JSON body's text fields can cost)
  ours    the compliance filter with the given policy (default `{}`: every detector on)

For every body x connections x repetition, the configurations run back to back (so ratios compare
figures from the same minute), each under wrk for --duration seconds. Envoy's CPU per request is
utime+stime of the Envoy-under-test PID (/proc/<pid>/stat) over the wrk run divided by the
requests wrk completed. Every figure is the median of the repetitions; ratios are the median of
the per-repetition ratios.

Exits non-zero when anything is wrong: a non-2xx reply or a socket error under load, a body that
a filter changed when it should not have (clean bodies must pass every configuration byte for
byte) or did not redact (with-findings bodies through ours), an Envoy that died.

Each body under load is one of several distinct texts of its kind and size, sent in turn
(`--variants`; `bench/bodies.py` says why): real traffic never repeats a body.

`--quick` is the smoke mode `make test` runs: the sanity pass over every body, then one small
body, one connection count, one repetition, ~1 s per configuration.

Stdlib only. Run `python3 bench/run.py --help`.
"""

import argparse
import atexit
import datetime
import hashlib
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import bodies  # noqa: E402
from wasm_memory import wasm_linear_memories  # noqa: E402

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TARGET = BENCH / "target"
FLOOR_WASM = TARGET / "wasm32-wasip1" / "release" / "bench_floor.wasm"
FLOOR_JSON_WASM = TARGET / "floor-json" / "wasm32-wasip1" / "release" / "bench_floor.wasm"
CALIBRATE_WASM = TARGET / "wasm32-wasip1" / "release" / "bench_calibrate.wasm"
UPSTREAM_BIN = TARGET / "release" / "bench-upstream"
OURS_REL = Path("target/wasm32-wasip1/release/openai_compliance_filter.wasm")
# Above the largest bench body and the filter's default body cap (10 MiB).
BUFFER_LIMIT = 16 * 1024 * 1024
BUFFER_FILTER_MAX = 10 * 1024 * 1024
CONFIGS = ["none", "buffer", "floor", "floor-json", "ours"]
DEFAULT_HEADERS = ["Authorization: Bearer sk-proj-benchmarkkeybenchmarkkeybenchmarkkey"]

CHILDREN = []
WORKDIR = None  # kept on failure: Envoy configs and logs
UPSTREAM_PID = None


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class BenchError(Exception):
    """A failure that must make the run exit non-zero."""


# ---------------------------------------------------------------- processes


def spawn(cmd, **kw):
    p = subprocess.Popen(cmd, **kw)
    CHILDREN.append(p)
    return p


def kill_children():
    for p in reversed(CHILDREN):
        if p.poll() is None:
            p.terminate()
    deadline = time.time() + 5
    for p in reversed(CHILDREN):
        if p.poll() is None:
            try:
                p.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    CHILDREN.clear()


def on_signal(signum, _frame):
    kill_children()
    sys.exit(128 + signum)


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    rest = raw[raw.rindex(")") + 2 :].split()
    return int(rest[11]) + int(rest[12])


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# ---------------------------------------------------------------- tools


def ensure_wrk():
    """wrk's path; when missing, scripts/ensure-tool.sh installs it (as root, with apt-get)."""
    wrk = shutil.which("wrk") or ("/usr/bin/wrk" if Path("/usr/bin/wrk").exists() else None)
    if wrk:
        return wrk
    r = subprocess.run([str(REPO / "scripts" / "ensure-tool.sh"), "wrk", "wrk"])
    wrk = shutil.which("wrk")
    if r.returncode == 0 and wrk:
        return wrk
    raise BenchError("wrk is not installed and could not be installed (see the line above)")


def cargo_build(crate_dir, what, extra=()):
    log(f"building {what} (cargo build --release {' '.join(extra)} in {crate_dir.relative_to(REPO)})")
    r = subprocess.run(["cargo", "build", "--release", "--quiet", *extra], cwd=crate_dir)
    if r.returncode != 0:
        raise BenchError(f"building {what} failed")


def tool_version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    out = (r.stdout + r.stderr).strip().splitlines()
    return out[0].strip() if out else "unknown"


# ---------------------------------------------------------------- envoy


def http_filters(config, args):
    router = {
        "name": "envoy.filters.http.router",
        "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"},
    }
    if config == "none":
        return [router]
    if config == "buffer":
        return [
            {
                "name": "envoy.filters.http.buffer",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer",
                    "max_request_bytes": BUFFER_FILTER_MAX,
                },
            },
            router,
        ]
    wasm, policy = {
        "floor": (FLOOR_WASM, ""),
        "floor-json": (FLOOR_JSON_WASM, ""),
        "calibrate": (CALIBRATE_WASM, ""),  # bench/cpu_profile.py's calibration filter
    }.get(config, (args.ours, args.policy_json))
    return [
        {
            "name": "envoy.filters.http.wasm",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
                "config": {
                    "name": f"bench_{config}",
                    "root_id": "",
                    "vm_config": {
                        "vm_id": f"bench_{config}",
                        "runtime": "envoy.wasm.runtime.v8",
                        "code": {"local": {"filename": str(wasm)}},
                    },
                    "configuration": {
                        "@type": "type.googleapis.com/google.protobuf.StringValue",
                        "value": policy,
                    },
                    "failure_policy": "FAIL_CLOSED",
                    "allow_on_headers_stop_iteration": True,
                },
            },
        },
        router,
    ]


def bootstrap(config, args, upstream_port):
    hcm = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "bench",
        "codec_type": "AUTO",
        "route_config": {
            "name": "bench",
            "virtual_hosts": [
                {
                    "name": "all",
                    "domains": ["*"],
                    "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "upstream", "timeout": "60s"}}],
                }
            ],
        },
        "http_filters": http_filters(config, args),
    }
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}},
        "static_resources": {
            "listeners": [
                {
                    "name": "bench",
                    "address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}},
                    "per_connection_buffer_limit_bytes": BUFFER_LIMIT,
                    "filter_chains": [
                        {
                            "filters": [
                                {"name": "envoy.filters.network.http_connection_manager", "typed_config": hcm}
                            ]
                        }
                    ],
                }
            ],
            "clusters": [
                {
                    "name": "upstream",
                    "type": "STATIC",
                    "connect_timeout": "2s",
                    "per_connection_buffer_limit_bytes": BUFFER_LIMIT,
                    "circuit_breakers": {
                        "thresholds": [
                            {"max_connections": 1024, "max_pending_requests": 1024, "max_requests": 1024}
                        ]
                    },
                    "load_assignment": {
                        "cluster_name": "upstream",
                        "endpoints": [
                            {
                                "lb_endpoints": [
                                    {
                                        "endpoint": {
                                            "address": {
                                                "socket_address": {"address": "127.0.0.1", "port_value": upstream_port}
                                            }
                                        }
                                    }
                                ]
                            }
                        ],
                    },
                }
            ],
        },
    }


class Envoy:
    def __init__(self, config, args, upstream_port, workdir):
        self.config = config
        self.dir = workdir / config
        self.dir.mkdir(parents=True, exist_ok=True)
        cfg = self.dir / "envoy.json"
        cfg.write_text(json.dumps(bootstrap(config, args, upstream_port), indent=1))
        self.admin_file = self.dir / "admin.txt"
        self.log_file = self.dir / "envoy.log"
        cmd = [
            str(args.envoy),
            "-c", str(cfg),
            "--concurrency", "1",
            "--disable-hot-restart",
            "--admin-address-path", str(self.admin_file),
            "-l", "warn",
        ]
        if args.audit_log:
            # The filter's audit lines are info-level wasm logs: let Envoy write them, to
            # /dev/null (a full run would write gigabytes), so their cost is counted.
            cmd += ["--component-log-level", "wasm:info", "--log-path", "/dev/null"]
        self.proc = spawn(cmd, stdout=subprocess.DEVNULL, stderr=open(self.log_file, "wb"))
        self.pid = self.proc.pid
        self.admin = None
        self.port = None

    def log_tail(self, n=15):
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def alive(self):
        return self.proc.poll() is None

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.alive():
                raise BenchError(f"envoy ({self.config}) exited at start-up:\n{self.log_tail()}")
            if self.admin is None and self.admin_file.exists():
                text = self.admin_file.read_text().strip()
                if text:
                    self.admin = text
            if self.admin:
                try:
                    if self.get("/ready") .strip() == "LIVE":
                        info = json.loads(self.get("/listeners?format=json"))
                        sock = info["listener_statuses"][0]["local_address"]["socket_address"]
                        self.port = sock["port_value"]
                        exe = os.readlink(f"/proc/{self.pid}/exe")
                        if "envoy" not in Path(exe).name:
                            raise BenchError(f"PID {self.pid} is {exe}, not envoy: CPU would be misattributed")
                        return
                except (OSError, ValueError, KeyError, http.client.HTTPException):
                    pass
            time.sleep(0.1)
        raise BenchError(f"envoy ({self.config}) not ready after {timeout}s:\n{self.log_tail()}")

    def upstream_requests(self):
        """Requests this Envoy has sent to the mock upstream (cluster.upstream.upstream_rq_total)."""
        text = self.get("/stats?filter=%5Ecluster%5C.upstream%5C.upstream_rq_total%24")
        for line in text.splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "cluster.upstream.upstream_rq_total":
                return int(value)
        raise BenchError(f"envoy ({self.config}): no cluster.upstream.upstream_rq_total stat")

    def get(self, path):
        with urllib.request.urlopen(f"http://{self.admin}{path}", timeout=10) as r:
            return r.read().decode()


# ---------------------------------------------------------------- upstream


def start_upstream():
    p = spawn([str(UPSTREAM_BIN)], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    if len(line) != 2 or line[0] != "PORT":
        raise BenchError("mock upstream did not start")
    return p, int(line[1])


# ---------------------------------------------------------------- sanity


def post(port, path, body, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        h = {"Content-Type": "application/json", "x-bench-check": "1"}
        for line in headers:
            k, _, v = line.partition(":")
            h[k.strip()] = v.strip()
        conn.request("POST", path, body=body, headers=h)
        r = conn.getresponse()
        r.read()
        return r.status, r.getheader("x-upstream-body-bytes"), r.getheader("x-upstream-body-crc32")
    finally:
        conn.close()


def sanity(envoys, body_set, args):
    """One checked request per configuration x body variant (the bodies not under load have
    one); returns notes, raises on failure."""
    problems, notes = [], []
    for b in body_set:
        for cfg, env in envoys.items():
            variants = b["variants"]
            rewrote = 0
            for v, body in enumerate(variants):
                where = f"{cfg} / {b['name']}" + (f" #{v}" if v else "")
                status, nbytes, crc = post(env.port, b["path"], body, args.header)
                if status != 200:
                    problems.append(f"{where}: HTTP {status}")
                    continue
                if crc is None:
                    problems.append(f"{where}: reply did not come from the mock upstream")
                    continue
                changed = crc != f"{zlib.crc32(body):08x}"
                if cfg == "ours" and b["findings"]:
                    if not changed and not args.no_redaction_check:
                        problems.append(f"{where}: body reached the upstream unchanged (no redaction)")
                    rewrote += changed
                elif changed:
                    problems.append(
                        f"{where}: body changed on the way ({len(body)} -> {nbytes} bytes)"
                        + (" -- a false positive on a clean body" if cfg == "ours" else "")
                    )
            if rewrote:
                notes.append(f"{cfg} / {b['name']}: redacted {rewrote} of {len(variants)} variant(s)")
    if problems:
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise BenchError("sanity check failed:\n  " + "\n  ".join(problems[:20]) + more)
    return notes


# ---------------------------------------------------------------- load


def run_wrk(args, env, body, conns, seconds):
    url = f"http://127.0.0.1:{env.port}{body['path']}"
    cmd = [
        args.wrk, "-t", "1", "-c", str(conns), "-d", f"{seconds}s", "--timeout", "30s",
        "-s", str(BENCH / "wrk.lua"), url,
    ]
    wenv = dict(os.environ, BENCH_BODY=str(body["file"]), BENCH_BODY_SIZE=str(len(body["body"])),
                BENCH_HEADERS="\n".join(args.header))
    up_before = cpu_ticks(UPSTREAM_PID) if UPSTREAM_PID else 0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    forwarded_before = env.upstream_requests()
    before = cpu_ticks(env.pid)
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, env=wenv, timeout=seconds + 60)
    wall = time.monotonic() - t0
    ru2 = resource.getrusage(resource.RUSAGE_CHILDREN)
    up_after = cpu_ticks(UPSTREAM_PID) if UPSTREAM_PID else 0
    # Requests still queued in Envoy when wrk stops are finished (and forwarded) after it:
    # wait for Envoy to go idle, so their CPU is in this window and not in the next run's.
    after = wait_idle(env.pid)
    forwarded = env.upstream_requests() - forwarded_before
    result = None
    for line in r.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line[len("BENCH_RESULT ") :])
    if r.returncode != 0 or result is None:
        raise BenchError(f"wrk failed ({env.config} / {body['name']} / c={conns}): {r.stderr.strip()[:500]}")
    if not env.alive():
        raise BenchError(f"envoy ({env.config}) died under load:\n{env.log_tail()}")
    ticks = after - before
    n = result["requests"]
    # The CPU window holds every request Envoy forwarded, including those wrk gave up on at
    # the end (at most one per connection), so divide by what reached the upstream.
    per = max(n, forwarded)
    result.update(
        forwarded=forwarded,
        cpu_s=ticks / CLK_TCK,
        wall_s=wall,
        cpu_us_per_req=(ticks / CLK_TCK * 1e6 / per) if per else float("nan"),
        rps=n / (result["duration_us"] / 1e6) if result["duration_us"] else 0.0,
        envoy_core=ticks / CLK_TCK / wall,
        wrk_core=(ru2.ru_utime + ru2.ru_stime - ru.ru_utime - ru.ru_stime) / wall,
        upstream_core=(up_after - up_before) / CLK_TCK / wall,
        errors=result["connect"] + result["read"] + result["write"] + result["timeout"],
    )
    return result


def wait_idle(pid, timeout=60):
    """Waits until the process burns no CPU tick for 100 ms; returns its CPU ticks then."""
    last = cpu_ticks(pid)
    quiet_since = time.monotonic()
    deadline = quiet_since + timeout
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = cpu_ticks(pid)
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= 0.1:
            break
    return last


CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- report


def sha256_short(path):
    return "sha256 " + hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def median(xs):
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


def fmt_ratio(x):
    if x is None or x != x:
        return "n/a"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.2g}"


def fmt(x, digits=0):
    if x is None or x != x:
        return "n/a"
    return f"{x:,.{digits}f}"


def machine_info():
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "memory": mem, "kernel": platform.release()}


def wasm_vm_memory(env):
    """Memory figures of one Envoy after the run (see wasm_linear_memories for the VM part)."""
    out = {"rss_kib": rss_kib(env.pid), "linear": wasm_linear_memories(env.pid)}
    try:
        out["stats"] = {
            k.strip(): v.strip()
            for k, _, v in (l.partition(":") for l in env.get("/stats?filter=wasm").splitlines())
            if k.strip()
        }
        out["memory"] = json.loads(env.get("/memory"))
    except (OSError, ValueError):
        pass
    return out


def write_report(path, ctx):
    a = ctx["args"]
    R = ctx["results"]  # (cfg, body, conns) -> [result per rep]
    cfgs = ctx["configs"]
    lines = []
    w = lines.append
    w("# Benchmarks: the cost of compliance")
    w("")
    w(f"Generated by `python3 bench/run.py{' --quick' if a.quick else ''}` on {ctx['date']}."
      + (" **Quick (smoke) mode: figures are indicative only.**" if a.quick else ""))
    w("")
    m = ctx["machine"]
    w("| | |")
    w("|---|---|")
    w(f"| machine | {m['nproc']} CPUs, {m['cpu']}, {m['memory']} RAM, Linux {m['kernel']} |")
    w(f"| Envoy | {ctx['envoy_version']} (`--concurrency 1`) |")
    w(f"| load | {ctx['wrk_version']}, 1 thread, {', '.join(map(str, a.conns))} connections, "
      f"{a.duration} s per run, {a.reps} repetition(s), median reported |")
    w(f"| floor module | `bench/floor` ({ctx['wasm_sha']['floor']}) |")
    if "floor-json" in cfgs:
        w(f"| JSON floor module | `bench/floor`, feature `json` ({ctx['wasm_sha']['floor-json']}) |")
    if "ours" in cfgs:
        w(f"| our module | `{a.ours}` ({ctx['wasm_sha']['ours']}) |")
        w(f"| policy (ours) | `{a.policy_desc}` |")
    w(f"| repo commit | {ctx['commit']} |")
    w("")
    w("Configurations, each its own Envoy process in front of the same mock upstream:")
    w("")
    w("- **none**: router only.")
    w(f"- **buffer**: Envoy's buffer filter (`max_request_bytes` {BUFFER_FILTER_MAX}).")
    w("- **floor**: `bench/floor`, a minimal proxy-wasm filter (V8): holds the headers, buffers the "
      "body, copies it out of the host once at end of stream, counts its `@` bytes once. The least "
      "any body-inspecting wasm filter costs.")
    if "floor-json" in cfgs:
        w("- **floor-json**: the floor built with its `json` feature: the same, plus one validating "
          "serde_json pass over the body (`IgnoredAny`: nothing decoded, kept or allocated). Not a "
          "target, a yardstick: the least any filter that must know which fields of a JSON body "
          "hold text (and refuse one that is not JSON) adds to the floor.")
    w("- **ours**: the compliance filter (V8, `allow_on_headers_stop_iteration: true`, fail closed)"
      + ("" if "ours" in cfgs else " -- **skipped in this run (`--skip-ours`)**") + ".")
    w("")
    w("## Wasm module sizes")
    w("")
    w("| module | bytes |")
    w("|---|---:|")
    for name, size in ctx["wasm_sizes"].items():
        w(f"| {name} | {fmt(size)} |")
    w("")

    def cell(cfg, b, c, key):
        rs = R.get((cfg, b, c))
        return median([r[key] for r in rs]) if rs else float("nan")

    def ratio(num, den, b, c, key):
        a_, b_ = R.get((num, b, c)), R.get((den, b, c))
        if not a_ or not b_:
            return float("nan")
        return median([x[key] / y[key] if y[key] else float("nan") for x, y in zip(a_, b_)])

    bnames = [b["name"] for b in ctx["load_bodies"]]
    for c in a.conns:
        w(f"## {c} connections")
        w("")
        w("### Envoy CPU per request (µs: utime+stime of the Envoy process / requests it forwarded)")
        w("")
        jf = "floor-json" in cfgs
        w("| body | " + " | ".join(cfgs) + " | floor/buffer | ours/buffer | ours/floor"
          + (" | floor-json/floor | ours/floor-json" if jf else "") + " | ours MB/s per core |")
        w("|---|" + "---:|" * (len(cfgs) + 4 + (2 if jf else 0)))
        for b in bnames:
            size = ctx["sizes"][b]
            ours = cell("ours", b, c, "cpu_us_per_req")
            mbps = size / ours if ours == ours and ours else float("nan")
            w(f"| {b} | " + " | ".join(fmt(cell(g, b, c, "cpu_us_per_req"), 1) for g in cfgs)
              + f" | {fmt_ratio(ratio('floor', 'buffer', b, c, 'cpu_us_per_req'))}"
              + f" | {fmt_ratio(ratio('ours', 'buffer', b, c, 'cpu_us_per_req'))}"
              + f" | {fmt_ratio(ratio('ours', 'floor', b, c, 'cpu_us_per_req'))}"
              + (f" | {fmt_ratio(ratio('floor-json', 'floor', b, c, 'cpu_us_per_req'))}"
                 f" | {fmt_ratio(ratio('ours', 'floor-json', b, c, 'cpu_us_per_req'))}" if jf else "")
              + f" | {fmt(mbps, 1 if mbps < 10 else 0)} |")
        w("")
        w("### Requests per second")
        w("")
        w("| body | " + " | ".join(cfgs) + " | ours/buffer | ours/floor |")
        w("|---|" + "---:|" * (len(cfgs) + 2))
        for b in bnames:
            w(f"| {b} | " + " | ".join(fmt(cell(g, b, c, "rps"), 0) for g in cfgs)
              + f" | {fmt_ratio(ratio('ours', 'buffer', b, c, 'rps'))}"
              + f" | {fmt_ratio(ratio('ours', 'floor', b, c, 'rps'))} |")
        w("")
        w("### Latency p50 / p99 (ms, from wrk)")
        w("")
        w("| body | " + " | ".join(cfgs) + " | p99 ours/buffer | p99 ours/floor |")
        w("|---|" + "---:|" * (len(cfgs) + 2))
        for b in bnames:
            w(f"| {b} | " + " | ".join(
                f"{fmt(cell(g, b, c, 'p50_us') / 1000, 2)} / {fmt(cell(g, b, c, 'p99_us') / 1000, 2)}"
                for g in cfgs)
              + f" | {fmt_ratio(ratio('ours', 'buffer', b, c, 'p99_us'))}"
              + f" | {fmt_ratio(ratio('ours', 'floor', b, c, 'p99_us'))} |")
        w("")
    if ctx.get("profile"):
        cpu_profile().write_section(w, ctx["profile"])
        w("")
    w("## Wasm VM memory after the run")
    w("")
    w("Envoy 1.40 has no stat for a wasm VM's memory: `/stats?filter=wasm` only counts VMs "
      "(`wasm.envoy.wasm.runtime.v8.active`, `wasm.wasm_vm_count`). So the VM figure is each "
      "VM's committed wasm linear memory (memory.size x 64 KiB, its high-water mark), read from "
      "the Envoy process's `/proc/<pid>/maps`: V8 reserves each 32-bit wasm memory as a whole-GiB "
      "region (8 GiB with guard pages) of which only the committed start is read-write. With "
      "`--concurrency 1` Envoy keeps 3 VMs per module (the one it loads the module into and "
      "per-thread copies); the largest is the one that served the traffic. Envoy's resident memory (VmRSS) and the "
      "allocator's view from the admin `/memory` endpoint are shown for comparison with **none**.")
    w("")
    w("| config | wasm VMs | largest VM linear memory (MiB) | all VMs (MiB) | VmRSS (MiB) | /memory allocated (MiB) |")
    w("|---|---:|---:|---:|---:|---:|")

    def mib(v):
        try:
            return fmt(int(v) / 1048576, 2)
        except (TypeError, ValueError):
            return "n/a"

    for cfg in cfgs:
        mm = ctx["memory"].get(cfg, {})
        lin = mm.get("linear", [])
        active = mm.get("stats", {}).get("wasm.envoy.wasm.runtime.v8.active", "0")
        w(f"| {cfg} | {active} | {mib(lin[0]) if lin else '-'} | {mib(sum(lin)) if lin else '-'} | "
          f"{mib(mm.get('rss_kib', 0) * 1024)} | {mib(mm.get('memory', {}).get('allocated'))} |")
    w("")
    w("## Core throughput (native, `make bench-core`)")
    w("")
    if ctx.get("core"):
        w("```")
        w(ctx["core"].rstrip())
        w("```")
    else:
        w(f"Not run: {ctx.get('core_reason', 'no bench_core binary in this repo yet')}.")
    w("")
    w("## Settling a rewrite (native, `make bench-settle`)")
    w("")
    w("The rescan of a rewrite reads windows around the replacements (`src/pipeline/reach.rs`); "
      "where values are dense (the with-findings bodies above: one per KiB) the windows would "
      "cover most of a string and it is read whole. Medians of 15 runs of the core alone, against "
      "the same body clean.")
    w("")
    if ctx.get("settle"):
        w("```")
        w(ctx["settle"].rstrip())
        w("```")
    else:
        w(f"Not run: {ctx.get('settle_reason', 'not measured')}.")
    w("")
    write_restore(w, ctx.get("restore"), ctx.get("restore_reason", "not measured"))
    write_memory(w, ctx.get("memory_vm"), ctx.get("memory_vm_reason", "not measured"))
    w("## Bodies")
    w("")
    w("Generated deterministically (`bench/bodies.py`, seed "
      f"{a.seed}): multi-turn requests of English-like text, exactly the stated size. Clean bodies "
      "hold no '@', no digits in text, no key prefixes; with-findings bodies carry about one "
      "finding per KiB (emails, Luhn-valid card numbers, phone numbers, `sk-proj-` keys). Every "
      "body was first sent once through every configuration with a check that clean bodies reach "
      "the upstream byte for byte and that ours rewrites the with-findings ones.")
    w("")
    w("Under load, each body is one of several distinct texts of its kind and size (generated "
      "with the same seed and a variant number), sent in turn; every variant went through every "
      "configuration in the check above. One body sent again and again lets the CPU's branch predictors "
      "learn its text, which flatters a filter whose branches follow the bytes and not the "
      "floor, which only counts them."
      + (" **This run sent one body only (`--variants 1`).**" if a.variants == 1 else ""))
    w("")
    w("| body | endpoint | bytes | findings planted (first variant) | variants under load |")
    w("|---|---|---:|---:|---:|")
    for b in ctx["all_bodies"]:
        loaded = len(b["variants"]) if any(lb is b for lb in ctx["load_bodies"]) else 0
        w(f"| {b['name']} | `{b['path']}` | {fmt(len(b['body']))} | {sum(b['planted'].values())} "
          f"| {loaded or '-'} |")
    w("")
    w("## Method")
    w("")
    w("- Each configuration is its own Envoy (`--concurrency 1`, log level `warn`"
      + (", `wasm:info` to /dev/null so the audit lines are written" if a.audit_log
         else ": the filter's info-level audit lines are dropped by the host") + ") on "
      "127.0.0.1, in front of `bench/upstream` (std-only Rust, thread per connection, fixed 200 "
      "JSON reply): a separate process, so only the Envoy under test is in the CPU figures.")
    w("- CPU: utime+stime of the Envoy PID from `/proc/<pid>/stat`, read just before each wrk run "
      "and again once Envoy has gone idle after it (requests still queued when wrk stops are "
      "finished then, and must not spill into the next configuration's run), divided by the "
      "requests Envoy forwarded to the upstream in that window (`cluster.upstream.upstream_rq_total`; "
      "it includes the few that wrk gave up on at the end, which Envoy processed all the same). "
      "Requests/s and latency are wrk's: completed requests only.")
    w("- Load: wrk with a Lua script (`bench/wrk.lua`) that POSTs the body's variants in turn with "
      "`Content-Type: application/json` and an `Authorization` header; percentiles come from "
      "wrk's latency histogram in the script's `done` callback.")
    w("- Order: for each repetition, body and connection count, the configurations run back to "
      "back; each (configuration, body) pair is warmed up once before its first measured run. "
      "Figures are medians over repetitions; ratios are medians of the per-repetition ratios "
      "(same body, same connections, same repetition).")
    w("- `ours MB/s per core` = body bytes / Envoy CPU per request with our filter: the rate one "
      "Envoy core moves bodies through it, Envoy's own work included.")
    runs = [r for rs in R.values() for r in rs]
    if runs:
        def span(key):
            xs = [r[key] * 100 for r in runs]
            return f"{min(xs):.0f}-{max(xs):.0f}%"

        w(f"- Harness load during the measured runs (share of one core): Envoy under test "
          f"{span('envoy_core')}, wrk {span('wrk_core')}, mock upstream {span('upstream_core')} "
          f"({m['nproc']} cores in all).")
    if ctx["notes"]:
        w("")
        w("## Flags")
        w("")
        for n in ctx["notes"]:
            w(f"- {n}")
    w("")
    Path(path).write_text("\n".join(lines))


# ---------------------------------------------------------------- core bench hook


def run_core(args):
    if args.core == "skip":
        return None, "skipped (`--core skip`)"
    repo = args.repo
    # The dev-only crate (devkit/) holds it; earlier trees kept it in src/bin/.
    cmd = ["cargo", "run", "--release", "--quiet", "--bin", "bench_core"]
    if (repo / "devkit" / "src" / "bin" / "bench_core.rs").exists():
        cmd[4:4] = ["-p", "ocf-devkit"]
        has = True
    else:
        has = (repo / "src" / "bin" / "bench_core.rs").exists() or (repo / "src" / "bin" / "bench_core").is_dir()
    if not has:
        try:
            has = 'name = "bench_core"' in (repo / "Cargo.toml").read_text()
        except OSError:
            has = False
    if not has:
        return None, f"no `bench_core` binary in {repo}"
    log(f"running the core benchmark ({' '.join(cmd)})")
    return run_native(args, cmd, "bench_core"), None


def run_native(args, cmd, name):
    """Runs a native benchmark binary (`cmd`, in the repo) and returns what it printed."""
    try:
        r = subprocess.run(cmd, cwd=args.repo, capture_output=True, text=True,
                           timeout=args.core_timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{name} took longer than {args.core_timeout}s")
    if r.returncode != 0:
        raise BenchError(f"{name} failed: {r.stderr.strip()[-500:]}")
    return r.stdout


def run_settle(args):
    """`make bench-settle` (devkit settle_cost): settling sparse and dense rewrites, native."""
    if args.core == "skip":
        return None, "skipped (`--core skip`)"
    if not (args.repo / "devkit" / "src" / "bin" / "settle_cost.rs").exists():
        return None, f"no `settle_cost` binary in {args.repo}"
    cmd = ["cargo", "run", "--release", "--quiet", "-p", "ocf-devkit", "--bin", "settle_cost"]
    log(f"running the settle benchmark ({' '.join(cmd)})")
    return run_native(args, cmd, "settle_cost"), None


# ---------------------------------------------------------------- restoration (V8, no Envoy)

# The same policy with and without `restore` (the Makefile's VM_RESTORE_OFF / VM_RESTORE_ON).
RESTORE_OFF = '{"detectors":{"default_action":"pseudonymize"}}'
RESTORE_ON = '{"detectors":{"default_action":{"action":"pseudonymize","restore":true}}}'
RESTORE_BODY = "chat-16KB-findings"
RESTORE_REPS = 3


def parse_vm_profile(out):
    """vm_profile.js's figures: the request's total, each callback's, the reply's size (KiB)."""
    total = re.search(r"([\d.]+) us per request in the VM", out)
    reply = re.search(r"reply: \w+, ([\d.]+) KiB", out)
    line = next((l.strip() for l in out.splitlines() if l.startswith("  context ")), "")
    calls = {}
    for item in line.split(", "):
        name, _, value = item.rpartition(" ")
        try:
            calls[name] = float(value)
        except ValueError:
            pass
    if not total or not reply or "response body" not in calls:
        raise BenchError(f"vm_profile: unexpected output:\n{out[-800:]}")
    return {"total": float(total.group(1)), "reply_kib": float(reply.group(1)), "calls": calls}


def run_restore(args):
    """Pseudonym restoration's cost per request and per KiB of reply in Node's V8 (bench/vm_profile.js):
    the same 16 KiB body with findings, its placeholders echoed in a JSON and an SSE reply, with
    and without `restore`; off and on alternate, median of RESTORE_REPS (CPU time)."""
    if args.restore == "skip":
        return None, "skipped (`--restore skip`)"
    node = shutil.which("node")
    variants = TARGET / "bodies" / f"{RESTORE_BODY}.variants"
    if not node:
        return None, "node is not installed (`make vm-deps` installs it)"
    if not variants.exists():
        subprocess.run([sys.executable, str(BENCH / "bodies.py"), str(TARGET / "bodies"), "--variants"],
                       check=True, capture_output=True)
    files = variants.read_text().strip()
    out = {}
    for reply in ("json", "sse"):
        runs = {"off": [], "on": []}
        for _ in range(RESTORE_REPS):
            for name, policy in (("off", RESTORE_OFF), ("on", RESTORE_ON)):
                r = subprocess.run(
                    [node, str(BENCH / "vm_profile.js"), str(args.ours), files, "--requests", "1000",
                     "--policy", policy, "--reply", reply, "--cpu-time"],
                    capture_output=True, text=True, timeout=600,
                )
                if r.returncode != 0:
                    raise BenchError(f"vm_profile ({reply}, restore {name}) failed: {r.stderr[-500:]}")
                runs[name].append(parse_vm_profile(r.stdout))
        out[reply] = runs
    return out, None


def write_restore(w, restore, reason):
    w("## Pseudonym restoration in replies (V8, no Envoy)")
    w("")
    if not restore:
        w(f"Not run: {reason}.")
        w("")
        return
    w(f"`bench/vm_profile.js` runs the module in Node's V8 with a mock host: {RESTORE_BODY} bodies "
      "whose findings are pseudonymised, and a reply that echoes every placeholder the request "
      "minted (as JSON, and as an SSE stream of small events), with the same policy without and "
      f"with `restore`. Median of {RESTORE_REPS}, CPU time per request (µs). The budget (issue "
      "22): at most 1 µs per KiB of reply plus 5 µs per request with restoration on.")
    w("")
    w("| reply | KiB | total off | total on | response body off | on | +µs per KiB of reply | rest of the request off | on | +µs per request |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    med = statistics.median
    for reply, runs in restore.items():
        def m(name, f):
            return med(f(r) for r in runs[name])
        body = lambda r: r["calls"].get("response body", 0.0)
        rest = lambda r: r["total"] - body(r)
        kib = med(r["reply_kib"] for r in runs["on"])
        w(f"| {reply} | {kib:.1f} | {m('off', lambda r: r['total']):.1f} | {m('on', lambda r: r['total']):.1f} "
          f"| {m('off', body):.1f} | {m('on', body):.1f} | {(m('on', body) - m('off', body)) / kib:+.2f} "
          f"| {m('off', rest):.1f} | {m('on', rest):.1f} | {m('on', rest) - m('off', rest):+.1f} |")
    w("")


# ---------------------------------------------------------------- memory touched (V8, no Envoy)

# The Makefile's MEM_BODIES.
MEMORY_BODIES = ["chat-1KB-clean", "chat-1KB-findings", "chat-16KB-clean", "chat-16KB-findings",
                 "chat-256KB-clean", "chat-256KB-findings"]
# The module with counted heap allocations (feature `alloc-stats`), the Makefile's ALLOC_WASM.
ALLOC_TARGET_DIR = Path("target/alloc-stats")
ALLOC_WASM_REL = ALLOC_TARGET_DIR / "wasm32-wasip1" / "release" / "openai_compliance_filter.wasm"


def run_memory(args):
    """Memory written per request, per callback, in Node's V8 (bench/vm_profile.js --memory):
    the 64-byte lines and 4 KiB pages of the module's linear memory that changed, and the heap
    allocations, counted by the `alloc-stats` build of the module when --ours is the repo's own
    build (else lines and pages only)."""
    if args.memory == "skip":
        return None, "skipped (`--memory skip`)"
    node = shutil.which("node")
    if not node:
        return None, "node is not installed (`make vm-deps` installs it)"
    wasm = args.ours
    if args.ours.resolve() == (args.repo / OURS_REL).resolve():
        log("memory: building the alloc-stats variant of our module")
        r = subprocess.run(["cargo", "build", "--release", "--quiet", "--lib", "--target", "wasm32-wasip1",
                            "--features", "alloc-stats", "--target-dir", str(args.repo / ALLOC_TARGET_DIR)],
                           cwd=args.repo)
        if r.returncode == 0:
            wasm = args.repo / ALLOC_WASM_REL
        else:
            log("memory: the alloc-stats build failed; lines and pages only")
    out = {}
    for b in MEMORY_BODIES:
        variants = TARGET / "bodies" / f"{b}.variants"
        if not variants.exists():
            subprocess.run([sys.executable, str(BENCH / "bodies.py"), str(TARGET / "bodies"), "--variants"],
                           check=True, capture_output=True)
        r = subprocess.run(
            [node, str(BENCH / "vm_profile.js"), str(wasm), variants.read_text().strip(), "--memory", "--json",
             "--policy", args.policy_json],
            capture_output=True, text=True, timeout=600,
        )
        if r.returncode != 0:
            raise BenchError(f"vm_profile --memory ({b}) failed: {r.stderr[-500:]}")
        line = next((l for l in r.stdout.splitlines() if l.startswith('{"memory"')), None)
        if not line:
            raise BenchError(f"vm_profile --memory: unexpected output:\n{r.stdout[-800:]}")
        out[b] = json.loads(line)["memory"]
    return out, None


def write_memory(w, memory, reason):
    w("## Memory touched per request (V8, no Envoy)")
    w("")
    if not memory:
        w(f"Not run: {reason}.")
        w("")
        return
    first = next(iter(memory.values()))
    alloc = first["alloc_stats"]
    w("`bench/vm_profile.js --memory` (`make bench-memory`) runs the module in Node's V8 with a mock "
      "host, copies its linear memory before each callback and compares after it: the 64-byte "
      "lines it wrote (changed; a write of the value already there is not seen, so these are lower "
      "bounds), per callback, and their union over the request (a line written in two callbacks "
      "counts once: the request's footprint), with the 4 KiB pages of that union. The host's copies "
      "into the module's memory (headers, body, reply) count: Envoy makes the same ones. "
      + ("Allocations: heap allocations and reallocations per request and the bytes they asked for, "
         "from the module built with the `alloc-stats` feature (the system allocator wrapped with "
         "counters). " if alloc else "")
      + f"Mean of {first['requests']} requests per body, each body's variants in turn.")
    w("")
    cols = ["request headers", "request body", "response headers", "response body", "log"]
    head = "| body | " + " | ".join(cols) + " | other | sum | union (KiB) | union pages |"
    rule = "|---|" + "---:|" * (len(cols) + 4)
    if alloc:
        head += " allocs | alloc KiB | heap peak KiB |"
        rule += "---:|---:|---:|"
    w("Lines written per request (64 B), by callback (`other`: the context's creation and deletion):")
    w("")
    w(head)
    w(rule)
    for b, m in memory.items():
        steps = {s["step"]: s for s in m["steps"]}
        other = sum(s["lines"] for k, s in steps.items() if k not in cols)
        row = (f"| {b} | " + " | ".join(f"{steps[c]['lines']:.0f}" for c in cols)
               + f" | {other:.0f} | {m['sum']['lines']:.0f} | {m['request']['lines']:.0f} "
               f"({m['request']['lines'] * 64 / 1024:.1f}) | {m['request']['pages']:.1f} |")
        if alloc:
            row += (f" {m['sum']['allocs'] + m['sum']['reallocs']:.0f} | {m['sum']['alloc_kib']:.1f} "
                    f"| {m['request']['heap_peak_kib']:.1f} |")
        w(row)
    w("")
    tables = first.get("tables") or {}
    w("Linear memory: "
      + ", ".join(f"{m['linear_memory']['end'] // 1024} KiB at {b}" for b, m in memory.items())
      + f"; static data {first['static_data'] / 1024:.1f} KiB."
      + (f" Read side: the fixed tables the detection pass consults per byte or per word "
         f"(`src/detect/anchors.rs`) hold {sum(tables.values()) / 1024:.1f} KiB ("
         + ", ".join(f"{k.split(' ')[0]} {v} B" for k, v in tables.items()) + ")." if tables else ""))
    w("")


# ---------------------------------------------------------------- main


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke mode: one small body, 1 rep, ~1 s per config")
    p.add_argument("--envoy", type=Path, help="Envoy binary (default: <repo>/.venv/bin/envoy, else /work/main/.venv/bin/envoy)")
    p.add_argument("--ours", type=Path, help=f"our filter's wasm (default: <repo>/{OURS_REL}, else /work/main/{OURS_REL})")
    p.add_argument("--skip-ours", action="store_true", help="run without our filter (only when its wasm is not built)")
    p.add_argument("--policy", default="{}", help="policy for our filter: a JSON file path or inline JSON (default `{}`)")
    p.add_argument("--out", type=Path, help="report path (default <repo>/BENCHMARKS.md; quick: bench/target/BENCHMARKS.quick.md)")
    p.add_argument("--json-out", type=Path, help="raw results (default: bench/target/last-run.json)")
    p.add_argument("--repo", type=Path, default=REPO, help="repo root (for defaults and bench_core)")
    p.add_argument("--duration", type=int, help="seconds per measured wrk run (default 3; quick 1)")
    p.add_argument("--warmup", type=int, help="seconds of warm-up per config x body (default 1; quick 0)")
    p.add_argument("--reps", type=int, help="repetitions (default 3; quick 1)")
    p.add_argument("--conns", type=lambda s: [int(x) for x in s.split(",")], help="connection counts (default 2,16; quick 16)")
    p.add_argument("--bodies", help="comma-separated body names to load (default all; quick chat-1KB-findings); sanity always covers all")
    p.add_argument("--configs", help=f"comma-separated subset of {','.join(CONFIGS)}")
    p.add_argument("--header", action="append", help="extra request header 'Name: value' (default: a fake Authorization)")
    p.add_argument("--seed", type=int, default=bodies.SEED, help="body generator seed")
    p.add_argument("--variants", type=int, help="distinct bodies the load cycles through per body (default: about 2 MiB of them, 4 to 512; quick 4; 1: one body sent again and again)")
    p.add_argument("--audit-log", action="store_true", help="let Envoy write the filter's info-level audit lines (to /dev/null); default: Envoy logs at warn, so they are dropped by the host")
    p.add_argument("--max-minutes", type=float, help="stop measuring (and fail) past this wall time (default 45; quick 5)")
    p.add_argument("--no-redaction-check", action="store_true", help="don't require ours to rewrite with-findings bodies (for policies that don't redact)")
    p.add_argument("--core", choices=["auto", "skip"], help="run bench_core if the repo has it (default auto; quick skip)")
    p.add_argument("--core-timeout", type=int, default=600)
    p.add_argument("--restore", choices=["auto", "skip"], help="measure pseudonym restoration in V8 (bench/vm_profile.js; default auto; quick skip)")
    p.add_argument("--memory", choices=["auto", "skip"], help="measure the memory written per request in V8 (bench/vm_profile.js --memory; default auto; quick skip)")
    p.add_argument("--no-build", action="store_true", help="don't cargo-build bench/floor and bench/upstream")
    p.add_argument("--profile", action="store_true", help="also run bench/cpu_profile.py (perf, per callback) and add its section")
    cpu_profile().add_profile_args(p)
    a = p.parse_args(argv)
    q = a.quick
    a.duration = a.duration or (1 if q else 3)
    a.warmup = a.warmup if a.warmup is not None else (0 if q else 1)
    a.reps = a.reps or (1 if q else 3)
    a.conns = a.conns or ([16] if q else [2, 16])
    a.max_minutes = a.max_minutes or (5 if q else 45)
    a.core = a.core or ("skip" if q else "auto")
    a.restore = a.restore or ("skip" if q else "auto")
    a.memory = a.memory or ("skip" if q else "auto")
    a.variants = a.variants or (4 if q else 0)
    if a.variants < 0:
        p.error("--variants must be 1 or more (0 or none: the default)")
    a.header = a.header or DEFAULT_HEADERS
    a.repo = a.repo.resolve()

    def pick(given, rel):
        if given:
            return given.resolve()
        local = a.repo / rel
        return local if local.exists() else Path("/work/main") / rel

    a.envoy = pick(a.envoy, Path(".venv/bin/envoy"))
    a.ours = pick(a.ours, OURS_REL)
    a.out = (a.out or (TARGET / "BENCHMARKS.quick.md" if q else a.repo / "BENCHMARKS.md")).resolve()
    a.json_out = (a.json_out or TARGET / "last-run.json").resolve()
    if a.policy.lstrip().startswith("{"):
        a.policy_json, a.policy_desc = a.policy, a.policy
    else:
        a.policy_json, a.policy_desc = Path(a.policy).read_text(), a.policy
    json.loads(a.policy_json)
    if a.profile:
        cpu_profile().finish_profile_args(a, q)
    return a


def cpu_profile():
    """bench/cpu_profile.py, which imports this module as `run`: make that this very module
    when it runs as the script."""
    sys.modules.setdefault("run", sys.modules[__name__])
    import cpu_profile as mod

    return mod


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    atexit.register(kill_children)
    t_start = time.monotonic()

    configs = args.configs.split(",") if args.configs else list(CONFIGS)
    bad = [c for c in configs if c not in CONFIGS]
    if bad:
        raise BenchError(f"unknown configuration(s): {bad}")
    if "ours" in configs and not args.ours.exists():
        if args.skip_ours:
            configs.remove("ours")
        else:
            raise BenchError(
                f"our filter's wasm is missing: {args.ours}\n"
                "build it (cargo build --release --lib --target wasm32-wasip1), pass --ours PATH, "
                "or run with --skip-ours"
            )
    elif args.skip_ours and "ours" in configs:
        configs.remove("ours")
    if not args.envoy.exists():
        raise BenchError(f"Envoy not found at {args.envoy} (make the venv, or pass --envoy)")
    args.wrk = ensure_wrk()
    if args.profile:
        cpu_profile().ensure_perf()  # now, not after the load runs
    if not args.no_build:
        cargo_build(BENCH / "floor", "the floor filter")
        if "floor-json" in configs:
            cargo_build(BENCH / "floor", "the JSON floor filter",
                        ["--features", "json", "--target-dir", str(TARGET / "floor-json")])
        cargo_build(BENCH / "upstream", "the mock upstream")
        if args.profile:
            cargo_build(BENCH / "calibrate", "the profile's calibration filter")

    log("generating bodies")
    all_bodies = []
    for name, api, _label, findings, body, planted in bodies.all_bodies(args.seed):
        if not findings and bodies.check_clean(body):
            raise BenchError(f"generated clean body {name} is not clean: {bodies.check_clean(body)}")
        all_bodies.append(
            {"name": name, "api": api, "path": bodies.APIS[api], "findings": findings, "body": body,
             "planted": planted, "variants": [body]}
        )
    want = args.bodies.split(",") if args.bodies else (["chat-1KB-findings"] if args.quick else None)
    load_bodies = [b for b in all_bodies if want is None or b["name"] in want]
    if want and len(load_bodies) != len(want):
        raise BenchError(f"unknown body name(s) in --bodies; known: {[b['name'] for b in all_bodies]}")
    for b in load_bodies:
        n = args.variants or bodies.variant_count(len(b["body"]))
        try:
            b["variants"] = bodies.variants(
                b["api"], len(b["body"]), b["findings"], args.seed, n, first=b["body"]
            )
        except ValueError as e:
            raise BenchError(str(e)) from e

    workdir = Path(tempfile.mkdtemp(prefix="ocf-bench-"))
    global WORKDIR
    WORKDIR = workdir
    for b in all_bodies:
        b["file"] = workdir / f"{b['name']}.json"
        b["file"].write_bytes(b"".join(b["variants"]))

    # What is measured, named now: the tree may move on while the runs go (28 minutes).
    commit = tool_version(["git", "-C", str(args.repo), "rev-parse", "--short", "HEAD"])
    wasm_sha = {"floor": sha256_short(FLOOR_WASM)}
    if "floor-json" in configs:
        wasm_sha["floor-json"] = sha256_short(FLOOR_JSON_WASM)
    if "ours" in configs:
        wasm_sha["ours"] = sha256_short(args.ours)

    cells = len(configs) * len(load_bodies) * len(args.conns) * args.reps
    est = cells * (args.duration + 0.3) + len(configs) * len(load_bodies) * args.warmup
    log(f"{cells} measured runs of {args.duration}s, estimated {est / 60:.1f} min; work dir {workdir}")

    upstream, up_port = start_upstream()
    global UPSTREAM_PID
    UPSTREAM_PID = upstream.pid
    envoys = {c: Envoy(c, args, up_port, workdir) for c in configs}
    for e in envoys.values():
        e.wait_ready()
    log("envoys ready: " + ", ".join(f"{c}=:{e.port} (pid {e.pid})" for c, e in envoys.items()))

    notes = []
    log("sanity pass: one checked request per configuration x body variant")
    sanity_notes = sanity(envoys, all_bodies, args)
    if "ours" in configs:
        notes.append(f"ours rewrote {len(sanity_notes)} of {sum(b['findings'] for b in all_bodies)} with-findings bodies in the sanity pass.")

    results = {}
    failures = []
    deadline = t_start + args.max_minutes * 60

    def cells():
        """(rep, body, conns, config, seconds, warm-up?) in run order."""
        for rep in range(args.reps):
            for b in load_bodies:
                if rep == 0 and args.warmup:
                    for c in configs:
                        yield rep, b, max(args.conns), c, args.warmup, True
                for conns in args.conns:
                    for c in configs:
                        yield rep, b, conns, c, args.duration, False

    for rep, b, conns, c, seconds, warm in cells():
        if time.monotonic() + seconds > deadline:
            failures.append(f"stopped at {args.max_minutes} min (--max-minutes): figures are incomplete")
            break
        r = run_wrk(args, envoys[c], b, conns, seconds)
        what = f"{c} / {b['name']} / c={conns} / " + ("warm-up" if warm else f"rep {rep + 1}")
        bad = r["status"] or r["errors"] or not r["requests"]
        if bad:
            failures.append(
                f"{what}: {r['status']} non-2xx, {r['errors']} socket errors, {r['requests']} requests"
            )
        if warm:
            continue
        results.setdefault((c, b["name"], conns), []).append(r)
        log(f"rep {rep + 1} {b['name']:<24} c={conns:<2} {c:<10} "
            f"{r['rps']:9.0f} rps  {r['cpu_us_per_req']:9.1f} us/req  "
            f"p50 {r['p50_us'] / 1000:7.2f} ms  p99 {r['p99_us'] / 1000:7.2f} ms"
            + ("  <-- FAILED" if bad else ""))

    memory = {c: wasm_vm_memory(e) for c, e in envoys.items()}
    profile = None
    if args.profile and not failures:
        log("profile: perf per callback (bench/cpu_profile.py)")
        profile = cpu_profile().run_profile(args, up_port, workdir)
        failures += [f"profile: {f}" for f in profile["failures"]]
    kill_children()

    core, core_reason = run_core(args)
    settle, settle_reason = run_settle(args)
    restore, restore_reason = run_restore(args)
    memory_vm, memory_vm_reason = run_memory(args)
    wasm_sizes = {"floor (bench/floor)": FLOOR_WASM.stat().st_size}
    if "floor-json" in configs:
        wasm_sizes["floor-json (bench/floor, feature json)"] = FLOOR_JSON_WASM.stat().st_size
    if "ours" in configs:
        wasm_sizes["ours (openai_compliance_filter.wasm)"] = args.ours.stat().st_size
    if "ours" in configs and sha256_short(args.ours) != wasm_sha["ours"]:
        failures.append("our module changed on disk during the runs: the figures are of the "
                        f"module with sha256 {wasm_sha['ours']}")
    for f in failures:
        notes.append("FAILED: " + f)
    ctx = {
        "args": args,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        "envoy_version": tool_version([str(args.envoy), "--version"]).split("version:")[-1].strip(),
        "wrk_version": tool_version([args.wrk, "--version"]).split("Copyright")[0].strip(),
        "commit": commit,
        "configs": configs,
        "results": results,
        "load_bodies": load_bodies,
        "all_bodies": all_bodies,
        "sizes": {b["name"]: len(b["body"]) for b in all_bodies},
        "memory": memory,
        "wasm_sizes": wasm_sizes,
        "wasm_sha": wasm_sha,
        "core": core,
        "core_reason": core_reason,
        "settle": settle,
        "settle_reason": settle_reason,
        "restore": restore,
        "restore_reason": restore_reason,
        "memory_vm": memory_vm,
        "memory_vm_reason": memory_vm_reason,
        "notes": notes,
        "profile": profile,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_report(args.out, ctx)
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(
        {
            "date": ctx["date"], "machine": ctx["machine"], "envoy": ctx["envoy_version"],
            "configs": configs, "wasm_sizes": wasm_sizes, "memory": memory, "notes": notes,
            "runs": [{"config": k[0], "body": k[1], "conns": k[2], "reps": v} for k, v in results.items()],
        },
        indent=1,
    ))
    if not failures:
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"wrote {args.out} ({(time.monotonic() - t_start) / 60:.1f} min)")
    if failures:
        raise BenchError(f"{len(failures)} run(s) had errors:\n  " + "\n  ".join(failures))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as e:
        log(f"bench: FAILED: {e}")
        if WORKDIR:
            log(f"bench: Envoy configs and logs kept in {WORKDIR}")
        kill_children()
        sys.exit(1)
