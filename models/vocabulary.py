"""The official YouTube-8M vocabulary.csv: class index -> name and training count."""

from __future__ import annotations

import csv
import io
import logging
import os
import tempfile
import urllib.request
from typing import NamedTuple

from apache_beam.io.filesystems import FileSystems

from models import assets

VOCABULARY_URL = "https://research.google.com/youtube8m/csv/2/vocabulary.csv"
VOCABULARY_FILE = "vocabulary.csv"
COLUMNS = (
    "Index",
    "TrainVideoCount",
    "KnowledgeGraphId",
    "Name",
    "WikiUrl",
    "Vertical1",
    "Vertical2",
    "Vertical3",
    "WikiDescription",
)

_LOGGER = logging.getLogger(__name__)


class VocabularyError(ValueError):
    """The vocabulary file is not in the official format."""


class Vocabulary(NamedTuple):
    names: dict[int, str]
    train_video_counts: dict[int, int]
    source: str

    def name(self, index: int) -> str:
        return self.names.get(index, str(index))


def parse_vocabulary(text: str, source: str) -> Vocabulary:
    reader = csv.DictReader(io.StringIO(text))
    missing = [
        c for c in ("Index", "TrainVideoCount", "Name") if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise VocabularyError(f"{source} lacks the columns {missing} of the official format")
    names, counts = {}, {}
    for line_number, row in enumerate(reader, start=2):
        try:
            index = int(row["Index"])
            counts[index] = int(row["TrainVideoCount"] or 0)
        except (TypeError, ValueError):
            raise VocabularyError(f"{source} line {line_number}: bad Index or count") from None
        names[index] = row["Name"] or str(index)
    return Vocabulary(names, counts, source)


def read_vocabulary(path: str) -> Vocabulary:
    with FileSystems.open(path) as f:
        return parse_vocabulary(f.read().decode("utf-8"), path)


def _cached_path() -> str:
    return os.path.join(os.path.dirname(assets.default_model_dir()), VOCABULARY_FILE)


def load_vocabulary(path: str | None) -> Vocabulary | None:
    """The vocabulary at path; without one, the official file (downloaded once into
    the cache). Offline, None, with one clear warning: labels stay indices."""
    if path:
        return read_vocabulary(path)
    cached = _cached_path()
    if not os.path.exists(cached):
        try:
            with urllib.request.urlopen(VOCABULARY_URL, timeout=assets.DOWNLOAD_TIMEOUT_S) as r:
                data = r.read()
            parse_vocabulary(data.decode("utf-8"), VOCABULARY_URL)
        except (OSError, VocabularyError, UnicodeDecodeError) as e:
            _LOGGER.warning(
                "No --vocabulary and the official one could not be downloaded from %s "
                "(%s): labels are reported as class indices without names.",
                VOCABULARY_URL,
                e,
            )
            return None
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=os.path.dirname(cached))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(partial, cached)
    return read_vocabulary(cached)


def format_vocabulary(names: list[str], counts: list[int], descriptions: list[str]) -> str:
    """A vocabulary.csv in the official column layout."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for index, (name, count, description) in enumerate(
        zip(names, counts, descriptions, strict=True)
    ):
        writer.writerow(
            [index, count, f"/m/syn{index}", name, "", "Synthetic", "", "", description]
        )
    return out.getvalue()
