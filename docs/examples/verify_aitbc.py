#!/usr/bin/env python3
"""An independent verifier of aitbc receipts and ledgers, written from docs/protocol.md alone.

Needs Python 3.9+ and PyNaCl (Debian: apt-get install python3-nacl; elsewhere: pip install pynacl).

    verify_aitbc.py receipts --key KEY_ID [--key KEY_ID ...] FILE...   # JSON Lines: one receipt a line
    verify_aitbc.py chain --key KEY_ID FILE                            # a JSON array of blocks
    verify_aitbc.py vectors DIR                                        # test/vectors/protocol/

Prints one JSON line per receipt or block, then a summary; exits 0 when everything verified (or, for
`vectors`, when every vector gave its expected outcome), 1 otherwise, 2 on bad usage.
"""
import argparse
import base64
import hashlib
import json
import math
import re
import sys
from pathlib import Path

try:
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey
except ImportError:  # pragma: no cover - reported to the user
    sys.exit("verify_aitbc.py needs PyNaCl: apt-get install python3-nacl (or pip install pynacl)")


class NoForm(Exception):
    """A value that has no canonical form (a lone surrogate, a number that is not a finite double)."""


# ---------------------------------------------------------------- encodings (section 1)

B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def b64url_decode(text):
    """Strict unpadded base64url in its one canonical spelling, or None."""
    if not isinstance(text, str) or not B64URL.match(text) or len(text) % 4 == 1:
        return None
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return data if base64.urlsafe_b64encode(data).decode().rstrip("=") == text else None


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- RFC 8785 (section 4)

def jcs(value):
    """The RFC 8785 canonical form of a parsed JSON value, as UTF-8 bytes."""
    return _jcs(value).encode("utf-8")


def _jcs(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return es_number(value)
    if isinstance(value, str):
        return jcs_string(value)
    if isinstance(value, list):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        for key in value:
            well_formed(key)
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))  # UTF-16 code units
        return "{" + ",".join(jcs_string(k) + ":" + _jcs(value[k]) for k in keys) + "}"
    raise NoForm("not a JSON value")


