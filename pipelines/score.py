"""yt8m score: batch-score YouTube-8M TFRecords with a trained model on Beam.

ReadFromTFRecord -> parse (video- or frame-level, per record) -> RunInference
keyed by video id, batched -> top-k -> the Kaggle CSV and JSON lines with label
names, plus the official metrics (GAP@k, Hit@1, PERR, mAP) when records carry
labels. Malformed records go to P/failures/ with the reason; the rest continue.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from models import metrics
from pipelines import common
from pipelines.train import EXPORT_DIR, MODEL_FILE, TRAINING_FILE
from transforms import scoring
from transforms.failures import WriteFailures, failure_counter_name

_LOGGER = logging.getLogger(__name__)
METRICS_FILE = "metrics.json"
# What a run writes under --output_dir, as globs.
OUTPUT_PATTERNS = ["predictions-*", METRICS_FILE, "failures/*"]


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yt8m score",
        description=__doc__ + "\n" + common.BEAM_OPTIONS_HELP,
        formatter_class=common.HelpFormatter,
    )
    parser.add_argument(
        "--input", required=True, help="Glob of TFRecord files (video- or frame-level)."
    )
    parser.add_argument(
        "--model",
        required=True,
        help="The --model_dir of yt8m train (local or gs://): its export/ holds model.keras "
        "and training.json.",
    )
    parser.add_argument(
        "--output_dir",
        required=True,
        help="Where predictions-*.csv, predictions-*.jsonl, metrics.json and failures/ go.",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="Delete earlier outputs in --output_dir first (otherwise the run refuses).",
    )
    parser.add_argument("--top_k", type=int, default=metrics.DEFAULT_TOP_K, help="Labels kept.")
    parser.add_argument(
        "--vocabulary",
        help="vocabulary.csv for label names (local or gs://). Default: the official one, "
        "downloaded once into the cache; offline, labels are named by their index.",
    )
    parser.add_argument(
        "--batch_size", type=int, default=256, help="Most videos per RunInference batch."
    )
    parser.add_argument("--verbose", action="store_true", help="Debug logging.")
    return parser


def read_training(model: str) -> tuple[str, dict]:
    export = FileSystems.join(model, EXPORT_DIR)
    model_file = FileSystems.join(export, MODEL_FILE)
    training_file = FileSystems.join(export, TRAINING_FILE)
    missing = [p for p in (model_file, training_file) if not FileSystems.exists(p)]
    if missing:
        raise common.UsageError(
            f"--model {model} lacks {', '.join(missing)}; train one with yt8m train"
        )
    with FileSystems.open(training_file) as f:
        return model_file, json.loads(f.read())


def build_score_pipeline(
    pipeline: beam.Pipeline,
    input_pattern: str,
    output_dir: str,
    model_file: str,
    feature_names: list[str],
    num_classes: int,
    top_k: int,
    label_names: dict[int, str] | None,
    batch_size: int,
) -> None:
    from apache_beam.ml.inference.base import KeyedModelHandler, RunInference
    from apache_beam.ml.inference.tensorflow_inference import TFModelHandlerNumpy

    model_inputs, failures = pipeline | "Read and parse" >> scoring.ParseRecords(
        [input_pattern], feature_names, num_classes
    )
    handler = KeyedModelHandler(
        TFModelHandlerNumpy(model_uri=model_file, min_batch_size=1, max_batch_size=batch_size)
    )
    scored = (
        model_inputs
        | "Spread records" >> beam.Reshuffle()
        | "RunInference" >> RunInference(handler)
        | "Rank labels" >> beam.Map(scoring.rank_prediction, num_classes, top_k)
    )
    prefix = FileSystems.join(output_dir, "predictions")
    _ = (
        scored
        | "CSV lines" >> beam.Map(scoring.csv_line)
        | "Write CSV"
        >> beam.io.WriteToText(prefix, file_name_suffix=".csv", header=scoring.CSV_HEADER)
    )
    _ = (
        scored
        | "JSON lines" >> beam.Map(scoring.json_line, label_names)
        | "Write JSON lines" >> beam.io.WriteToText(prefix, file_name_suffix=".jsonl")
    )
    metrics_path = FileSystems.join(output_dir, METRICS_FILE)
    _ = (
        scored
        | "Metrics" >> scoring.ComputeMetrics(num_classes, top_k)
        | "Write metrics" >> beam.Map(lambda m: common.write_json(metrics_path, m))
    )
    _ = failures | "Write failures" >> WriteFailures(
        FileSystems.join(output_dir, "failures", "failures")
    )


def run(argv: list[str] | None = None, test_pipeline: beam.Pipeline | None = None) -> dict:
    args, beam_args = make_parser().parse_known_args(argv)
    common.configure_logging(args.verbose)
    if args.top_k < 1 or args.batch_size < 1:
        raise common.UsageError("--top_k and --batch_size must be at least 1")
    common.matching_files(args.input, "--input")
    model_file, training = read_training(args.model)
    common.prepare_output_dir(args.output_dir, OUTPUT_PATTERNS, args.overwrite)
    from models.vocabulary import load_vocabulary

    vocabulary = load_vocabulary(args.vocabulary)
    options = PipelineOptions(beam_args)
    started = time.monotonic()
    pipeline = test_pipeline or common.make_pipeline(options)
    build_score_pipeline(
        pipeline,
        args.input,
        args.output_dir,
        model_file,
        training["features"],
        training["num_classes"],
        args.top_k,
        vocabulary.names if vocabulary else None,
        args.batch_size,
    )
    counters = common.run_to_completion(pipeline)
    wall = time.monotonic() - started
    summary = {
        "videos_scored": counters.get("videos_scored", 0),
        "failed": counters.get(failure_counter_name("parse"), 0),
        "wall_seconds": round(wall, 1),
        "videos_per_second": round(counters.get("videos_scored", 0) / wall, 1),
    }
    metrics_path = FileSystems.join(args.output_dir, METRICS_FILE)
    if FileSystems.exists(metrics_path):
        with FileSystems.open(metrics_path) as f:
            summary["metrics"] = json.loads(f.read())
    print(f"Videos scored: {summary['videos_scored']}  failed records: {summary['failed']}")
    print(f"Wall time: {summary['wall_seconds']} s ({summary['videos_per_second']} videos/s)")
    print(f"Predictions: {args.output_dir}/predictions-*.csv and predictions-*.jsonl")
    if "metrics" in summary:
        m = summary["metrics"]
        print(
            f"Metrics ({m['num_videos']} labelled videos): GAP@{m['top_k']} {m['gap']:.4f}  "
            f"Hit@1 {m['hit_at_one']:.4f}  PERR {m['perr']:.4f}  mAP {m['map']:.4f}  "
            f"-> {metrics_path}"
        )
    return summary


def main(argv: list[str] | None = None) -> int:
    from models.vocabulary import VocabularyError

    return common.run_reporting_errors(
        "yt8m score", run, argv, (common.UsageError, VocabularyError)
    )


if __name__ == "__main__":
    sys.exit(main())
