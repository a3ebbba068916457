"""yt8m make-test-model: a stand-in for the official Inception graph and PCA.

Same file names, tensor names, front end and 2015 ops as the official assets,
with random weights: for tests and offline runs only. Features it produces are
NOT YouTube-8M features, and every run that uses it says so.
"""

from __future__ import annotations

import argparse
import sys

from pipelines import common


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="yt8m make-test-model", description=__doc__, formatter_class=common.HelpFormatter
    )
    parser.add_argument("model_dir", help="Local directory to write the four files into.")
    parser.add_argument("--seed", type=int, default=0, help="Seed for the random weights.")
    args = parser.parse_args(argv)
    from models.standin import write_stand_in_model

    write_stand_in_model(args.model_dir, seed=args.seed)
    print(f"Wrote a STAND-IN model (random weights) to {args.model_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
