"""The YouTube-8M contract: dimensions, quantisation, frame timing, record schema.

Everything that must match the official dataset (google/youtube-8m
`feature_extractor/extract_tfrecords_main.py`, `readers.py`, `utils.py`) lives here
and nowhere else, so a change to the contract is a change to one file and its tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

INCEPTION_DIM = 2048
RGB_DIM = 1024
AUDIO_DIM = 128
NUM_CLASSES = 3862

MIN_QUANTIZED_VALUE = -2.0
MAX_QUANTIZED_VALUE = 2.0

DEFAULT_FRAMES_PER_SECOND = 1.0
DEFAULT_MAX_FRAMES = 300

ID_KEY = "id"
LABELS_KEY = "labels"
RGB_KEY = "rgb"
AUDIO_KEY = "audio"
MEAN_RGB_KEY = "mean_rgb"
MEAN_AUDIO_KEY = "mean_audio"

# The official extractor's zero-audio convention (`insert_zero_audio_features`):
# every frame gets 128 zero *bytes* and the video gets a 128-float zero mean.
# The two disagree once dequantised: byte 0 means about -2.0, not 0.0.
ZERO_AUDIO_FRAME = bytes(AUDIO_DIM)
ZERO_MEAN_AUDIO = (0.0,) * AUDIO_DIM


def frame_interval_ms(frames_per_second: float) -> float:
    """Milliseconds that must pass between two sampled frames."""
    if frames_per_second <= 0:
        raise ValueError(f"frames_per_second must be positive, got {frames_per_second}")
    return 1000.0 / frames_per_second


def quantize(features: np.ndarray) -> np.ndarray:
    """Quantises float features to uint8 exactly as the official extractor.

    Clip to [-2, 2], scale by 255/4 and round half to even (Python 3's `round`,
    which the official code uses, and numpy's `rint` agree on that).

    Args:
      features: float array of any shape.

    Returns:
      uint8 array of the same shape.
    """
    clipped = np.clip(
        np.asarray(features, dtype=np.float32), MIN_QUANTIZED_VALUE, MAX_QUANTIZED_VALUE
    )
    scale = 255.0 / (MAX_QUANTIZED_VALUE - MIN_QUANTIZED_VALUE)
    return np.rint((clipped - MIN_QUANTIZED_VALUE) * scale).astype(np.uint8)


def dequantize(quantized: np.ndarray) -> np.ndarray:
    """Maps uint8 features back to floats as the official reader (`utils.Dequantize`).

    The official reader adds a bias of range/512 (about half a bin), so the result
    is close to the centre of the value's bin rather than its lower edge; we keep
    its exact constants so models trained on either reader see the same numbers.
    """
    quantize_range = MAX_QUANTIZED_VALUE - MIN_QUANTIZED_VALUE
    scalar = quantize_range / 255.0
    bias = quantize_range / 512.0 + MIN_QUANTIZED_VALUE
    return np.asarray(quantized, dtype=np.float32) * scalar + bias


def sorted_labels(labels: Sequence[int]) -> list[int]:
    """Labels as the official extractor writes them: sorted ints."""
    return sorted(int(label) for label in labels)


def _bytes_feature(value: bytes):
    import tensorflow as tf

    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))


def _floats_feature(values: Sequence[float]):
    import tensorflow as tf

    return tf.train.Feature(float_list=tf.train.FloatList(value=values))


def _int64s_feature(values: Sequence[int]):
    import tensorflow as tf

    return tf.train.Feature(int64_list=tf.train.Int64List(value=values))


def _video_level_features(video_id: str, labels: Sequence[int], mean_rgb) -> dict:
    mean_rgb = np.asarray(mean_rgb, dtype=np.float32)
    if mean_rgb.shape != (RGB_DIM,):
        raise ValueError(f"mean_rgb must have shape ({RGB_DIM},), got {mean_rgb.shape}")
    return {
        ID_KEY: _bytes_feature(video_id.encode("utf-8")),
        LABELS_KEY: _int64s_feature(sorted_labels(labels)),
        MEAN_RGB_KEY: _floats_feature(mean_rgb.tolist()),
        MEAN_AUDIO_KEY: _floats_feature(ZERO_MEAN_AUDIO),
    }


def make_frame_level_example(
    video_id: str, labels: Sequence[int], quantized_rgb: np.ndarray, mean_rgb
) -> bytes:
    """Serialises one video as the official frame-level `SequenceExample`.

    Args:
      video_id: the record's `id`.
      labels: class indices; written sorted.
      quantized_rgb: uint8 array (frames, 1024), one row per sampled frame.
      mean_rgb: the mean of the *unquantised* per-frame features, 1024 floats.
    """
    import tensorflow as tf

    quantized_rgb = np.asarray(quantized_rgb)
    if quantized_rgb.dtype != np.uint8 or quantized_rgb.ndim != 2:
        raise ValueError("quantized_rgb must be a 2-D uint8 array")
    if quantized_rgb.shape[1] != RGB_DIM or quantized_rgb.shape[0] == 0:
        raise ValueError(
            f"quantized_rgb must have shape (frames>0, {RGB_DIM}), got {quantized_rgb.shape}"
        )
    num_frames = quantized_rgb.shape[0]
    feature_lists = {
        RGB_KEY: tf.train.FeatureList(
            feature=[_bytes_feature(row.tobytes()) for row in quantized_rgb]
        ),
        AUDIO_KEY: tf.train.FeatureList(feature=[_bytes_feature(ZERO_AUDIO_FRAME)] * num_frames),
    }
    example = tf.train.SequenceExample(
        context=tf.train.Features(feature=_video_level_features(video_id, labels, mean_rgb)),
        feature_lists=tf.train.FeatureLists(feature_list=feature_lists),
    )
    return example.SerializeToString()


def make_video_level_example(video_id: str, labels: Sequence[int], mean_rgb) -> bytes:
    """Serialises one video as the official video-level `Example`."""
    import tensorflow as tf

    example = tf.train.Example(
        features=tf.train.Features(feature=_video_level_features(video_id, labels, mean_rgb))
    )
    return example.SerializeToString()
