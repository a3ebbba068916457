"""yt8m extract: video URL lists -> YouTube-8M frame- and video-level TFRecords.

Run as `yt8m extract ...` or `python -m pipelines.extract ...` (the form Dataflow
templates expect).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from models import assets
from models.inception import ModelLoadError, graph_is_stand_in
from pipelines import common
from transforms import yt8m_format
from transforms.extract import (
    AssignUniqueIds,
    ExtractFeatures,
    ReadVideoSources,
    WriteYt8mRecords,
)
from transforms.failures import STAGES, WriteFailures, failure_counter_name
from transforms.media import DownloadOptions

_LOGGER = logging.getLogger(__name__)
# What a run writes under --output_dir, as globs.
OUTPUT_PATTERNS = ["frame/*", "video/*", "failures/*", "summary.json"]
SUMMARY_FILE = "summary.json"


def build_extract_pipeline(
    pipeline: beam.Pipeline,
    inputs: list[str],
    output_dir: str,
    model_dir: str,
    download_options: DownloadOptions,
    frames_per_second: float = yt8m_format.DEFAULT_FRAMES_PER_SECOND,
    max_frames: int = yt8m_format.DEFAULT_MAX_FRAMES,
    batch_size: int = 32,
    video_timeout_s: float | None = None,
) -> None:
    """Adds the extract steps to `pipeline` (unrun, so tests can use TestPipeline)."""
    videos, parse_failures = pipeline | "Read video lists" >> ReadVideoSources(inputs)
    video_features, extract_failures = videos | "Extract features" >> ExtractFeatures(
        model_dir, download_options, frames_per_second, max_frames, batch_size, video_timeout_s
    )
    write_failures = (
        video_features
        | "Make ids unique" >> AssignUniqueIds()
        | "Write records" >> WriteYt8mRecords(output_dir)
    )
    _ = (
        (parse_failures, extract_failures, write_failures)
        | "All failures" >> beam.Flatten()
        | "Write failures" >> WriteFailures(FileSystems.join(output_dir, "failures", "failures"))
    )


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input",
        action="append",
        required=True,
        metavar="LIST",
        help="A list of videos: local path, gs:// path or glob; repeat for more. One "
        "video per line, `SOURCE` or the official CSV form `SOURCE,LABELS` with "
        "integer LABELS joined by ';'. SOURCE is an http(s) URL (any site yt-dlp "
        "supports, or a direct link to a media file), a local path (relative paths "
        "are relative to the list's directory) or a gs:// object. Blank lines and "
        "lines starting with # are ignored; a source listed twice is processed once.",
    )
    parser.add_argument(
        "--output_dir",
        required=True,
        help="Where frame/, video/ (TFRecords), failures/ (JSON lines) and "
        "summary.json are written; local or gs://.",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="Delete earlier outputs in --output_dir first (otherwise the run refuses "
        "to mix with them).",
    )
    parser.add_argument(
        "--model_dir",
        default=None,
        help="Directory (local or gs://) holding classify_image_graph_def.pb, mean.npy, "
        "eigenvals.npy, eigenvecs.npy. Default: the official files, downloaded once "
        f"into {assets.default_model_dir()} (set YT8M_CACHE_DIR to move it).",
    )
    parser.add_argument(
        "--frames_per_second",
        type=_positive_float,
        default=yt8m_format.DEFAULT_FRAMES_PER_SECOND,
        help="Frames sampled per second of video (YouTube-8M uses 1).",
    )
    parser.add_argument(
        "--max_frames",
        type=_positive_int,
        default=yt8m_format.DEFAULT_MAX_FRAMES,
        help="At most this many frames per video, from its start (YouTube-8M uses 300).",
    )
    parser.add_argument(
        "--batch_size",
        type=_positive_int,
        default=32,
        help="Frames per Inception batch; also the most decoded frames held in memory.",
    )
    parser.add_argument(
        "--video_timeout",
        type=_non_negative_float,
        default=1800.0,
        help="Seconds one video may take (download, decode, features) before it is recorded "
        "as a TimeoutError failure; 0 for no limit.",
    )
    download = parser.add_argument_group("downloads (http(s) sources, through yt-dlp)")
    download.add_argument(
        "--min_height",
        type=_positive_int,
        default=240,
        help="Pick the smallest H.264/VP9 format at least this many pixels tall.",
    )
    download.add_argument(
        "--socket_timeout",
        type=_positive_float,
        default=30.0,
        help="Seconds before a stalled connection is abandoned.",
    )
    download.add_argument(
        "--retries", type=int, default=5, help="Retries of a failed download or fragment."
    )
    download.add_argument(
        "--max_filesize_mb",
        type=_positive_float,
        default=1024.0,
        help="Skip (as a download failure) videos larger than this.",
    )
    download.add_argument("--cookies_file", help="Netscape cookies file passed to yt-dlp.")
    download.add_argument("--proxy", help="Proxy URL passed to yt-dlp.")
    download.add_argument(
        "--rate_limit", help="Download rate limit per video, e.g. 50K or 4.2M (bytes/s)."
    )
    parser.add_argument("--verbose", action="store_true", help="Debug logging.")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yt8m extract",
        description=__doc__.splitlines()[0] + "\n\n" + common.BEAM_OPTIONS_HELP,
        formatter_class=common.HelpFormatter,
    )
    add_arguments(parser)
    return parser


def download_options_from(args: argparse.Namespace) -> DownloadOptions:
    rate_limit = None
    if args.rate_limit:
        from yt_dlp.utils import parse_bytes

        rate_limit = parse_bytes(args.rate_limit)
        if not rate_limit:
            raise common.UsageError(
                f"--rate_limit {args.rate_limit!r} is not a rate like 50K or 4.2M"
            )
    return DownloadOptions(
        min_height=args.min_height,
        max_seconds=args.max_frames / args.frames_per_second,
        socket_timeout_s=args.socket_timeout,
        retries=args.retries,
        fragment_retries=args.retries,
        max_filesize_bytes=int(args.max_filesize_mb * (1 << 20)),
        cookies_file=args.cookies_file,
        proxy=args.proxy,
        rate_limit_bytes_per_s=rate_limit,
    )


def summarise(counters: dict[str, int], wall_s: float) -> dict:
    failed = {stage: counters.get(failure_counter_name(stage), 0) for stage in STAGES}
    return {
        "videos_written": counters.get("videos_written", 0),
        "failed": failed,
        "failed_total": sum(failed.values()),
        "duplicates": counters.get("duplicates", 0),
        "id_collisions_renamed": counters.get("id_collisions", 0),
        "frames": counters.get("frames_sampled", 0),
        "wall_seconds": round(wall_s, 1),
    }


def format_summary(summary: dict) -> str:
    failed = ", ".join(f"{stage} {n}" for stage, n in summary["failed"].items() if n)
    lines = [
        f"Videos written: {summary['videos_written']} ({summary['frames']} frames)",
        f"Failed: {summary['failed_total']}" + (f" ({failed})" if failed else ""),
        f"Duplicates skipped: {summary['duplicates']}",
        f"Wall time: {summary['wall_seconds']} s",
        f"Outputs: {summary['output_dir']}/{{frame,video,failures}}/",
    ]
    if summary["model"]["stand_in"]:
        lines.append(
            "STAND-IN MODEL: these features come from random weights, NOT the official "
            "Inception graph; do not use them as YouTube-8M features."
        )
    return "\n".join(lines)


def run(argv: list[str] | None = None, test_pipeline: beam.Pipeline | None = None) -> dict:
    """Parses flags, checks everything checkable up front, runs, and summarises."""
    args, beam_args = make_parser().parse_known_args(argv)
    common.configure_logging(args.verbose)
    options = PipelineOptions(beam_args)
    for pattern in args.input:
        common.matching_files(pattern, "--input")
    model_dir = assets.resolve_model_dir(args.model_dir)
    if not common.is_local_run(options) and "://" not in model_dir:
        raise common.UsageError(
            f"Workers of a remote runner cannot read the local model directory "
            f"{model_dir}; copy its four files to gs://BUCKET/DIR and pass --model_dir "
            "gs://BUCKET/DIR"
        )
    stand_in = graph_is_stand_in(model_dir)
    download_options = download_options_from(args)
    common.prepare_output_dir(args.output_dir, OUTPUT_PATTERNS, args.overwrite)

    started = time.monotonic()
    pipeline = test_pipeline or common.make_pipeline(options)
    build_extract_pipeline(
        pipeline,
        args.input,
        args.output_dir,
        model_dir,
        download_options,
        args.frames_per_second,
        args.max_frames,
        args.batch_size,
        args.video_timeout,
    )
    counters = common.run_to_completion(pipeline)
    summary = summarise(counters, time.monotonic() - started)
    summary["output_dir"] = args.output_dir
    summary["model"] = {"dir": model_dir, "stand_in": stand_in}
    common.write_json(FileSystems.join(args.output_dir, SUMMARY_FILE), summary)
    print(format_summary(summary))
    return summary


def main(argv: list[str] | None = None) -> int:
    return common.run_reporting_errors(
        "yt8m extract",
        run,
        argv,
        (common.UsageError, assets.ModelAssetsError, ModelLoadError),
    )


if __name__ == "__main__":
    sys.exit(main())
