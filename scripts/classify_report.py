#!/usr/bin/env python3
"""How the classifier does on a labelled part: confusion table, accuracies, and (for the
regression and dev parts only) every miss with its reasons. The test part is reported in
aggregate only: it is not read while tuning.

    python scripts/classify_report.py dev [--misses]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.classify_eval import evaluate, load_rules, report  # noqa: E402
from tests.labelled import load  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("part", choices=("regression", "dev", "test"))
    ap.add_argument("--misses", action="store_true", help="list every miss (not for test)")
    args = ap.parse_args()
    if args.misses and args.part == "test":
        ap.error("the test part is not read while tuning: no per-mail output")
    result = evaluate(load(args.part), load_rules())
    print(report(result, misses=args.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
