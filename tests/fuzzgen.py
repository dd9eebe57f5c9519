"""Generators for the fuzzing harness (tests/test_fuzz.py): a TOML writer, seeded mutations, text damage.

Everything here is driven by a ``random.Random`` the caller seeds, so a case is
reproduced from its seed and number alone.
"""

from __future__ import annotations

import copy
import datetime
import json
import math
import random
import re
import tomllib

# ---------------------------------------------------------------- TOML out (tomllib only reads)


def _key(k: str) -> str:
    return tomllib_string(k)


def tomllib_string(s: str) -> str:
    body = json.dumps(s, ensure_ascii=False)[1:-1].replace("\x7f", "\\u007f").replace("\\/", "/")
    return f'"{body}"'


def to_toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        text = repr(v)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(v, str):
        return tomllib_string(v)
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(to_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {to_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(raw: dict) -> str:
    """A document of one-line ``"key" = value`` entries (inline tables): any raw dict, any key."""
    return "".join(f"{_key(k)} = {to_toml_value(v)}\n" for k, v in raw.items())


# ---------------------------------------------------------------- seeded mutation of the shipped scenarios


def dotted(parts) -> str:
    """A path as the error messages write it (negotiation.scenario._part)."""
    return ".".join(p if re.fullmatch(r"[A-Za-z0-9_-]+", p) else json.dumps(p, ensure_ascii=False)
                    for p in map(str, parts))


def nodes(raw) -> list[tuple[tuple, object]]:
    """Every (path, value) in a raw scenario, tables and lists included."""
    out, stack = [], [((), raw)]
    while stack:
        path, node = stack.pop()
        out.append((path, node))
        if isinstance(node, dict):
            stack.extend((path + (k,), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((path + (i,), v) for i, v in enumerate(node))
    return sorted(out, key=lambda pv: [str(p) for p in pv[0]])


def parent_of(raw, path):
    node = raw
    for p in path[:-1]:
        node = node[p]
    return node


def category(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return type(v).__name__


ODD_STRINGS = ["", "646.2", "yes", "true", "[/x] [bold]", "line\nbreak", "tab\there", "🙂 £ ¶", "\x00\x1b[31m",
               "x" * 10_000, " linear", "LINEAR"]
TYPE_POOL = [True, False, 0, 1, -1, 12, 0.5, 646.2, "646.2", "12", "yes", "", [], [1, 2], [{"a": 1}], {},
             {"value": 1.0}, datetime.date(2014, 9, 19), datetime.time(9, 30)]
EXTREMES = [0, 0.0, -0.0, -1e-9, -1, 1, 1e-300, 5e-324, 0.999999, 1.0000001, 500, 501, 12.5, 1e6, 1e6 + 1,
            1e7, 1e7 + 1, 2**63 - 1, -(2**63), 1e308, -1e308, 1.7976931348623157e308]
BAD_IDS = ["chair", "Upper", "with space", "x\n", "1abc", "a.b", "é", "_x", "x-y", "", "ccg\t"]


def mutate(raw: dict, rng: random.Random) -> tuple:
    """Apply one random mutation in place.

    Returns (what, expectation, fields an error must name[, most error lines it can cause: default 1]).
    """
    everything = nodes(raw)
    leaves = [(p, v) for p, v in everything if p and not isinstance(v, (dict, list))]
    numbers = [(p, v) for p, v in leaves if category(v) == "number"]
    tables = [(p, v) for p, v in everything if isinstance(v, dict)]
    strings = [(p, v) for p, v in leaves if isinstance(v, str)]
    orgs = raw.get("organisations")
    orgs_ok = isinstance(orgs, dict) and orgs and all(isinstance(o, dict) for o in orgs.values())
    rels = raw.get("relationships", [])
    rels_ok = isinstance(rels, list) and all(isinstance(r, dict) for r in rels)
    possible = {"type": leaves, "delete": len(everything) > 1, "unknown": tables, "non_finite": numbers,
                "extreme": numbers, "id": orgs_ok, "nest": leaves, "string": strings,
                "relationship": orgs_ok and rels_ok, "kind": orgs_ok, "add_org": orgs_ok, "section": True}
    kind = rng.choice(["type", "type", "delete", "unknown", "non_finite", "extreme", "extreme", "id", "nest",
                       "string", "relationship", "kind", "add_org", "section"])
    if not possible[kind]:  # an earlier mutation removed what this one needs
        kind = "section"
    if kind == "type":
        path, old = rng.choice(leaves)
        new = copy.deepcopy(rng.choice(TYPE_POOL))  # a copy: later mutations must not change the pool
        parent_of(raw, path)[path[-1]] = new
        same = category(new) == category(old) or (category(old) == "number" and category(new) == "number")
        return f"type {dotted(path)} = {new!r}", "either" if same else "invalid", (dotted(path),)
    if kind == "delete":
        path, _ = rng.choice([pv for pv in everything if pv[0]])
        container = parent_of(raw, path)
        del container[path[-1]]
        shown = path if isinstance(container, dict) else path[:-1]  # a list item: its list shifts
        return f"delete {dotted(path)}", "either", (dotted(shown),)
    if kind == "unknown":
        path, table = rng.choice(tables)
        name = rng.choice(["mystery", "Budget", "budget ", "", "é", "tarrif", "mret_rat", "x.y"])
        if name in table:
            name += "_"
        table[name] = copy.deepcopy(rng.choice(TYPE_POOL + [1.0]))
        # Under organisations a new key is a new organisation: its id and each missing field, a line each.
        lines = 21 if path == ("organisations",) else 1
        return f"unknown key {dotted(path + (name,))}", "invalid", (dotted(path + (name,)),), lines
    if kind == "non_finite":
        path, _ = rng.choice(numbers)
        value = rng.choice([math.nan, math.inf, -math.inf])
        parent_of(raw, path)[path[-1]] = value
        return f"non-finite {dotted(path)} = {value}", "invalid", (dotted(path),)
    if kind == "extreme":
        path, _ = rng.choice(numbers)
        value = rng.choice(EXTREMES)
        parent_of(raw, path)[path[-1]] = value
        return f"extreme {dotted(path)} = {value!r}", "either", (dotted(path),)
    if kind == "id":
        old = rng.choice(list(raw["organisations"]))
        new = rng.choice(BAD_IDS)
        if new in raw["organisations"]:
            return "id unchanged", "either", None
        raw["organisations"] = {new if k == old else k: v for k, v in raw["organisations"].items()}
        for rel in rels if rels_ok else []:
            for end in ("a", "b"):
                if rel.get(end) == old:
                    rel[end] = new
        return f"id {old!r} -> {new!r}", "invalid", (dotted(("organisations", new)),)
    if kind == "nest":
        path, value = rng.choice(leaves)
        depth = rng.choice([1, 2, 3, 9, 12, 40])
        for _ in range(depth):
            value = [value] if rng.random() < 0.5 else {"v": value}
        parent_of(raw, path)[path[-1]] = value
        return f"nest {dotted(path)} {depth} deep", "invalid", (dotted(path),)
    if kind == "string":
        path, _ = rng.choice(strings)
        value = rng.choice(ODD_STRINGS)
        parent_of(raw, path)[path[-1]] = value
        return f"string {dotted(path)} = {value[:20]!r}", "either", (dotted(path),)
    if kind == "relationship":
        rels = raw.setdefault("relationships", [])
        ids = list(raw["organisations"])
        choice = rng.choice(["self", "unknown", "duplicate", "empty", "trust"])
        if choice == "empty":
            raw["relationships"] = []
            return "no relationships", "either", None
        if choice == "self":
            rels.append({"a": ids[0], "b": ids[0]})
        elif choice == "unknown":
            rels.append({"a": ids[0], "b": "nobody"})
        elif choice == "duplicate" and rels:
            rels.append(copy.deepcopy(rels[0]))
            return "duplicate relationship", "either", None
        else:
            rels.append({"a": ids[0], "b": ids[-1], "trust": rng.choice([-0.1, 0.0, 1.0, 1.5, 0.9])})
            return "relationship trust", "either", (f"relationships.{len(rels) - 1}.trust",)
        return f"relationship {choice}", "either" if choice == "duplicate" else "invalid", (f"relationships.{len(rels) - 1}",)
    if kind == "kind":
        org = rng.choice(list(raw["organisations"]))
        value = rng.choice(["ccg", "council", "acute_trust", "community_trust", "trust", "CCG", ""])
        raw["organisations"][org]["kind"] = value
        return f"kind {org} = {value}", "either", (dotted(("organisations", org, "kind")),)
    if kind == "add_org":
        source_id = rng.choice(list(raw["organisations"]))
        new_id = f"{source_id}_copy{rng.randrange(100)}"
        raw["organisations"][new_id] = copy.deepcopy(raw["organisations"][source_id])
        return f"add organisation {new_id}", "either", (dotted(("organisations", new_id)),)
    section = rng.choice(["scenario", "rules", "activity", "organisations", "relationships"])
    raw[section] = rng.choice([5, "text", [], {}, [{}]])
    # An emptied section lists each required field it lacks: one line each, all inside the section.
    lines = 21 if isinstance(raw[section], (dict, list)) else 1
    return f"section {section} = {raw[section]!r}", "invalid" if section != "relationships" else "either", (section,), lines


def mutation_case(path, seed: int, case: int, tmp_path):
    rng = random.Random(f"{seed}:{path.name}:{case}")
    raw = tomllib.loads(path.read_text())
    n = rng.choice([1, 1, 1, 2, 3])
    done = [mutate(raw, rng) for _ in range(n)]
    label = f"FUZZ_SEED={seed} {path.name} case {case}: " + "; ".join(d[0] for d in done)
    out = tmp_path / f"case{case}.toml"
    out.write_text(to_toml(raw), encoding="utf-8")
    lines = sum(d[3] if len(d) > 3 else 1 for d in done)  # each mutation: one line, or as it says
    if n == 1:
        expect, fields = done[0][1], done[0][2]
    else:
        expect = "either"  # a later mutation can undo an earlier one (delete its table, overwrite its value)
        fields = None
    return label, out, expect, fields, min(lines, 21)


# ---------------------------------------------------------------- text-level damage


def damage(text: str, rng: random.Random) -> tuple[str | bytes, str]:
    lines = text.splitlines(keepends=True)
    kind = rng.choice(["drop_line", "duplicate_line", "swap_lines", "truncate", "bytes", "deep", "bom", "crlf",
                       "nul", "replace_value"])
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    if kind == "drop_line":
        return "".join(lines[:i] + lines[i + 1:]), f"drop line {i + 1}"
    if kind == "duplicate_line":
        return "".join(lines[: i + 1] + [lines[i]] + lines[i + 1:]), f"duplicate line {i + 1}"
    if kind == "swap_lines":
        lines[i], lines[j] = lines[j], lines[i]
        return "".join(lines), f"swap lines {i + 1} and {j + 1}"
    if kind == "truncate":
        cut = rng.randrange(len(text))
        return text[:cut], f"truncate at {cut}"
    if kind == "bytes":
        data = bytearray(text.encode())
        for _ in range(rng.randint(1, 8)):
            data.insert(rng.randrange(len(data)), rng.randrange(256))
        return bytes(data), "random bytes"
    if kind == "deep":
        depth = rng.choice([11, 999, 1000, 1001, 5000, 60_000])
        return text + "\nx = " + "[" * depth + "]" * depth + "\n", f"nesting {depth}"
    if kind == "bom":
        return "\ufeff" + text, "byte-order mark"
    if kind == "crlf":
        return text.replace("\n", "\r\n"), "CRLF"
    if kind == "nul":
        return text[:i] + "\x00" + text[i:], "NUL"
    numbers = list(re.finditer(r"= (-?[0-9][0-9_.e+-]*)", text))
    m = rng.choice(numbers)
    new = rng.choice(["true", '"1"', "nan", "-inf", "1e999", "0x10", "1_000", "07", "[1]", "{}", "1979-05-27", "--1"])
    return text[: m.start(1)] + new + text[m.end(1):], f"value at {m.start(1)} -> {new}"
