"""A wasm VM's linear memory, read from outside the process (stdlib only).

Shared by bench/run.py (BENCHMARKS.md), tests/e2e (memory stays bounded) and scripts/soak.py.
"""

from pathlib import Path


def wasm_linear_memories(pid: int) -> list[int]:
    """Committed size (bytes) of every wasm linear memory in process `pid`, largest first.

    Envoy 1.40 has no stat for a wasm VM's memory (`/stats?filter=wasm` only counts VMs:
    `wasm.envoy.wasm.runtime.v8.active`/`created`, `wasm.wasm_vm_count`). V8 reserves each 32-bit
    wasm memory as one whole-GiB region (8 GiB with guard pages) and commits its first
    memory.size x 64 KiB read-write; the rest stays a `---p` mapping. So in /proc/<pid>/maps each
    VM shows as a `---p` mapping of more than 4 GiB, and its committed linear memory is the
    region's whole-GiB size minus that mapping. This is the module's heap as the VM grew it
    (memory never shrinks), i.e. its high-water mark.
    """
    sizes = []
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        parts = line.split()
        if len(parts) < 2 or parts[1] != "---p":
            continue
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        size = hi - lo
        if size > 4 << 30:
            whole = -(-size // (1 << 30)) << 30
            sizes.append(whole - size)
    return sorted(sizes, reverse=True)