def well_formed(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NoForm("a string holds a lone surrogate")


SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def jcs_string(text):
    well_formed(text)
    out = []
    for ch in text:
        if ch in SHORT:
            out.append(SHORT[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def es_number(value):
    """ECMAScript Number#toString of the IEEE double of value."""
    try:
        x = float(value)
    except OverflowError:
        raise NoForm("a number beyond the double range")
    if not math.isfinite(x):
        raise NoForm("a number that is not finite")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr gives the shortest digits that read back as the same double; ECMAScript picks the same.
    mantissa, _, exponent = repr(abs(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    stripped = all_digits.lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(all_digits) - len(stripped))  # value = 0.DIGITS x 10^point
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    e = point - 1
    return sign + digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))


# ---------------------------------------------------------------- the upstream 1.0 form (section 5)

def remove_none(value):
    if isinstance(value, dict):
        return {k: remove_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [remove_none(v) for v in value if v is not None]
    return value


def python_form(body):
    """Upstream's canonical_json; numbers are what json.loads read, ints as ints and floats as floats."""
    return json.dumps(remove_none(body), separators=(",", ":"), sort_keys=True).encode("ascii")


# ---------------------------------------------------------------- receipts (sections 3 to 6)

def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integral(value):
    return is_number(value) and (isinstance(value, int) or (math.isfinite(value) and value.is_integer()))


AITBC_FIELDS = {**{f: "string" for f in ("receipt_id", "job_id", "provider", "client", "unit_type", "model")},
                **{f: "number" for f in ("units", "price", "started_at", "completed_at")}}
UPSTREAM_FIELDS = {**{f: "string" for f in ("version", "receipt_id", "job_id", "provider", "client", "unit_type")},
                   "units": "number", "started_at": "integer", "completed_at": "integer"}
CHECK = {"string": lambda v: isinstance(v, str), "number": is_number, "integer": is_integral}


def fail(reason, detail, **extra):
    return {"ok": False, "reason": reason, "detail": detail, **extra}


def parse_json(text):
    def no_constant(name):
        raise ValueError("not JSON: " + name)
    return json.loads(text, parse_constant=no_constant)


def verify_receipt_text(text, pinned):
    try:
        value = parse_json(text)
    except ValueError as error:
        return fail("malformed", "not JSON: %s" % error)
    return verify_receipt(value, pinned)


def verify_receipt(receipt, pinned):
    """Section 6, steps 1 to 7, on a receipt parsed with its numbers as written."""
    if not isinstance(receipt, dict):
        return fail("malformed", "not a JSON object")
    # 2. Which form.
    if "canonicalization" in receipt and "version" in receipt:
        return fail("malformed", "names two forms")
    if "canonicalization" in receipt:
        if receipt["canonicalization"] != "rfc8785":
            return fail("malformed", "unknown canonicalization")
        form, fields = "rfc8785", AITBC_FIELDS
    elif "version" in receipt:
        if receipt["version"] != "1.0":
            return fail("malformed", "unknown version")
        form, fields = "python-1.0", UPSTREAM_FIELDS
    else:
        return fail("malformed", "names no form")
    base = {"form": form}
    if isinstance(receipt.get("receipt_id"), str):
        base["receipt_id"] = receipt["receipt_id"]
    # 3. Required members.
    for field, kind in fields.items():
        if field not in receipt or not CHECK[kind](receipt[field]):
            return fail("malformed", "member %s missing or not a %s" % (field, kind), **base)
    # 4. The signed bytes.
    body = {k: v for k, v in receipt.items() if k != "signature"}
    if form == "rfc8785":
        if "attestations" in receipt:
            return fail("malformed", "an rfc8785 receipt carries no attestations", **base)
        try:
            signed = jcs(body)
        except NoForm as error:
            return fail("malformed", "no RFC 8785 form: %s" % error, **base)
        signatures = [("signature", receipt.get("signature"))]
    else:
        attestations = receipt.get("attestations")
        if attestations is not None and not isinstance(attestations, list):
            return fail("malformed", "attestations is not a list", **base)
        signed = python_form({k: v for k, v in body.items() if k != "attestations"})
        signatures = [("signature", receipt.get("signature"))] + [("attestations[%d]" % i, a) for i, a in enumerate(attestations or [])]
    attested = form == "python-1.0" and "attestations" in receipt
    # 5. Each signature object, in order.
    parsed = []
    for where, sig in signatures:
        named = {"failed_signature": where} if attested else {}
        if not isinstance(sig, dict) or not all(isinstance(sig.get(k), str) for k in ("alg", "key_id", "sig")):
            return fail("malformed", "%s is not a signature object" % where, **base, **named)
        if sig["alg"] != "Ed25519":
            return fail("unsupported_alg", "%s uses %r" % (where, sig["alg"]), **base, **named)
        key, raw = b64url_decode(sig["key_id"]), b64url_decode(sig["sig"])
        if key is None or len(key) != 32 or raw is None or len(raw) != 64:
            return fail("malformed", "%s: key_id or sig is not base64url of 32 / 64 bytes" % where, **base, **named)
        parsed.append((where, sig["key_id"], key, raw))
    result = dict(base, key_id=parsed[0][1])
    if attested:
        result["attested_by"] = [p[1] for p in parsed[1:]]
        result["trusted_by"] = list(dict.fromkeys(p[1] for p in parsed if p[1] in pinned))
    # 6. At least one pinned key.
    if not any(p[1] in pinned for p in parsed):
        return dict(result, **fail("untrusted_key", "no signing or attesting key is pinned"))
    # 7. Every signature verifies, pinned or not.
    for where, key_id, key, raw in parsed:
        if not ed25519_verifies(key, raw, signed):
            named = {"failed_signature": where} if attested else {}
            return dict(result, **fail("bad_signature", "%s (key %s) does not match" % (where, key_id), **named))
    return dict(result, ok=True, signed=signed)


def ed25519_verifies(key, signature, message):
    """Strict RFC 8032 (libsodium: S < L, canonical key, no small-order key)."""
    try:
        VerifyKey(key).verify(message, signature)
        return True
    except (BadSignatureError, ValueError, TypeError):
        return False
    except Exception:  # PyNaCl raises its own errors for keys libsodium refuses
        return False


# ---------------------------------------------------------------- the ledger (sections 7 and 8)

GENESIS_PREV_HASH = "0" * 64


def merkle_root(tx_hashes):
    if not tx_hashes:
        return sha256_hex(b"")
    level = [hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest() for h in tx_hashes]
    while len(level) > 1:
        pairs = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        level = pairs + ([level[-1]] if len(level) % 2 else [])
    return level[0].hex()


def tx_hash(tx):
    return sha256_hex(jcs({k: tx.get(k) for k in ("seq", "type", "timestamp", "data")}))


def block_hash(block):
    return sha256_hex(jcs({k: block.get(k) for k in ("height", "prev_hash", "merkle_root", "timestamp", "transactions")}))


def block_signature_problem(block, pinned):
    sig = block.get("signature")
    if not isinstance(sig, dict) or not all(isinstance(sig.get(k), str) for k in ("alg", "key_id", "sig")):
        return "malformed"
    if sig["alg"] != "Ed25519":
        return "unsupported_alg"
    key, raw = b64url_decode(sig["key_id"]), b64url_decode(sig["sig"])
    if key is None or len(key) != 32 or raw is None or len(raw) != 64:
        return "malformed"
    if sig["key_id"] not in pinned:
        return "untrusted_key"
    return None if ed25519_verifies(key, raw, bytes.fromhex(block["hash"])) else "bad_signature"


def check_block(block, previous, last_seq, pinned):
    """Section 8 for one block; returns the reason it fails, or None."""
    txs = block.get("transaction_list")
    if not isinstance(txs, list):
        return "tx_malformed"
    try:
        computed = [tx_hash(tx) for tx in txs]
    except NoForm:
        return "tx_malformed"
    if any(c != tx.get("tx_hash") for c, tx in zip(computed, txs)):
        return "tx_hash_mismatch"
    if block.get("transactions") != len(txs):
        return "count_mismatch"
    if block.get("merkle_root") != merkle_root(computed):
        return "merkle_mismatch"
    try:
        if block_hash(block) != block.get("hash"):
            return "hash_mismatch"
    except NoForm:
        return "hash_mismatch"
    if block.get("prev_hash") != (previous["hash"] if previous else GENESIS_PREV_HASH) or block.get("height") != (previous["height"] + 1 if previous else 0):
        return "broken_link"
    problem = block_signature_problem(block, pinned)
    if problem:
        return problem
    expected = last_seq + 1
    for tx in txs:
        if tx.get("seq") != expected:
            return "seq_gap"
        expected += 1
    for tx in txs:
        if tx.get("type") != "receipt_issued":
            continue
        receipt = tx["data"].get("receipt")
        if not isinstance(receipt, dict):
            return "receipt_malformed"
        verdict = verify_receipt(receipt, pinned)
        if not verdict["ok"]:
            return "receipt_" + verdict["reason"]
        derived = dict(receipt, sig=receipt["signature"]["sig"], receipt_sha256=sha256_hex(verdict["signed"]))
        for field, value in tx["data"].items():
            if field != "receipt" and field in derived and jcs(derived[field]) != jcs(value):
                return "receipt_mismatch"
    return None


def verify_chain(blocks, pinned):
    """Checks blocks from the genesis up; the first failure, or ok, as a summary."""
    previous, last_seq, receipts = None, 0, 0
    for index, block in enumerate(blocks):
        reason = check_block(block, previous, last_seq, pinned)
        if reason:
            return {"ok": False, "first_failing_height": index, "reason": reason}
        txs = block["transaction_list"]
        last_seq = txs[-1]["seq"] if txs else last_seq
        receipts += sum(1 for tx in txs if tx["type"] == "receipt_issued")
        previous = block
    return {"ok": True, "blocks": len(blocks), "transactions": last_seq, "receipts": receipts}


# ---------------------------------------------------------------- the command line

def public(verdict):
    return {k: v for k, v in verdict.items() if k != "signed"}


def run_receipts(files, pinned):
    total = failed = 0
    for name in files:
        # Lines end at \n only: str.splitlines would also split at U+2028, U+0085 and others, which
        # RFC 8785 and JSON.stringify leave unescaped inside strings.
        for number, line in enumerate(Path(name).read_bytes().decode("utf-8").split("\n"), 1):
            line = line[:-1] if line.endswith("\r") else line
            if not line.strip():
                continue
            verdict = public(verify_receipt_text(line, pinned))
            total += 1
            failed += not verdict["ok"]
            print(json.dumps({"source": "%s:%d" % (name, number), **verdict}))
    print(json.dumps({"type": "summary", "total": total, "ok": total - failed, "failed": failed}))
    return 0 if failed == 0 else 1


def run_chain(file, pinned):
    summary = verify_chain(parse_json(Path(file).read_text(encoding="utf-8")), pinned)
    print(json.dumps(summary))
    return 0 if summary["ok"] else 1


def run_vectors(directory):
    root = Path(directory)
    load = lambda name: parse_json((root / name).read_text(encoding="utf-8"))
    problems = []
    receipts = load("receipts.json")
    pinned = set(receipts["trusted_key_ids"])
    for case in receipts["cases"]:
        verdict = verify_receipt_text(case["text"], pinned)
        got = {k: v for k, v in verdict.items() if k in case["expect"]}
        if got != case["expect"]:
            problems.append("receipt %s: expected %s, got %s (%s)" % (case["name"], case["expect"], got, verdict.get("detail")))
        elif "signed" in case and verdict["signed"] != case["signed"].encode("utf-8"):
            problems.append("receipt %s: other signed bytes" % case["name"])
    for case in load("merkle.json")["cases"]:
        if merkle_root(case["leaves"]) != case["root"]:
            problems.append("merkle root of %d leaves" % len(case["leaves"]))
    chain = load("chain.json")
    pinned = set(chain["trusted_key_ids"])
    summary = verify_chain(chain["blocks"], pinned)
    if not summary["ok"]:
        problems.append("chain: %s" % summary)
    hashes = [{"height": b["height"], "hash": block_hash(b), "merkle_root": merkle_root([tx_hash(t) for t in b["transaction_list"]]),
               "tx_hashes": [tx_hash(t) for t in b["transaction_list"]]} for b in chain["blocks"]]
    if hashes != chain["expected"]:
        problems.append("chain: the recomputed hashes differ from expected")
    for variant in chain["variants"]:
        got = verify_chain(variant["blocks"], pinned)
        if {k: got.get(k) for k in variant["expect"]} != variant["expect"]:
            problems.append("chain variant %s: expected %s, got %s" % (variant["name"], variant["expect"], got))
    for problem in problems:
        print(problem)
    print(json.dumps({"type": "summary", "receipts": len(receipts["cases"]), "chain_variants": len(chain["variants"]), "problems": len(problems)}))
    return 0 if not problems else 1


def join_key_values(argv):
    """`--key -abc…` means the key -abc…: a base64url key id may start with '-', which argparse reads as a flag."""
    out, args = [], iter(argv)
    for arg in args:
        out.append("--key=" + next(args, "") if arg == "--key" else arg)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description="Verify aitbc receipts and ledgers (docs/protocol.md).")
    sub = parser.add_subparsers(dest="command", required=True)
    receipts = sub.add_parser("receipts", help="verify receipts, one JSON object a line")
    receipts.add_argument("--key", action="append", required=True, help="a pinned key id (base64url)")
    receipts.add_argument("files", nargs="+")
    chain = sub.add_parser("chain", help="verify a chain: a JSON array of blocks with transaction_list, from height 0")
    chain.add_argument("--key", action="append", required=True)
    chain.add_argument("file")
    vectors = sub.add_parser("vectors", help="run the conformance vectors")
    vectors.add_argument("directory")
    args = parser.parse_args(join_key_values(sys.argv[1:] if argv is None else argv))
    if args.command == "receipts":
        return run_receipts(args.files, set(args.key))
    if args.command == "chain":
        return run_chain(args.file, set(args.key))
    return run_vectors(args.directory)


if __name__ == "__main__":
    sys.exit(main())
