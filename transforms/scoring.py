"""The composite transforms of the score pipeline: records -> ranked labels, metrics."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

import apache_beam as beam
import numpy as np

from models import metrics
from transforms import yt8m_format
from transforms.failures import DeadLettersToFailures, counter

CSV_HEADER = "VideoId,LabelConfidencePairs"


class ScoredVideo(NamedTuple):
    video_id: str
    labels: tuple[int, ...]  # ground truth; empty when the record has none
    top_classes: tuple[int, ...]  # highest score first
    top_scores: tuple[float, ...]
    hit_at_one: float | None  # None without labels
    perr: float | None


class ParseRecords(beam.PTransform):
    """TFRecord file patterns -> (keyed model inputs, failures).

    Keys are (id, labels) so ground truth rides through RunInference untouched.
    """

    def __init__(self, patterns: Sequence[str], feature_names, num_classes: int):
        super().__init__()
        self._patterns = list(patterns)
        self._feature_names = list(feature_names)
        self._num_classes = num_classes

    def _parse(self, file_and_record):
        _, serialized = file_and_record
        video = yt8m_format.parse_video_record(serialized, self._feature_names, self._num_classes)
        counter("records_parsed").inc()
        return (video.video_id, video.labels), video.features

    def expand(self, pipeline):
        records = (
            pipeline
            | "Record patterns" >> beam.Create(self._patterns)
            | "Read records" >> beam.io.ReadAllFromTFRecord(with_filename=True)
        )
        inputs, dead_letters = records | "Parse" >> beam.Map(self._parse).with_exception_handling()
        failures = dead_letters | "Parse failures" >> DeadLettersToFailures(
            "parse", source_of=lambda file_and_record: file_and_record[0]
        )
        return inputs, failures


def rank_prediction(keyed_result, num_classes: int, top_k: int) -> ScoredVideo:
    """Top-k classes of one video, and its Hit@1 and PERR when it has labels."""
    (video_id, labels), result = keyed_result
    scores = np.asarray(result.inference, dtype=np.float64).reshape(-1)
    top_classes, top_scores = metrics.top_k(scores, top_k)
    hit = perr = None
    if labels:
        truth = np.zeros((1, num_classes))
        truth[0, list(labels)] = 1.0
        hit = metrics.hit_at_one(scores[None], truth)
        perr = metrics.precision_at_equal_recall_rate(scores[None], truth)
    counter("videos_scored").inc()
    return ScoredVideo(
        video_id,
        tuple(labels),
        tuple(int(c) for c in top_classes),
        tuple(float(s) for s in top_scores),
        hit,
        perr,
    )


def csv_line(video: ScoredVideo) -> str:
    """`id,label score label score ...`, the official starter code's format."""
    pairs = " ".join(
        f"{label} {score:.6f}"
        for label, score in zip(video.top_classes, video.top_scores, strict=True)
    )
    return f"{video.video_id},{pairs}"


def json_line(video: ScoredVideo, names: dict[int, str] | None) -> str:
    labels = [
        {
            "index": label,
            "name": (names or {}).get(label, str(label)),
            "score": round(score, 6),
        }
        for label, score in zip(video.top_classes, video.top_scores, strict=True)
    ]
    return json.dumps({"id": video.video_id, "labels": labels})


class ScoreHistogramFn(beam.CombineFn):
    """(score, is_positive) pairs -> {score at 1e-6: [items, positives]}.

    Memory is bounded by the score resolution, not by the number of videos, so
    the global AP scales past what one worker could hold as a list.
    """

    def create_accumulator(self):
        return {}

    def add_input(self, histogram, score_and_positive):
        score, positive = score_and_positive
        key = int(round(score / metrics.SCORE_RESOLUTION))
        counts = histogram.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += int(positive)
        return histogram

    def merge_accumulators(self, histograms):
        merged = {}
        for histogram in histograms:
            for key, (items, positives) in histogram.items():
                counts = merged.setdefault(key, [0, 0])
                counts[0] += items
                counts[1] += positives
        return merged

    def extract_output(self, histogram):
        return [
            (key * metrics.SCORE_RESOLUTION, items, positives)
            for key, (items, positives) in histogram.items()
        ]


def _scored_pairs(video: ScoredVideo):
    truth = set(video.labels)
    return [(s, c in truth) for c, s in zip(video.top_classes, video.top_scores, strict=True)]


def _class_pairs(video: ScoredVideo):
    truth = set(video.labels)
    return [(c, (s, c in truth)) for c, s in zip(video.top_classes, video.top_scores, strict=True)]


def _class_ap(class_and_grouped):
    _, grouped = class_and_grouped
    histograms, positives = grouped["histogram"], grouped["positives"]
    num_positives = sum(positives)
    groups = histograms[0] if histograms else []
    return metrics.average_precision_from_groups(groups, num_positives)


class ComputeMetrics(beam.PTransform):
    """ScoredVideos -> one dict of the official metrics over the labelled videos,
    or nothing when no video has labels."""

    def __init__(self, num_classes: int, top_k: int):
        super().__init__()
        self._num_classes = num_classes
        self._top_k = top_k

    def expand(self, scored):
        labelled = scored | "Labelled only" >> beam.Filter(lambda v: bool(v.labels))
        count = labelled | "Count" >> beam.combiners.Count.Globally()
        hit = (
            labelled
            | "Hit@1 values" >> beam.Map(lambda v: v.hit_at_one)
            | "Mean Hit@1" >> beam.combiners.Mean.Globally()
        )
        perr = (
            labelled
            | "PERR values" >> beam.Map(lambda v: v.perr)
            | "Mean PERR" >> beam.combiners.Mean.Globally()
        )
        positives = (
            labelled
            | "Label counts" >> beam.Map(lambda v: len(v.labels))
            | "Sum labels" >> beam.CombineGlobally(sum)
        )
        gap_histogram = (
            labelled
            | "Top-k pairs" >> beam.FlatMap(_scored_pairs)
            | "Global histogram" >> beam.CombineGlobally(ScoreHistogramFn())
        )
        class_histograms = (
            labelled
            | "Class pairs" >> beam.FlatMap(_class_pairs)
            | "Class histograms" >> beam.CombinePerKey(ScoreHistogramFn())
        )
        class_positives = labelled | "Class positives" >> beam.FlatMap(
            lambda v: [(c, 1) for c in v.labels]
        )
        sum_of_aps = (
            {"histogram": class_histograms, "positives": class_positives}
            | "Join per class" >> beam.CoGroupByKey()
            | "Class AP" >> beam.Map(_class_ap)
            | "Sum APs" >> beam.CombineGlobally(sum)
        )
        side = beam.pvalue.AsSingleton
        return (
            count
            | "Any labels" >> beam.Filter(lambda n: n > 0)
            | "Assemble"
            >> beam.Map(
                self._assemble,
                hit=side(hit),
                perr=side(perr),
                positives=side(positives),
                gap_histogram=side(gap_histogram),
                sum_of_aps=side(sum_of_aps),
            )
        )

    def _assemble(self, count, hit, perr, positives, gap_histogram, sum_of_aps):
        return {
            "gap": metrics.average_precision_from_groups(gap_histogram, positives),
            "hit_at_one": hit,
            "perr": perr,
            "map": sum_of_aps / self._num_classes,
            "num_videos": count,
            "top_k": self._top_k,
        }
