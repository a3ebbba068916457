"""The YouTube-8M baseline: logistic regression over video-level features, Keras 3.

Also the tf.data input path (streamed from TFRecords, never loaded whole) and
the class weights of the weighted Hamming loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from transforms import yt8m_format

L2_PENALTY = 1e-8  # the official LogisticModel's default
LOSSES = ("bce", "hamming", "weighted_hamming")
CLASS_WEIGHT_SOURCES = ("none", "data", "vocabulary")


EXPECTED_LABELS_PER_VIDEO = 3.0


def prior_log_odds(num_classes: int) -> float:
    prior = min(0.5, EXPECTED_LABELS_PER_VIDEO / num_classes)
    return float(np.log(prior / (1.0 - prior)))


def build_model(input_dim: int, num_classes: int, seed: int | None = None):
    import keras

    return keras.Sequential(
        [
            keras.Input((input_dim,), name="features"),
            keras.layers.Dense(
                num_classes,
                activation="sigmoid",
                kernel_regularizer=keras.regularizers.L2(L2_PENALTY),
                kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
                # Start every class at a prior of about 3 labels per video, not
                # 0.5: rare classes otherwise stay "predicted" for many steps.
                bias_initializer=keras.initializers.Constant(prior_log_odds(num_classes)),
                name="logistic",
            ),
        ],
        name="yt8m_logistic",
    )


def class_weights(counts: np.ndarray, num_videos: int, power: float = 1.0) -> np.ndarray:
    """w_i = (N / (C * n_i)) ** power; classes never seen count as seen once."""
    counts = np.maximum(np.asarray(counts, np.float64), 1.0)
    return ((num_videos / (len(counts) * counts)) ** power).astype(np.float32)


def make_loss(name: str, weights: np.ndarray | None = None):
    """A Keras loss: 'bce', or the Hamming loss |y - p| summed over classes
    (optionally weighted per class) and averaged over videos."""
    import keras
    from keras import ops

    if name == "bce":
        return keras.losses.BinaryCrossentropy(name="bce")
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {name!r}")
    if name == "weighted_hamming" and weights is None:
        raise ValueError("weighted_hamming needs class weights")
    class_weight = None if name == "hamming" else ops.convert_to_tensor(weights)

    def hamming(y_true, y_pred):
        mismatch = y_true * (1.0 - y_pred) + (1.0 - y_true) * y_pred
        if class_weight is not None:
            mismatch = mismatch * class_weight
        return ops.sum(mismatch, axis=-1)

    hamming.__name__ = name
    return hamming


def detect_record_kind(files: Sequence[str]) -> str:
    """'frame' or 'video', from the first record of the first file."""
    import tensorflow as tf

    for record in tf.data.TFRecordDataset(list(files)).take(1):
        return "frame" if yt8m_format.is_frame_level(record.numpy()) else "video"
    raise ValueError(f"no records in {list(files)[:3]}")


def _video_parser(feature_names: Sequence[str], num_classes: int):
    import tensorflow as tf

    spec = {
        yt8m_format.LABELS_KEY: tf.io.VarLenFeature(tf.int64),
        **{
            name: tf.io.FixedLenFeature([yt8m_format.VIDEO_FEATURES[name][1]], tf.float32)
            for name in feature_names
        },
    }

    def parse(serialized_batch):
        parsed = tf.io.parse_example(serialized_batch, spec)
        features = tf.concat([parsed[name] for name in feature_names], axis=1)
        return features, _multi_hot(parsed[yt8m_format.LABELS_KEY], num_classes)

    return parse


def _frame_parser(feature_names: Sequence[str], num_classes: int):
    import tensorflow as tf

    list_names = [yt8m_format.VIDEO_FEATURES[name][0] for name in feature_names]

    def parse(serialized):
        context, lists = tf.io.parse_single_sequence_example(
            serialized,
            context_features={yt8m_format.LABELS_KEY: tf.io.VarLenFeature(tf.int64)},
            sequence_features={
                name: tf.io.FixedLenSequenceFeature([], tf.string) for name in list_names
            },
        )
        means = []
        for name in list_names:
            quantized = tf.cast(tf.io.decode_raw(lists[name], tf.uint8), tf.float32)
            dequantized = quantized * yt8m_format.DEQUANTIZE_SCALE + yt8m_format.DEQUANTIZE_BIAS
            means.append(tf.reduce_mean(dequantized, axis=0))
        labels = _multi_hot(tf.sparse.expand_dims(context[yt8m_format.LABELS_KEY], 0), num_classes)
        return tf.concat(means, axis=0), labels[0]

    return parse


def _multi_hot(sparse_labels, num_classes: int):
    """Dense 0/1 labels (batch, num_classes); label ranges are checked beforehand
    by `count_labels`, so every index is valid here."""
    import tensorflow as tf

    dense_shape = tf.stack([sparse_labels.dense_shape[0], tf.constant(num_classes, tf.int64)])
    labels = tf.sparse.SparseTensor(sparse_labels.indices, sparse_labels.values, dense_shape)
    return tf.cast(tf.sparse.to_indicator(labels, num_classes), tf.float32)


def make_dataset(
    files: Sequence[str],
    kind: str,
    feature_names: Sequence[str],
    num_classes: int,
    batch_size: int,
    shuffle: bool = False,
    seed: int | None = None,
):
    """(features, multi-hot labels) batches streamed from TFRecord files."""
    import tensorflow as tf

    files = list(files)
    dataset = tf.data.Dataset.from_tensor_slices(files)
    if shuffle:
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.interleave(
        tf.data.TFRecordDataset,
        cycle_length=min(4, len(files)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=seed is not None or not shuffle,
    )
    if shuffle:
        dataset = dataset.shuffle(10 * batch_size, seed=seed, reshuffle_each_iteration=True)
    if kind == "frame":
        dataset = dataset.map(
            _frame_parser(feature_names, num_classes), num_parallel_calls=tf.data.AUTOTUNE
        ).batch(batch_size)
    else:
        dataset = dataset.batch(batch_size).map(
            _video_parser(feature_names, num_classes), num_parallel_calls=tf.data.AUTOTUNE
        )
    return dataset.prefetch(tf.data.AUTOTUNE)


class LabelStats(NamedTuple):
    videos: int
    class_counts: np.ndarray  # videos per class
    out_of_range: int  # label values outside [0, num_classes)
    max_label: int


def _labels_of(kind: str):
    import tensorflow as tf

    spec = {yt8m_format.LABELS_KEY: tf.io.VarLenFeature(tf.int64)}
    if kind == "frame":
        return lambda record: (
            tf.io.parse_single_sequence_example(record, context_features=spec)[0][
                yt8m_format.LABELS_KEY
            ].values
        )
    return lambda record: tf.io.parse_single_example(record, spec)[yt8m_format.LABELS_KEY].values


def count_labels(files: Sequence[str], kind: str, num_classes: int) -> LabelStats:
    """Label statistics in one streaming pass that parses nothing but labels."""
    import tensorflow as tf

    dataset = (
        tf.data.TFRecordDataset(list(files))
        .map(_labels_of(kind), num_parallel_calls=tf.data.AUTOTUNE)
        .ragged_batch(8192)
    )
    counts = np.zeros(num_classes, np.int64)
    videos = out_of_range = 0
    max_label = -1
    for batch in dataset:
        rows, values = batch.value_rowids().numpy(), batch.flat_values.numpy()
        videos += int(batch.nrows())
        valid = (values >= 0) & (values < num_classes)
        out_of_range += int((~valid).sum())
        if len(values):
            max_label = max(max_label, int(values.max()))
        pairs = np.unique(np.stack([rows[valid], values[valid]], axis=1), axis=0)
        np.add.at(counts, pairs[:, 1], 1)
    return LabelStats(videos, counts, out_of_range, max_label)
