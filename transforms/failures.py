"""Failures are data: every input that yields no record becomes one JSON line."""

from __future__ import annotations

import json

import apache_beam as beam
from apache_beam.metrics import Metrics

METRICS_NAMESPACE = "yt8m"
STAGES = ("parse", "download", "decode", "extract", "write")


class PipelineStageError(Exception):
    """An error that knows which pipeline stage it belongs to."""

    stage = "extract"


def counter(name: str):
    """A Beam counter under the project's one metrics namespace."""
    return Metrics.counter(METRICS_NAMESPACE, name)


def failure_counter_name(stage: str) -> str:
    return f"failed_{stage}"


def make_failure(source: str, stage: str, error: str, **context) -> dict:
    """A failure record; `context` adds what helps a person find the input."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    return {"source": source, "stage": stage, "error": error, **context}


def describe_exception(exc_type: type, formatted_traceback: list[str]) -> str:
    """`Class: message`, from what Beam's dead-letter output carries."""
    last_line = formatted_traceback[-1].strip() if formatted_traceback else ""
    _, _, message = last_line.partition(": ")
    return f"{exc_type.__name__}: {message}" if message else exc_type.__name__


def exception_text(exc: BaseException) -> str:
    """`Class: first line of the message`, for wrapping a foreign exception."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


class DeadLettersToFailures(beam.PTransform):
    """Turns `with_exception_handling` dead letters into counted failure records.

    Args:
      default_stage: the stage for exceptions that do not name one.
      source_of: maps the failed element to its source string.
      context_of: maps the failed element to extra fields for the record.
      timeout_s: the time limit of the step, to explain its TimeoutErrors.
    """

    def __init__(self, default_stage, source_of, context_of=lambda element: {}, timeout_s=None):
        super().__init__()
        self._default_stage = default_stage
        self._source_of = source_of
        self._context_of = context_of
        self._timeout_s = timeout_s

    def expand(self, dead_letters):
        return dead_letters | beam.Map(self._to_failure)

    def _to_failure(self, dead_letter):
        element, (exc_type, _, formatted_traceback) = dead_letter
        stage = getattr(exc_type, "stage", self._default_stage)
        counter(failure_counter_name(stage)).inc()
        error = describe_exception(exc_type, formatted_traceback)
        if self._timeout_s and issubclass(exc_type, TimeoutError):
            error = f"TimeoutError: not finished within {self._timeout_s:g} s"
        return make_failure(self._source_of(element), stage, error, **self._context_of(element))


class WriteFailures(beam.PTransform):
    """Writes failure records as JSON lines under `prefix`."""

    def __init__(self, prefix: str):
        super().__init__()
        self._prefix = prefix

    def expand(self, failures):
        return (
            failures
            | "To JSON" >> beam.Map(lambda f: json.dumps(f, sort_keys=True))
            | "Write JSON lines" >> beam.io.WriteToText(self._prefix, file_name_suffix=".jsonl")
        )
