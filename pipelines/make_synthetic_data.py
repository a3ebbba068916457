"""yt8m make-synthetic-data: YouTube-8M-format records with learnable structure.

Writes video-level Examples and frame-level SequenceExamples (train and
validate splits) and a matching vocabulary.csv. Labels follow a long tail
(about 3 per video); features lie around class-dependent directions plus noise,
quantised like real features. For tests, the demo and benchmarks: this is NOT
real data, and its ids and class names say so.
"""

from __future__ import annotations

import argparse
import sys

from pipelines import common
from transforms import yt8m_format


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yt8m make-synthetic-data", description=__doc__, formatter_class=common.HelpFormatter
    )
    parser.add_argument("--output_dir", required=True, help="Local directory to write into.")
    parser.add_argument("--videos", type=int, required=True, help="Videos in all splits.")
    parser.add_argument(
        "--classes", type=int, default=yt8m_format.NUM_CLASSES, help="Number of classes."
    )
    parser.add_argument(
        "--validate_fraction", type=float, default=0.2, help="Share of videos held out."
    )
    parser.add_argument("--shards", type=int, default=2, help="Files per split and kind.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the generator.")
    return parser


def run(argv: list[str] | None = None) -> dict[str, int]:
    args = make_parser().parse_args(argv)
    if args.videos < 1 or args.classes < 2 or not 0 <= args.validate_fraction < 1:
        raise ValueError("need --videos >= 1, --classes >= 2 and 0 <= --validate_fraction < 1")
    from models.synthetic import write_dataset

    counts = write_dataset(
        args.output_dir, args.videos, args.classes, args.seed, args.validate_fraction, args.shards
    )
    print(
        f"Wrote SYNTHETIC data ({counts['train']} train, {counts['validate']} validate videos, "
        f"{args.classes} classes) to {args.output_dir}/{{video,frame}}/ and "
        f"{args.output_dir}/vocabulary.csv"
    )
    return counts


def main(argv: list[str] | None = None) -> int:
    return common.run_reporting_errors("yt8m make-synthetic-data", run, argv, (ValueError,))


if __name__ == "__main__":
    sys.exit(main())
