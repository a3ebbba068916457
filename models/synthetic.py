"""Synthetic YouTube-8M-format data with learnable structure.

Never real data: ids start with `synthetic-`, the vocabulary's names say
"Synthetic", and the generator's README note repeats it. Class frequencies
follow a Zipf-like tail (the most common class appears in a large share of
videos, the rarest in a handful, as in the real data), about 3 labels per
video, and each class pushes features along its own random direction.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from transforms import yt8m_format


class SyntheticVideo(NamedTuple):
    video_id: str
    labels: list[int]
    rgb_frames: np.ndarray  # (frames, 1024) uint8
    audio_frames: np.ndarray  # (frames, 128) uint8


def class_frequencies(num_classes: int, exponent: float = 1.1, offset: float = 3.0) -> np.ndarray:
    """Zipf-like class probabilities, most frequent first."""
    weights = 1.0 / (np.arange(num_classes) + offset) ** exponent
    return weights / weights.sum()


def generate_videos(
    num_videos: int, num_classes: int, seed: int, min_frames: int = 4, max_frames: int = 12
) -> Iterator[SyntheticVideo]:
    rng = np.random.default_rng(seed)
    frequencies = class_frequencies(num_classes)
    rgb_directions = rng.normal(0, 1, (num_classes, yt8m_format.RGB_DIM)).astype(np.float32)
    audio_directions = rng.normal(0, 1, (num_classes, yt8m_format.AUDIO_DIM)).astype(np.float32)
    for index in range(num_videos):
        num_labels = min(num_classes, 1 + rng.poisson(2.0))
        labels = sorted(rng.choice(num_classes, num_labels, replace=False, p=frequencies).tolist())
        centre_rgb = 0.6 * rgb_directions[labels].sum(axis=0) / np.sqrt(num_labels)
        centre_audio = 0.6 * audio_directions[labels].sum(axis=0) / np.sqrt(num_labels)
        frames = rng.integers(min_frames, max_frames + 1)
        rgb = centre_rgb + rng.normal(0, 0.6, (frames, yt8m_format.RGB_DIM))
        audio = centre_audio + rng.normal(0, 0.6, (frames, yt8m_format.AUDIO_DIM))
        yield SyntheticVideo(
            f"synthetic-{index:07d}",
            labels,
            yt8m_format.quantize(rgb),
            yt8m_format.quantize(audio),
        )


def frame_level_record(video: SyntheticVideo) -> bytes:
    return yt8m_format.make_frame_level_example(
        video.video_id,
        video.labels,
        video.rgb_frames,
        yt8m_format.dequantize(video.rgb_frames).mean(axis=0),
        audio_frames=video.audio_frames,
        mean_audio=yt8m_format.dequantize(video.audio_frames).mean(axis=0),
    )


def video_level_record(video: SyntheticVideo) -> bytes:
    return yt8m_format.make_video_level_example(
        video.video_id,
        video.labels,
        yt8m_format.dequantize(video.rgb_frames).mean(axis=0),
        mean_audio=yt8m_format.dequantize(video.audio_frames).mean(axis=0),
    )


def write_dataset(
    output_dir: str,
    num_videos: int,
    num_classes: int = yt8m_format.NUM_CLASSES,
    seed: int = 0,
    validate_fraction: float = 0.2,
    shards: int = 2,
) -> dict[str, int]:
    """Writes {video,frame}/{train,validate}-NNNNN-of-NNNNN.tfrecord and
    vocabulary.csv under output_dir; returns the number of videos per split."""
    import tensorflow as tf

    from models.vocabulary import format_vocabulary

    num_validate = int(round(num_videos * validate_fraction))
    counts = {"train": num_videos - num_validate, "validate": num_validate}
    writers = {}
    for kind in ("video", "frame"):
        os.makedirs(os.path.join(output_dir, kind), exist_ok=True)
        for split in counts:
            for shard in range(shards):
                path = os.path.join(
                    output_dir, kind, f"{split}-{shard:05d}-of-{shards:05d}.tfrecord"
                )
                writers[kind, split, shard] = tf.io.TFRecordWriter(path)
    train_counts = np.zeros(num_classes, np.int64)
    try:
        for index, video in enumerate(generate_videos(num_videos, num_classes, seed)):
            split = "train" if index < counts["train"] else "validate"
            shard = index % shards
            if split == "train":
                train_counts[video.labels] += 1
            writers["video", split, shard].write(video_level_record(video))
            writers["frame", split, shard].write(frame_level_record(video))
    finally:
        for writer in writers.values():
            writer.close()
    names = [f"Synthetic class {i}" for i in range(num_classes)]
    descriptions = [
        f"Synthetic class {i}, not a real topic; for tests and demos" for i in range(num_classes)
    ]
    with open(os.path.join(output_dir, "vocabulary.csv"), "w") as f:
        f.write(format_vocabulary(names, train_counts.tolist(), descriptions))
    return counts
