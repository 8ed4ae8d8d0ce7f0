#!/usr/bin/env python3
"""Writes the built module as an OCI image layout, without Docker: the Wasm image "compat"
variant that Istio's WasmPlugin and Envoy Gateway's EnvoyExtensionPolicy pull.

    python3 scripts/oci_image.py --wasm target/wasm32-wasip1/release/openai_compliance_filter.wasm \
        --out target/oci --tag 0.1.0 [--revision COMMIT]

The format, as Istio reads it (istio/istio pkg/wasm/imagefetcher.go, `extractOCIStandardImage`;
the variant is specified in solo-io/wasm spec/spec-compat.md): an OCI image manifest whose last
layer has media type `application/vnd.oci.image.layer.v1.tar+gzip` and is a tar holding
`plugin.wasm`; the manifest is annotated `module.wasm.image/variant: compat`. The config is a
plain OCI image config (`application/vnd.oci.image.config.v1+json`) naming the layer's diff id.
The layout itself (oci-layout, index.json, blobs/sha256/...) is the OCI image-layout spec's.
Everything is deterministic (tar and gzip timestamps 0, sorted JSON keys), so the same module
gives the same manifest digest. Prints the manifest digest. Push it with skopeo, e.g.
`skopeo copy oci:target/oci:0.1.0 docker://registry.example.com/platform/openai-compliance-filter:0.1.0`.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def layer_tar(wasm: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("plugin.wasm")
        info.size, info.mode, info.mtime = len(wasm), 0o644, 0
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        tar.addfile(info, io.BytesIO(wasm))
    return buf.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def revision() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             check=True, timeout=30)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def write(out: Path, wasm: bytes, tag: str, rev: str) -> str:
    """Writes the layout into `out` (replaced); returns the manifest digest."""
    if out.exists():
        shutil.rmtree(out)
    blobs = out / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def blob(data: bytes, media_type: str) -> dict:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}

    tar = layer_tar(wasm)
    layer = blob(gzip_bytes(tar), LAYER)
    config = blob(canonical({
        "architecture": "wasm",
        "os": "wasip1",
        "config": {},
        "rootfs": {"type": "layers",
                   "diff_ids": [f"sha256:{hashlib.sha256(tar).hexdigest()}"]},
    }), CONFIG)
    manifest = blob(canonical({
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": config,
        "layers": [layer],
        "annotations": {
            "module.wasm.image/variant": "compat",
            "org.opencontainers.image.title": "openai-compliance-filter",
            "org.opencontainers.image.version": tag,
            "org.opencontainers.image.revision": rev,
            "org.opencontainers.image.licenses": "Apache-2.0",
        },
    }), MANIFEST)
    manifest["annotations"] = {"org.opencontainers.image.ref.name": tag}
    (out / "index.json").write_bytes(canonical({
        "schemaVersion": 2, "mediaType": INDEX, "manifests": [manifest]}))
    (out / "oci-layout").write_bytes(canonical({"imageLayoutVersion": "1.0.0"}))
    return manifest["digest"]


def plugin_of_layout(layout: Path, tag: str) -> bytes:
    """Reads the module back the way Istio does: the manifest of `tag`, its last layer as a
    gzipped tar, the member named plugin.wasm."""
    index = json.loads((layout / "index.json").read_text())
    (desc,) = [m for m in index["manifests"]
               if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag]
    blob = lambda d: (layout / "blobs" / "sha256" / d.split(":", 1)[1]).read_bytes()  # noqa: E731
    manifest = json.loads(blob(desc["digest"]))
    layer = manifest["layers"][-1]
    assert layer["mediaType"] == LAYER, layer
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob(layer["digest"])))) as tar:
        for member in tar.getmembers():
            if Path(member.name).name == "plugin.wasm":
                f = tar.extractfile(member)
                assert f is not None
                return f.read()
    raise AssertionError("plugin.wasm not found in the layer")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wasm", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--revision", default=None)
    args = ap.parse_args(argv)
    if not args.wasm.is_file():
        print(f"module not found: {args.wasm} (make build)", file=sys.stderr)
        return 2
    digest = write(args.out, args.wasm.read_bytes(), args.tag, args.revision or revision())
    print(f"{args.out}:{args.tag} {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
