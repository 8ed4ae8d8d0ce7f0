"""Deterministic, realistic OpenAI request bodies for the benchmark (stdlib only, no external data).

One job: turn (api, size, findings, seed, variant) into the exact bytes of a multi-turn request body.

- api: "chat" (POST /v1/chat/completions, `messages`) or "responses" (POST /v1/responses,
  `instructions` + `input` items with input_text/output_text parts).
- size: the exact body length in bytes.
- variant: which of several texts of the same kind and size (the load cycles through them).
- findings: False gives clean English-like text with no '@', no digits, no key prefixes and no
  long tokens, so no detector should fire; True plants about one finding per KiB (emails,
  Luhn-valid card numbers, phone numbers, sk-proj- API keys), cycling through the kinds.

Run `python3 bench/bodies.py OUTDIR` to write every body the benchmark uses, for inspection
(`--variants`: every variant too, and for each body a NAME.variants list for vm_profile.js).
"""

import json
import random
import sys
from pathlib import Path

# The default generator seed (`bench/run.py --seed`).
SEED = 7

APIS = {
    "chat": "/v1/chat/completions",
    "responses": "/v1/responses",
}

SIZES = {
    "1KB": 1024,
    "16KB": 16 * 1024,
    "256KB": 256 * 1024,
    "1MiB": 1024 * 1024,
}

# Plain lower-case English words: no digits, no '@', nothing that looks like a secret or a name
# of a customer term. Function words repeat so the text reads (vaguely) like prose.
_WORDS = """
the the the the a a a an and and and or but so of of of to to to in in in on for for with with
at by from about into over after before under between through during without within along
is is are was were be been being has have had do does did can could will would should may might
it it this that these those there here they we you he she them us our your their its
what which who when where why how all any each every some many much more most other such
only also just very still even again already always never often sometimes usually perhaps
team project customer report meeting plan budget schedule review draft summary question answer
system service request response model data table record document policy process result issue
change update version release feature support account invoice order payment delivery contract
market product price cost value growth risk goal target quarter month week day morning evening
office region country city street building room floor desk window garden river mountain forest
write read send receive share explain describe compare improve reduce increase check confirm
prepare review approve reject discuss consider suggest recommend summarise translate rewrite
analyse measure estimate compute plan organise schedule arrange deliver build test deploy
clear simple careful quick slow early late short long small large new old recent final main
important useful helpful possible likely different similar specific general public private
good better best bad worse strong weak high low full empty open closed ready busy free
please thanks sure certainly indeed however therefore meanwhile instead otherwise finally
people person colleague manager engineer analyst teacher student doctor lawyer writer reader
idea reason example detail point step stage part section chapter line page note list item
time place way thing case fact number problem solution option choice decision effort chance
""".split()

_FIRST = "alice bob carol dave erin frank grace heidi ivan judy mallory oscar peggy trent victor".split()
_LAST = "smith jones brown taylor wilson evans thomas johnson roberts walker wright hughes".split()
_DOMAINS = ["example.com", "example.org", "mail.example.net", "corp.example.com"]
_CARDS = [
    "4111 1111 1111 1111",
    "5555 5555 5555 4444",
    "4012 8888 8888 1881",
    "3782 822463 10005",
    "6011 1111 1111 1117",
    "4111-1111-1111-1111",
]
_PHONES = ["+1 415 555 0132", "(212) 555-0147", "+44 20 7946 0958", "+1-646-555-0199"]
_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
KINDS = ["email", "payment_card", "phone", "openai_api_key"]


class _Text:
    """Sentence source: seeded prose, with a finding planted every ~1 KiB when asked."""

    def __init__(self, rng: random.Random, findings: bool):
        self.rng = rng
        self.findings = findings
        # The first finding comes early, so even a 1 KiB body holds one.
        self.since = 900
        self.kind = 0
        self.planted = {k: 0 for k in KINDS}

    def _finding(self) -> str:
        r = self.rng
        kind = KINDS[self.kind % len(KINDS)]
        self.kind += 1
        self.planted[kind] += 1
        if kind == "email":
            v = f"{r.choice(_FIRST)}.{r.choice(_LAST)}@{r.choice(_DOMAINS)}"
            return f"You can reach me at {v} if anything is unclear."
        if kind == "payment_card":
            return f"The charge went to my card {r.choice(_CARDS)} last week, can you check it?"
        if kind == "phone":
            return f"Call my desk on {r.choice(_PHONES)} before noon."
        key = "sk-proj-" + "".join(r.choice(_KEY_ALPHABET) for _ in range(48))
        return f"The service uses the key {key} in the staging setup."

    def sentence(self) -> str:
        if self.findings and self.since >= 1024:
            self.since = 0
            s = self._finding()
        else:
            r = self.rng
            words = [r.choice(_WORDS) for _ in range(r.randint(6, 18))]
            if len(words) > 9 and r.random() < 0.3:
                words[r.randint(3, len(words) - 4)] += ","
            end = "?" if r.random() < 0.12 else "."
            s = " ".join(words)
            s = s[0].upper() + s[1:] + end
        self.since += len(s) + 1
        return s

    def paragraph(self, approx: int) -> str:
        out, n = [], 0
        while n < approx:
            s = self.sentence()
            out.append(s)
            n += len(s) + 1
        return " ".join(out)

    def message(self, approx: int) -> str:
        """Text of about `approx` bytes, in paragraphs separated by blank lines."""
        paras, n = [], 0
        while n < approx:
            p = self.paragraph(min(approx - n, self.rng.randint(300, 900)))
            paras.append(p)
            n += len(p) + 2
        return "\n\n".join(paras)


