import itertools

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.util import assert_that, equal_to

from models import metrics
from transforms.scoring import ComputeMetrics, ScoredVideo


def official_ap(scores, is_positive, num_positives):
    """The official ap_at_n with n=None for a list without ties."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    hits, total = 0, 0.0
    for rank, index in enumerate(order, start=1):
        if is_positive[index]:
            hits += 1
            total += hits / rank
    return total / num_positives if num_positives else 0.0


def test_hand_computed_average_precision():
    # Ranked: +, -, +  with 3 positives in all: (1/1 + 2/3) / 3
    assert metrics.average_precision(
        np.array([0.9, 0.8, 0.7]), np.array([1, 0, 1]), 3
    ) == pytest.approx((1 + 2 / 3) / 3)


def test_tied_scores_count_as_the_mean_over_all_orders():
    scores = np.array([0.9, 0.5, 0.5, 0.5, 0.2])
    positive = np.array([0, 1, 0, 1, 1])
    expected = np.mean(
        [
            official_ap(scores[[0, *perm, 4]], positive[[0, *perm, 4]], 3)
            for perm in itertools.permutations([1, 2, 3])
        ]
    )
    assert metrics.average_precision(scores, positive, 3) == pytest.approx(expected)


def test_hit_at_one_and_perr_by_hand():
    predictions = np.array([[0.1, 0.9, 0.3], [0.8, 0.1, 0.7], [0.5, 0.5, 0.5]])
    labels = np.array([[0, 1, 0], [0, 1, 1], [0, 0, 0]])  # third: no labels, left out
    assert metrics.hit_at_one(predictions, labels) == 0.5
    # video 1: top-1 = class 1, a hit -> 1; video 2: top-2 = {0, 2}, one hit -> 0.5
    assert metrics.precision_at_equal_recall_rate(predictions, labels) == 0.75


def test_gap_counts_missed_labels_and_videos_with_fewer_than_k_classes():
    predictions = np.array([[0.9, 0.1, 0.4], [0.2, 0.8, 0.6]])
    labels = np.array([[1, 0, 1], [0, 0, 1]])
    # k=2 keeps (0.9,+) (0.4,+) from video 1 and (0.8,-) (0.6,+) from video 2;
    # ranked +,-,+,+ over 3 positives: (1 + 2/3 + 3/4) / 3
    assert metrics.gap(predictions, labels, k=2) == pytest.approx((1 + 2 / 3 + 3 / 4) / 3)
    # k=20 > 3 classes: every score is kept.
    flat = predictions.ravel()
    assert metrics.gap(predictions, labels, k=20) == pytest.approx(
        official_ap(flat, labels.ravel(), 3)
    )


def test_gap_equals_the_official_definition_on_tie_free_data():
    rng = np.random.default_rng(3)
    predictions = rng.random((50, 30))
    labels = (rng.random((50, 30)) < 0.1).astype(int)
    labels[np.arange(50), rng.integers(0, 30, 50)] = 1
    scores, positives = [], []
    for row, truth in zip(predictions, labels, strict=True):
        top = np.argpartition(row, -20)[-20:]
        scores += row[top].tolist()
        positives += truth[top].tolist()
    expected = official_ap(scores, positives, labels.sum())
    assert metrics.gap(predictions, labels, 20) == pytest.approx(expected)


def test_map_averages_over_all_classes():
    predictions = np.array([[0.9, 0.1], [0.2, 0.8]])
    labels = np.array([[1, 0], [1, 0]])
    # class 0: ranked 0.9(+) 0.2(+) -> AP 1; class 1 has no positives -> 0
    assert metrics.mean_average_precision(predictions, labels, k=2) == pytest.approx(0.5)


def _scored(predictions, labels, k):
    videos = []
    for i, (row, truth) in enumerate(zip(predictions, labels, strict=True)):
        top, top_scores = metrics.top_k(row, k)
        label_tuple = tuple(np.flatnonzero(truth).tolist())
        videos.append(
            ScoredVideo(
                f"v{i}",
                label_tuple,
                tuple(top.tolist()),
                tuple(top_scores.tolist()),
                metrics.hit_at_one(row[None], truth[None]) if label_tuple else None,
                metrics.precision_at_equal_recall_rate(row[None], truth[None])
                if label_tuple
                else None,
            )
        )
    return videos


def test_beam_metrics_equal_the_numpy_reference_with_ties(test_pipeline):
    rng = np.random.default_rng(7)
    num_classes, k = 40, 5
    # Scores on a coarse grid (multiples of 1e-6 too), so many ties.
    predictions = rng.integers(0, 50, (120, num_classes)) / 50.0
    labels = (rng.random((120, num_classes)) < 0.08).astype(int)
    labels[:100][np.arange(100), rng.integers(0, num_classes, 100)] = 1
    labels[100:] = 0  # twenty videos without labels are left out
    expected = {
        "gap": metrics.gap(predictions, labels, k),
        "hit_at_one": metrics.hit_at_one(predictions, labels),
        "perr": metrics.precision_at_equal_recall_rate(predictions, labels),
        "map": metrics.mean_average_precision(predictions, labels, k),
        "num_videos": 100,
        "top_k": k,
    }

    def close_to_expected(results):
        assert len(results) == 1
        for name, value in expected.items():
            assert results[0][name] == pytest.approx(value, abs=1e-9), name

    with test_pipeline as p:
        results = p | beam.Create(_scored(predictions, labels, k)) | ComputeMetrics(num_classes, k)
        assert_that(results, close_to_expected)


def test_beam_metrics_emit_nothing_without_labels(test_pipeline):
    predictions = np.random.default_rng(0).random((5, 10))
    with test_pipeline as p:
        results = (
            p | beam.Create(_scored(predictions, np.zeros((5, 10)), 3)) | ComputeMetrics(10, 3)
        )
        assert_that(results, equal_to([]))
