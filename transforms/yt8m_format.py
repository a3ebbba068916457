"""The YouTube-8M contract: dimensions, quantisation, frame timing, record schema.

Everything that must match the official dataset (google/youtube-8m
`feature_extractor/extract_tfrecords_main.py`, `readers.py`, `utils.py`) lives here
and nowhere else, so a change to the contract is a change to one file and its tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

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


# The official reader's dequantisation (`utils.Dequantize`): x * scale + bias.
# Its bias of range/512 (about half a bin) lands values near their bin's centre;
# we keep its exact constants so models see the same numbers from either reader.
DEQUANTIZE_SCALE = (MAX_QUANTIZED_VALUE - MIN_QUANTIZED_VALUE) / 255.0
DEQUANTIZE_BIAS = (MAX_QUANTIZED_VALUE - MIN_QUANTIZED_VALUE) / 512.0 + MIN_QUANTIZED_VALUE


def dequantize(quantized: np.ndarray) -> np.ndarray:
    """Maps uint8 features back to floats as the official reader does."""
    return np.asarray(quantized, dtype=np.float32) * DEQUANTIZE_SCALE + DEQUANTIZE_BIAS


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


def _checked_vector(name: str, values, dim: int) -> np.ndarray:
    values = np.asarray(values, dtype=np.float32)
    if values.shape != (dim,):
        raise ValueError(f"{name} must have shape ({dim},), got {values.shape}")
    return values


def _checked_frames(name: str, frames, dim: int) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim != 2:
        raise ValueError(f"{name} must be a 2-D uint8 array")
    if frames.shape[1] != dim or frames.shape[0] == 0:
        raise ValueError(f"{name} must have shape (frames>0, {dim}), got {frames.shape}")
    return frames


def _video_level_features(video_id, labels, mean_rgb, mean_audio) -> dict:
    mean_audio = ZERO_MEAN_AUDIO if mean_audio is None else mean_audio
    return {
        ID_KEY: _bytes_feature(video_id.encode("utf-8")),
        LABELS_KEY: _int64s_feature(sorted_labels(labels)),
        MEAN_RGB_KEY: _floats_feature(_checked_vector(MEAN_RGB_KEY, mean_rgb, RGB_DIM).tolist()),
        MEAN_AUDIO_KEY: _floats_feature(
            _checked_vector(MEAN_AUDIO_KEY, mean_audio, AUDIO_DIM).tolist()
        ),
    }


def make_frame_level_example(
    video_id: str,
    labels: Sequence[int],
    quantized_rgb: np.ndarray,
    mean_rgb,
    audio_frames: np.ndarray | None = None,
    mean_audio=None,
) -> bytes:
    """Serialises one video as the official frame-level `SequenceExample`.

    Args:
      video_id: the record's `id`.
      labels: class indices; written sorted.
      quantized_rgb: uint8 array (frames, 1024), one row per sampled frame.
      mean_rgb: the mean of the *unquantised* per-frame features, 1024 floats.
      audio_frames: uint8 (frames, 128); default the zero-audio convention.
      mean_audio: 128 floats; default zeros (the zero-audio convention).
    """
    import tensorflow as tf

    quantized_rgb = _checked_frames("quantized_rgb", quantized_rgb, RGB_DIM)
    num_frames = quantized_rgb.shape[0]
    if audio_frames is None:
        audio = [_bytes_feature(ZERO_AUDIO_FRAME)] * num_frames
    else:
        audio_frames = _checked_frames("audio_frames", audio_frames, AUDIO_DIM)
        audio = [_bytes_feature(row.tobytes()) for row in audio_frames]
    feature_lists = {
        RGB_KEY: tf.train.FeatureList(
            feature=[_bytes_feature(row.tobytes()) for row in quantized_rgb]
        ),
        AUDIO_KEY: tf.train.FeatureList(feature=audio),
    }
    example = tf.train.SequenceExample(
        context=tf.train.Features(
            feature=_video_level_features(video_id, labels, mean_rgb, mean_audio)
        ),
        feature_lists=tf.train.FeatureLists(feature_list=feature_lists),
    )
    return example.SerializeToString()


def make_video_level_example(
    video_id: str, labels: Sequence[int], mean_rgb, mean_audio=None
) -> bytes:
    """Serialises one video as the official video-level `Example`."""
    import tensorflow as tf

    example = tf.train.Example(
        features=tf.train.Features(
            feature=_video_level_features(video_id, labels, mean_rgb, mean_audio)
        )
    )
    return example.SerializeToString()


# Video-level feature name -> (frame-level feature list it is the mean of, dim).
VIDEO_FEATURES = {MEAN_RGB_KEY: (RGB_KEY, RGB_DIM), MEAN_AUDIO_KEY: (AUDIO_KEY, AUDIO_DIM)}


class ParsedVideo(NamedTuple):
    video_id: str
    labels: tuple[int, ...]
    features: np.ndarray  # float32, the chosen video-level features concatenated


def feature_dim(feature_names: Sequence[str]) -> int:
    return sum(VIDEO_FEATURES[name][1] for name in feature_names)


def check_feature_names(feature_names: Sequence[str]) -> None:
    unknown = [name for name in feature_names if name not in VIDEO_FEATURES]
    if unknown or not feature_names:
        raise ValueError(
            f"features must be a non-empty subset of {sorted(VIDEO_FEATURES)}, got {feature_names}"
        )


def is_frame_level(serialized: bytes) -> bool:
    """Whether a record is a frame-level SequenceExample (it has an `rgb` list).

    An Example's field 1 has the same wire format as a SequenceExample's
    context, so both parse as SequenceExample; only frame-level ones have lists.
    """
    import tensorflow as tf

    return RGB_KEY in tf.train.SequenceExample.FromString(serialized).feature_lists.feature_list


def parse_video_record(
    serialized: bytes, feature_names: Sequence[str], num_classes: int = NUM_CLASSES
) -> ParsedVideo:
    """Parses a video- or frame-level record into the model's input.

    Frame-level records are dequantised frame by frame (the official reader's
    way) and averaged. Raises ValueError, with the reason, for malformed records.
    """
    import tensorflow as tf

    try:
        record = tf.train.SequenceExample.FromString(serialized)
    except Exception as e:  # protobuf's DecodeError
        raise ValueError(f"not a tf.train.Example or SequenceExample: {e}") from None
    context = record.context.feature
    ids = context[ID_KEY].bytes_list.value if ID_KEY in context else []
    if len(ids) != 1:
        raise ValueError("record has no id")
    video_id = ids[0].decode("utf-8", errors="replace")
    labels = (
        tuple(sorted(set(context[LABELS_KEY].int64_list.value))) if LABELS_KEY in context else ()
    )
    bad = [label for label in labels if not 0 <= label < num_classes]
    if bad:
        raise ValueError(f"{video_id}: label index {bad[0]} outside [0, {num_classes})")
    frame_lists = record.feature_lists.feature_list
    parts = []
    for name in feature_names:
        list_name, dim = VIDEO_FEATURES[name]
        if RGB_KEY in frame_lists:
            frames = frame_lists[list_name].feature if list_name in frame_lists else []
            raw = [f.bytes_list.value[0] if f.bytes_list.value else b"" for f in frames]
            if not raw or any(len(r) != dim for r in raw):
                raise ValueError(f"{video_id}: {list_name} frames must be {dim} bytes each")
            quantized = np.frombuffer(b"".join(raw), np.uint8).reshape(len(raw), dim)
            parts.append(dequantize(quantized).mean(axis=0))
        else:
            values = context[name].float_list.value if name in context else []
            if len(values) != dim:
                raise ValueError(f"{video_id}: {name} has {len(values)} values, expected {dim}")
            parts.append(np.asarray(values, np.float32))
    return ParsedVideo(video_id, labels, np.concatenate(parts).astype(np.float32))