def _chat(system: str, turns: list) -> dict:
    msgs = [{"role": "system", "content": system}]
    for i, t in enumerate(turns):
        msgs.append({"role": "user" if i % 2 == 0 else "assistant", "content": t})
    return {
        "model": "gpt-4o-mini",
        "messages": msgs,
        "temperature": 0.2,
        "max_tokens": 800,
        "user": "bench-client",
    }


def _responses(system: str, turns: list) -> dict:
    items = []
    for i, t in enumerate(turns):
        if i % 2 == 0:
            items.append({"role": "user", "content": [{"type": "input_text", "text": t}]})
        else:
            items.append(
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": t}],
                }
            )
    return {
        "model": "gpt-4.1-mini",
        "instructions": system,
        "input": items,
        "store": False,
        "max_output_tokens": 800,
    }


def _dump(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def variant_count(size: int) -> int:
    """Distinct bodies the load cycles through for one body of `size` bytes: about 2 MiB of
    text in all (at least 4, at most 512). One body sent again and again lets the CPU's
    branch predictors learn its text, which flatters a filter whose branches follow the bytes
    (and not a filter that only copies them)."""
    return max(4, min(512, (2 << 20) // size))


def generate(api: str, size: int, findings: bool, seed: int = SEED, variant: int = 0) -> tuple:
    """Returns (body bytes of exactly `size` bytes, {finding kind: count planted}). Variants
    of one (api, size, findings) are different texts of the same size and kind."""
    build = {"chat": _chat, "responses": _responses}[api]
    rng = random.Random(f"{seed}/{api}/{size}/{findings}" + (f"/{variant}" if variant else ""))
    text = _Text(rng, findings)
    system = (
        "You are a careful assistant for the operations team. Answer briefly, "
        "quote the relevant part of the question, and never guess."
    )
    turn_size = max(200, min(size // 6, 6000))
    turns = []
    # Grow whole turns while a full one still fits, then fill the tail exactly.
    while len(_dump(build(system, turns + [""]))) + turn_size * 1.2 < size:
        turns.append(text.message(rng.randint(turn_size // 2, turn_size * 3 // 2)))
    turns.append("")
    base = len(_dump(build(system, turns)))
    need = size - base
    if need < 1:
        raise ValueError(f"cannot fit a {api} body in {size} bytes")
    # The tail is one paragraph (no newlines, nothing to escape), so bytes == chars.
    tail = ""
    while len(tail) < need:
        tail += (" " if tail else "") + text.sentence()
    tail = tail[:need]
    if need > 1:
        tail = tail[:-1].rstrip(" ,")
        tail = tail + "." * (need - len(tail))
    turns[-1] = tail
    body = _dump(build(system, turns))
    if len(body) != size:
        raise AssertionError(f"{api} body is {len(body)} bytes, wanted {size}")
    json.loads(body)
    return body, text.planted


def variants(api: str, size: int, findings: bool, seed: int, n: int, first: bytes = None) -> list:
    """`n` distinct bodies of one kind and size: variant 0 first (`first`, when the caller has
    it already), then the next variants that fit the size (and, for clean ones, are clean)."""
    out = [first if first is not None else generate(api, size, findings, seed)[0]]
    v = 0
    while len(out) < n and v < 4 * n + 16:
        v += 1
        try:
            body = generate(api, size, findings, seed, v)[0]
        except ValueError:
            continue
        if findings or not check_clean(body):
            out.append(body)
    if len(out) < n:
        raise ValueError(f"only {len(out)} of {n} {api} bodies of {size} bytes could be made")
    return out


def check_clean(body: bytes) -> list:
    """Problems that would make a 'clean' body trip a detector (empty list when clean)."""
    text = body.decode()
    problems = []
    if "@" in text:
        problems.append("contains '@'")
    # Digits only where the JSON envelope puts numbers (temperature, max tokens).
    doc = json.loads(text)
    strings = []

    def walk(v):
        if isinstance(v, str):
            strings.append(v)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for k, x in v.items():
                strings.append(k)
                walk(x)

    walk(doc)
    for s in strings:
        if any(c.isdigit() for c in s) and not s.startswith("gpt-"):
            problems.append("a string contains digits")
            break
        if "sk-" in s:
            problems.append("a string contains 'sk-'")
            break
    return problems


def all_bodies(seed: int = SEED):
    """Yields (name, api, size label, findings, body, planted) for every benchmark body."""
    for api in APIS:
        for label, size in SIZES.items():
            for findings in (False, True):
                body, planted = generate(api, size, findings, seed)
                name = f"{api}-{label}-{'findings' if findings else 'clean'}"
                yield name, api, label, findings, body, planted


def main(argv):
    args = argv[1:]
    with_variants = "--variants" in args
    args = [a for a in args if a != "--variants"]
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python3 bench/bodies.py [DIR] [--variants]   (default bench/target/bodies)",
              file=sys.stderr)
        return 2
    out = Path(args[0] if args else "bench/target/bodies")
    out.mkdir(parents=True, exist_ok=True)
    for name, api, _label, findings, body, planted in all_bodies():
        (out / f"{name}.json").write_bytes(body)
        bad = [] if findings else check_clean(body)
        print(name, len(body), "planted", sum(planted.values()), "PROBLEMS " + str(bad) if bad else "")
        if with_variants:
            # NAME.vI.json for each variant, and NAME.variants: their paths, comma-separated
            # (what `bench/vm_profile.js` takes), the first being NAME.json.
            paths = [out / f"{name}.json"]
            n = variant_count(len(body))
            for i, v in enumerate(variants(api, len(body), findings, SEED, n, first=body)):
                if i:
                    paths.append(out / f"{name}.v{i}.json")
                    paths[-1].write_bytes(v)
            (out / f"{name}.variants").write_text(",".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
