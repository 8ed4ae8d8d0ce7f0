#!/usr/bin/env python3
"""How placeholder forms tokenize under o200k_base (the tokenizer of gpt-4o, gpt-4.1, o-series).

A placeholder the model must copy back exactly should be few tokens, and should tokenize the
same wherever it stands (after a space, a quote, a newline; before a comma, a full stop, `'s`):
when its first or last token merges with a neighbour, the model has to produce a different
token sequence to write the same placeholder, and re-cased or split forms become likelier.

    python3 scripts/placeholder_tokens.py --bpe PATH/o200k_base.tiktoken

tiktoken downloads its BPE file from the internet at run time, which CI and the developers'
machines cannot reach. The file is read from a path instead, and checked against the SHA-256
tiktoken itself pins for o200k_base, so the ranks are byte for byte the published ones. The
Rust crate `tiktoken-rs` (crates.io) ships that very file (`assets/o200k_base.tiktoken`):
`cargo fetch` a project that depends on it, and pass the path under ~/.cargo/registry/src.
"""

from __future__ import annotations

import argparse
import sys

# The hash tiktoken pins for o200k_base (tiktoken_ext/openai_public.py).
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"

FORMS = [
    "[EMAIL_1]", "[EMAIL_7]", "[EMAIL_42]", "[EMAIL_123]", "[EMAIL_4821]", "[EMAIL_48213]",
    "[EMAIL_482913]", "[PERSON_1]", "[PHONE_1]", "[CARD_1]", "[IBAN_1]", "[SSN_1]",
    "[IP_ADDRESS_1]", "[EMAIL1]", "<EMAIL_1>", "{{EMAIL_1}}", "[[EMAIL_1]]", "EMAIL_1",
    "{EMAIL_1}", "[email_1]", "[Email_1]", "<<EMAIL_1>>", "__EMAIL_1__", "[EMAIL-1]",
    "[EMAIL_A7]", "[EMAIL_x7k2]",
]
# Where a placeholder stands in text the model writes: (before, after).
CONTEXTS = [
    ("", ""), ("Dear ", ","), ("to ", "."), ("(", ")"), ('"', '"'), ("\n", "\n"),
    ("to ", "'s"), ("email:", " "), ("- ", ":"), ('{"to":"', '"}'), ("**", "**"),
]


def encoding(path: str):
    """tiktoken's own o200k_base spec, its ranks read from `path` (hash-checked) instead of
    downloaded."""
    import tiktoken
    import tiktoken_ext.openai_public as public
    from tiktoken.load import load_tiktoken_bpe

    download = public.load_tiktoken_bpe
    public.load_tiktoken_bpe = lambda _url, expected_hash=None: load_tiktoken_bpe(
        path, expected_hash=O200K_SHA256)
    try:
        spec = public.o200k_base()
    finally:
        public.load_tiktoken_bpe = download
    return tiktoken.Encoding(**spec)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bpe", required=True, help="path of o200k_base.tiktoken")
    args = ap.parse_args()
    enc = encoding(args.bpe)
    print("| form | tokens alone | pieces | tokens in context (min-max) | contexts where it "
          "tokenizes as alone |")
    print("|---|---:|---|---:|---:|")
    for form in FORMS:
        alone = enc.encode(form)
        pieces = [enc.decode([t]) for t in alone]
        counts, same = [], 0
        for before, after in CONTEXTS:
            b, a = enc.encode(before), enc.encode(after)
            whole = enc.encode(before + form + after)
            # The placeholder's own tokens: the whole minus its neighbours' own tokens.
            counts.append(len(whole) - len(b) - len(a))
            if whole == b + alone + a:
                same += 1
        shown = " ".join(f"`{p}`" for p in pieces).replace("|", "\\|")
        print(f"| `{form}` | {len(alone)} | {shown} | {min(counts)}-{max(counts)} | "
              f"{same}/{len(CONTEXTS)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
