"""The official YouTube-8M metrics (google/youtube-8m `eval_util.py`,
`average_precision_calculator.py`), in plain numpy.

Two deliberate, documented choices where the official code is silent or random:

* **Ties.** The official AP shuffles with a fixed seed before a stable sort, so
  tied scores land in an arbitrary order. We use the *expected* AP over all
  orders of each tie group, which is deterministic and what the shuffle
  estimates.
* **Videos without labels** carry no ground truth and are left out of every
  metric (the official code would count them as misses).

The AP is computed from groups of equal scores, so the same function serves
exact scores (here) and the score histograms the Beam combiners build.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

DEFAULT_TOP_K = 20
# Scores are grouped at this resolution by the Beam combiners (the CSV's 6 decimals).
SCORE_RESOLUTION = 1e-6


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and scores of the k highest scores, highest first (ties: lower index)."""
    k = min(k, scores.shape[-1])
    order = np.lexsort((np.arange(scores.shape[-1]), -scores))[:k]
    return order, scores[order]


def average_precision_from_groups(
    groups: Iterable[tuple[float, int, int]], num_positives: int
) -> float:
    """AP over a ranked list given as (score, items, positives) groups of equal score.

    Within a group every order is equally likely: position j (1-based) of a
    group of g items holding p positives is positive with probability p/g, and
    then (j-1)(p-1)/(g-1) other positives are expected before it in the group.
    """
    if num_positives <= 0:
        return 0.0
    total = 0.0
    rank = 0
    positives_before = 0
    for _, items, positives in sorted(groups, key=lambda group: -group[0]):
        if positives:
            positions = np.arange(1, items + 1, dtype=np.float64)
            inside = (positions - 1) * (positives - 1) / (items - 1) if items > 1 else 0.0
            precision = (positives_before + 1 + inside) / (rank + positions)
            total += positives / items * precision.sum()
        rank += items
        positives_before += positives
    return total / num_positives


def group_scores(scores: np.ndarray, is_positive: np.ndarray) -> list[tuple[float, int, int]]:
    unique, inverse = np.unique(scores, return_inverse=True)
    items = np.bincount(inverse, minlength=len(unique))
    positives = np.bincount(inverse, weights=is_positive.astype(np.float64), minlength=len(unique))
    return list(zip(unique.tolist(), items.tolist(), positives.astype(int).tolist(), strict=True))


def average_precision(scores: np.ndarray, is_positive: np.ndarray, num_positives: int) -> float:
    return average_precision_from_groups(group_scores(scores, is_positive), num_positives)


def _labelled(predictions: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    has_labels = labels.sum(axis=1) > 0
    return predictions[has_labels], labels[has_labels]


def hit_at_one(predictions: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of videos whose top-scored class is one of their labels."""
    predictions, labels = _labelled(predictions, labels)
    if not len(labels):
        return 0.0
    top = np.argmax(predictions, axis=1)  # ties: the lowest index, as in top_k
    return float(labels[np.arange(len(labels)), top].mean())


def precision_at_equal_recall_rate(predictions: np.ndarray, labels: np.ndarray) -> float:
    """Per video: precision of its n top-scored classes, n = its number of labels
    (positive scores only, as the official code); averaged over videos."""
    predictions, labels = _labelled(predictions, labels)
    if not len(labels):
        return 0.0
    values = []
    for row, truth in zip(predictions, labels, strict=True):
        num_labels = int(truth.sum())
        top, scores = top_k(row, num_labels)
        values.append(float(((scores > 0) * truth[top]).sum()) / num_labels)
    return float(np.mean(values))


def gap(predictions: np.ndarray, labels: np.ndarray, k: int = DEFAULT_TOP_K) -> float:
    """Global AP over every video's k top-scored (class, score) pairs, with every
    label of every video counted as a positive to recall."""
    predictions, labels = _labelled(predictions, labels)
    scores, positives = [], []
    for row, truth in zip(predictions, labels, strict=True):
        top, top_scores = top_k(row, k)
        scores.append(top_scores)
        positives.append(truth[top] > 0)
    if not scores:
        return 0.0
    return average_precision(
        np.concatenate(scores), np.concatenate(positives), int((labels > 0).sum())
    )


def mean_average_precision(
    predictions: np.ndarray, labels: np.ndarray, k: int = DEFAULT_TOP_K
) -> float:
    """Mean over *all* classes (official: classes without positives count as 0)
    of each class's AP over the videos that have it in their top k."""
    predictions, labels = _labelled(predictions, labels)
    num_classes = predictions.shape[1]
    per_class = [([], []) for _ in range(num_classes)]
    for row, truth in zip(predictions, labels, strict=True):
        top, top_scores = top_k(row, k)
        for index, score in zip(top, top_scores, strict=True):
            per_class[index][0].append(score)
            per_class[index][1].append(truth[index] > 0)
    positives_per_class = (labels > 0).sum(axis=0)
    aps = [
        average_precision(np.array(s), np.array(p), int(n)) if s else 0.0
        for (s, p), n in zip(per_class, positives_per_class, strict=True)
    ]
    return float(np.mean(aps))


def threshold_metrics(
    predictions: np.ndarray, labels: np.ndarray, threshold: float = 0.5
) -> dict[str, float]:
    """Precision, recall and the mean number of predicted classes at `threshold`."""
    predicted = predictions > threshold
    true_positives = float((predicted & (labels > 0)).sum())
    return {
        "precision": true_positives / max(1.0, float(predicted.sum())),
        "recall": true_positives / max(1.0, float((labels > 0).sum())),
        "avg_predicted_classes": float(predicted.sum(axis=1).mean()) if len(predicted) else 0.0,
    }
