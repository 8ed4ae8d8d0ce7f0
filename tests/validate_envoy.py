#!/usr/bin/env python3
"""Runs `envoy --mode validate` on every Envoy bootstrap YAML given (files or directories).

Envoy's validate mode really loads the wasm module named in the config, so each bootstrap is
validated through a temporary copy whose `vm_config.code.local.filename` points at the built
module (`--wasm`). Files that are not Envoy bootstraps (Istio resources, compose files) are
listed and left alone. Exits non-zero if any bootstrap fails or none is found.

    python3 tests/validate_envoy.py --envoy .venv/bin/envoy --wasm target/.../x.wasm envoy
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import yaml


def is_bootstrap(doc: Any) -> bool:
    """A YAML document is an Envoy bootstrap if it has static resources or dynamic config."""
    return isinstance(doc, dict) and bool(
        {"static_resources", "dynamic_resources"} & set(doc)
    )


def yaml_files(paths: list[str]) -> Iterator[Path]:
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(p.rglob("*.yaml"))
            yield from sorted(p.rglob("*.yml"))
        else:
            yield p


def wasm_code_locals(node: Any) -> Iterator[dict]:
    """Every `vm_config.code.local` mapping in a config tree."""
    if isinstance(node, dict):
        vm = node.get("vm_config")
        if isinstance(vm, dict):
            local = (vm.get("code") or {}).get("local")
            if isinstance(local, dict):
                yield local
        for v in node.values():
            yield from wasm_code_locals(v)
    elif isinstance(node, list):
        for v in node:
            yield from wasm_code_locals(v)


def with_wasm(doc: dict, wasm: Path) -> dict:
    """The bootstrap with every local wasm filename replaced by `wasm` (in place)."""
    for local in wasm_code_locals(doc):
        local["filename"] = str(wasm.resolve())
    return doc


def wasm_configurations(node: Any) -> Iterator[dict]:
    """Every wasm plugin `configuration` mapping (the policy, a StringValue) in a config tree."""
    if isinstance(node, dict):
        if isinstance(node.get("vm_config"), dict) and isinstance(node.get("configuration"), dict):
            yield node["configuration"]
        for v in node.values():
            yield from wasm_configurations(v)
    elif isinstance(node, list):
        for v in node:
            yield from wasm_configurations(v)


def with_policy(doc: dict, policy: str) -> dict:
    """The bootstrap with every wasm plugin's policy replaced by `policy` (in place)."""
    for conf in wasm_configurations(doc):
        conf["value"] = policy
    return doc


def validate(envoy: str, doc: dict, wasm: Path, label: str) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="ocf-validate-") as tmp:
        path = Path(tmp) / "bootstrap.yaml"
        path.write_text(yaml.safe_dump(with_wasm(doc, wasm), sort_keys=False))
        proc = subprocess.run(
            [envoy, "--mode", "validate", "-c", str(path), "-l", "warn"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    out = (proc.stdout + proc.stderr).strip()
    return proc.returncode == 0, f"{label}: exit {proc.returncode}\n{out}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--envoy", required=True)
    ap.add_argument("--wasm", required=True, type=Path)
    ap.add_argument("--policies", type=Path, help="also validate every *.json policy in this "
                    "directory, each inside envoy/demo.yaml (Envoy runs the filter's on_configure)")
    ap.add_argument("--template", type=Path, default=Path(__file__).parent.parent / "envoy" /
                    "demo.yaml", help="bootstrap the policies are validated in")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args(argv)
    if not args.wasm.is_file():
        print(f"wasm module not found: {args.wasm} (run `make build`)", file=sys.stderr)
        return 2
    checked, failed = 0, 0
    for f in yaml_files(args.paths):
        docs = [d for d in yaml.safe_load_all(f.read_text()) if d is not None]
        if len(docs) == 1 and is_bootstrap(docs[0]):
            ok, report = validate(args.envoy, docs[0], args.wasm, str(f))
            checked += 1
            if ok:
                print(f"ok       {f}")
            else:
                failed += 1
                print(f"FAILED   {f}\n{report}", file=sys.stderr)
        else:
            print(f"skipped  {f} (not an Envoy bootstrap)")
    if args.policies:
        template = yaml.safe_load(args.template.read_text())
        for f in sorted(args.policies.glob("*.json")):
            doc = with_policy(yaml.safe_load(yaml.safe_dump(template)), f.read_text())
            ok, report = validate(args.envoy, doc, args.wasm, str(f))
            checked += 1
            if ok:
                print(f"ok       {f} (policy, in {args.template})")
            else:
                failed += 1
                print(f"FAILED   {f}\n{report}", file=sys.stderr)
    if checked == 0:
        print("no Envoy bootstrap found", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
