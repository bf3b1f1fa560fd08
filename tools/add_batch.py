"""Add a batch of texts to the clause corpus and split it, once, before anyone reads it (issue 12).

    python tools/add_batch.py BATCH_NUMBER "what the batch is" STAGING_DIR[:SOURCES-x.tsv] ...

Each staging directory holds texts/<stem>.txt, truth/<stem>.yml and SOURCES.tsv (file, repository, path, commit,
language, notes). The texts of all the directories given are one batch: sorted by path, shuffled with
random.Random(seed + batch) (the seed of tests/corpus/SPLIT.yml), the first half `dev`, the rest `test`, appended
to SPLIT.yml. Every truth file must pass tools/check_truth.py and no stem may exist already; nothing is written
otherwise. Rows of texts written here get repository `written-here` and their file name as path.
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import yaml

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_truth import check_file  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__)
        return 2
    batch, what, staging = int(argv[0]), argv[1], argv[2:]
    plan: list[tuple[Path, Path, str]] = []  # (text, truth, sources table)
    rows: dict[str, list[str]] = {}
    problems: list[str] = []
    for spec in staging:
        folder, _, table = spec.partition(":")
        root = Path(folder)
        table = table or ("SOURCES-written.tsv" if "written" in root.name else f"SOURCES-{root.name}.tsv")
        for line in (root / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()[1:]:
            cols = line.split("\t")
            if cols[1] in ("written here", "written-here"):
                cols[1], cols[2] = "written-here", cols[0].split("/", 1)[1]
            rows.setdefault(table, []).append("\t".join(cols))
        for text in sorted((root / "texts").glob("*.txt")):
            truth = root / "truth" / f"{text.stem}.yml"
            problems += check_file(truth)
            if (CORPUS / "texts" / text.name).exists():
                problems.append(f"{text.name}: already in the corpus")
            plan.append((text, truth, table))
    if problems:
        print("\n".join(problems))
        return 1
    names = sorted(f"corpus/texts/{text.name}" for text, _, _ in plan)
    seed = int(yaml.safe_load((CORPUS / "SPLIT.yml").read_text(encoding="utf-8"))["seed"])
    random.Random(seed + batch).shuffle(names)  # noqa: S311 - a fixed, reproducible split, not a secret
    dev, test = sorted(names[: len(names) // 2]), sorted(names[len(names) // 2:])
    for text, truth, _ in plan:
        shutil.copy(text, CORPUS / "texts" / text.name)
        shutil.copy(truth, CORPUS / "truth" / truth.name)
    for table, lines in rows.items():
        with open(CORPUS / table, "a", encoding="utf-8") as out:
            out.write("".join(f"{line}\n" for line in lines))
    split = (CORPUS / "SPLIT.yml").read_text(encoding="utf-8")
    head, tail = split.split("\ntest:\n")
    dev_block = f"\n# batch {batch}: {what}, seed + {batch}\n" + "".join(f"- {n}\n" for n in dev)
    test_block = f"\n# batch {batch}, seed + {batch}\n" + "".join(f"- {n}\n" for n in test)
    split = head.rstrip("\n") + dev_block + "test:\n" + tail.rstrip("\n") + test_block
    (CORPUS / "SPLIT.yml").write_text(split, encoding="utf-8")
    print(f"batch {batch}: {len(dev)} dev, {len(test)} test")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
