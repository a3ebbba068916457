"""What every pipeline's launcher shares: runner defaults, options, summaries."""

from __future__ import annotations

import argparse
import logging

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from transforms.failures import METRICS_NAMESPACE

BEAM_OPTIONS_HELP = (
    "Every other flag is a Beam pipeline option and is passed through, e.g. "
    "--runner DataflowRunner --project P --region R --temp_location gs://B/tmp "
    "--setup_file ./setup.py, or --direct_num_workers 2 "
    "--direct_running_mode multi_processing for the local runner. Without "
    "--runner the pipeline runs locally on Beam's FnApiRunner, which needs no "
    "network (Beam's DirectRunner would first try to download Prism)."
)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows defaults and keeps the description's line breaks."""


def runner_for(options: PipelineOptions):
    """The runner to use: the user's, or the local FnApiRunner when none is named."""
    if options.view_as(StandardOptions).runner:
        return None  # beam.Pipeline resolves the named runner itself
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    return FnApiRunner()


def make_pipeline(options: PipelineOptions):
    import apache_beam as beam

    return beam.Pipeline(runner=runner_for(options), options=options)


def run_to_completion(pipeline) -> dict[str, int]:
    """Runs the pipeline, waits for it, and returns our counters."""
    result = pipeline.run()
    result.wait_until_finish()
    return counters(result)


def write_json(path: str, payload: dict) -> None:
    import json

    from apache_beam.io.filesystems import FileSystems

    with FileSystems.create(path) as f:
        f.write(json.dumps(payload, indent=2, sort_keys=True).encode("utf-8"))


# Runners whose workers share this machine's files.
_LOCAL_RUNNER_NAMES = ("direct", "fnapi", "prism")


def is_local_run(options: PipelineOptions) -> bool:
    runner = (options.view_as(StandardOptions).runner or "").lower()
    return not runner or any(name in runner for name in _LOCAL_RUNNER_NAMES)


def counters(result) -> dict[str, int]:
    """Committed counters of our namespace, summed over steps, by name."""
    from apache_beam.metrics.metric import MetricsFilter

    totals: dict[str, int] = {}
    query = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
    for counter in query["counters"]:
        name = counter.key.metric.name
        totals[name] = totals.get(name, 0) + (counter.committed or 0)
    return totals


class UsageError(ValueError):
    """Bad command-line input, reported before any pipeline or training starts."""


class OutputExistsError(UsageError):
    """The output directory holds an earlier run's outputs."""


def matching_files(pattern: str, flag: str) -> list[str]:
    """The files a glob (local or any Beam filesystem) matches, sorted; none is an error."""
    from apache_beam.io.filesystems import FileSystems

    try:
        files = sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    except Exception as e:  # each filesystem raises its own errors
        raise UsageError(f"{flag} {pattern}: {type(e).__name__}: {e}") from None
    if not files:
        raise UsageError(f"{flag} {pattern} matches no files")
    return files


def prepare_output_dir(output_dir: str, patterns: list[str], overwrite: bool) -> None:
    """Refuses to mix a run's outputs with an earlier run's, or deletes those first.

    Sharded writers name files by shard count, so leftovers of a run with other
    shard counts would otherwise sit beside the new files and be read with them.
    """
    from apache_beam.io.filesystems import FileSystems

    existing = [
        metadata.path
        for pattern in patterns
        for metadata in FileSystems.match([FileSystems.join(output_dir, pattern)])[0].metadata_list
    ]
    if existing and not overwrite:
        shown = ", ".join(existing[:3]) + (" ..." if len(existing) > 3 else "")
        raise OutputExistsError(
            f"{output_dir} already holds outputs ({shown}); choose another --output_dir or "
            "pass --overwrite"
        )
    if existing:
        FileSystems.delete(existing)


def run_reporting_errors(prog: str, run, argv, expected_errors: tuple) -> int:
    """Runs a command; an expected error (bad input, missing files) becomes one
    line on stderr and exit status 2 instead of a traceback."""
    import sys

    try:
        run(argv)
    except expected_errors as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    return 0


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Beam and TF are chatty at INFO; our own progress lines are what matter.
    for noisy in ("apache_beam", "absl", "tensorflow", "h5py"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
