"""Parsing URL lists: `SOURCE` or the official extractor's `SOURCE,LABELS` CSV."""

from __future__ import annotations

import csv
import os
import posixpath
from typing import NamedTuple

from apache_beam.io.filesystems import FileSystems

from transforms.failures import PipelineStageError


class VideoSource(NamedTuple):
    """One input video: where it is, its labels and the list line it came from."""

    source: str
    labels: tuple[int, ...]
    list_file: str
    line: str


class ListLineError(PipelineStageError):
    """A list line that is neither `SOURCE` nor `SOURCE,LABELS`."""

    stage = "parse"


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def _has_scheme(source: str) -> bool:
    return "://" in source


def resolve_source(source: str, list_file: str) -> str:
    """Makes a relative file path absolute against the list's own directory.

    Lists then travel with their videos (a list in gs://bucket/ can name
    `clips/a.mp4`), and the same list works from any working directory.
    """
    if is_url(source) or _has_scheme(source) or source.startswith("/"):
        return source
    if _has_scheme(list_file):
        return FileSystems.join(posixpath.dirname(list_file), source)
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(list_file)), source))


def _parse_labels(field: str) -> tuple[int, ...]:
    labels = []
    for part in field.split(";"):
        part = part.strip()
        if not part:
            continue
        try:
            label = int(part)
        except ValueError:
            raise ListLineError(f"label {part!r} is not an integer") from None
        if label < 0:
            raise ListLineError(f"label {label} is negative")
        labels.append(label)
    return tuple(sorted(set(labels)))


def is_ignorable(line: str) -> bool:
    """Blank lines, `#` comments and the CSV header carry no video."""
    stripped = line.strip()
    return (
        not stripped
        or stripped.startswith("#")
        or stripped.lower().replace(" ", "") in ("path_or_url,labels", "video_file,labels")
    )


def parse_list_line(list_file: str, line: str) -> VideoSource:
    """Parses one non-ignorable list line.

    Raises:
      ListLineError: with the reason, for lines that must become failure records.
    """
    try:
        (fields,) = list(csv.reader([line.strip()]))
    except (csv.Error, ValueError) as e:
        raise ListLineError(f"not a CSV line: {e}") from None
    fields = [field.strip() for field in fields]
    if len(fields) > 2:
        raise ListLineError(
            f"expected SOURCE or SOURCE,LABELS but found {len(fields)} fields "
            "(quote a source that contains commas)"
        )
    source = fields[0]
    if not source:
        raise ListLineError("empty source")
    labels = _parse_labels(fields[1]) if len(fields) == 2 else ()
    return VideoSource(resolve_source(source, list_file), labels, list_file, line.strip())
