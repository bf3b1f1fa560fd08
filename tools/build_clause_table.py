"""Regenerate rules/known-clauses.json: the clauses of license texts modelclear already knows, so that an
audit of a model shipping one of them (every Llama, Gemma, Qwen, ... fine-tune) compiles no clause rules,
even on a fresh machine or CI runner with an empty cache.

Run after changing rules/clauses, rules/currencies.yml, rules/jurisdictions.yml, scanner/clauses.py or
scanner/lang.py (a test fails until you do):  python tools/build_clause_table.py
Texts: the license corpus under tests/fixtures/licenses, the license files of the bundled example mirror,
the gated prompts of real vendor cards (examples/mirror, tests/fixtures/cards), and the reference text of
every license rules/hub-licenses.yml maps to (cited as license:<key>).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.card import parse_card  # noqa: E402
from scanner.clauses import ClauseMemo, clause_rules_digest, engine  # noqa: E402
from scanner.identify import hub_license_map  # noqa: E402
from scanner.scancode_index import extra_rules_dir, reference_text  # noqa: E402


def texts() -> list[str]:
    found = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "fixtures" / "licenses").glob("*.txt"))]
    for path in sorted((ROOT / "examples" / "mirror").rglob("*")):
        if path.is_file() and path.name.upper().startswith(("LICENSE", "USE_POLICY", "NOTICE")):
            found.append(path.read_text(encoding="utf-8"))
    # The gated prompts of real vendor cards (the bundled example's base, the corpus cards): every fine-tune
    # of a gated base is audited with its base's prompt.
    cards = [*(ROOT / "examples" / "mirror").rglob("README.md"), *(ROOT / "tests" / "fixtures" / "cards").glob("*.md")]
    for card in sorted(cards):
        prompt = parse_card(card.read_text(encoding="utf-8")).extra_gated_prompt
        if prompt:
            found.append(prompt)
    keys = {e.scancode for e in hub_license_map().licenses.values() if e.scancode}
    keys |= {k for k in hub_license_map().names.values() if k}
    keys |= {p.stem for p in (extra_rules_dir() / "licenses").glob("*.LICENSE")}
    found += [text for key in sorted(keys) if (text := reference_text(key))]
    return found


def main() -> None:
    run = engine()
    table: dict[str, list[dict[str, object]]] = {}
    for text in texts():
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        table[key] = ClauseMemo.entries(tuple(run.extract(text, "")))
    document = {"format": ClauseMemo.FORMAT, "digest": clause_rules_digest(), "texts": dict(sorted(table.items()))}
    # Keys keep the engine's order (a value's keys are reported in that order), texts are sorted by hash.
    (ROOT / "rules" / "known-clauses.json").write_text(json.dumps(document, ensure_ascii=False, indent=0)
                                                       + "\n", encoding="utf-8")
    print(f"{len(table)} texts written (rules digest {document['digest']})")


if __name__ == "__main__":
    main()
