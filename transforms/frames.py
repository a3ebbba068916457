"""Frame sampling that picks exactly the official YouTube-8M extractor's frames.

The official `frame_iterator` reads (decodes *and* converts) every frame and keeps
one per interval. We walk the same decision path with `grab()`, which only
decodes, and pay for `retrieve()` (colour conversion and a copy) just for the
frames kept, so the output is identical and cheaper.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from transforms.failures import PipelineStageError

# The official code starts with a timestamp far in the past so the first frame
# is always taken.
_NO_FRAME_YET_MS = -99999.0


class VideoOpenError(PipelineStageError):
    """OpenCV could not open the file as a video."""

    stage = "decode"


def sample_frames_bgr(path: str, every_ms: float, max_frames: int) -> Iterator[np.ndarray]:
    """Yields the official iterator's frames, as OpenCV decodes them (BGR).

    The rule (google/youtube-8m `extract_tfrecords_main.frame_iterator`): take a
    frame, then skip until the decoder's position (`CAP_PROP_POS_MSEC`, the
    timestamp of the last decoded frame) is at least `every_ms` after the
    position recorded before the last kept frame, and keep the frame after it.
    """
    capture = cv2.VideoCapture()
    try:
        if not capture.open(path):
            raise VideoOpenError(f"OpenCV cannot open {path!r} as a video")
        last_kept_ms = _NO_FRAME_YET_MS
        kept = 0
        while kept < max_frames:
            while capture.get(cv2.CAP_PROP_POS_MSEC) < every_ms + last_kept_ms:
                if not capture.grab():
                    return
            last_kept_ms = capture.get(cv2.CAP_PROP_POS_MSEC)
            if not capture.grab():
                return
            ok, frame = capture.retrieve()
            if not ok:
                return
            yield frame
            kept += 1
    finally:
        capture.release()


def sample_rgb_batches(
    path: str, every_ms: float, max_frames: int, batch_size: int
) -> Iterator[np.ndarray]:
    """Yields the sampled frames as RGB uint8 batches of shape (n, H, W, 3).

    At most one batch of decoded frames is alive at a time. A batch is cut
    early when the frame size changes mid-stream, so every batch stacks.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    batch: list[np.ndarray] = []
    for frame_bgr in sample_frames_bgr(path, every_ms, max_frames):
        if batch and frame_bgr.shape != batch[0].shape:
            yield np.stack(batch)
            batch = []
        batch.append(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB))
        if len(batch) == batch_size:
            yield np.stack(batch)
            batch = []
    if batch:
        yield np.stack(batch)


def official_frame_iterator(
    path: str, every_ms: float = 1000.0, max_frames: int = 300
) -> Iterator[np.ndarray]:
    """The official extractor's iterator as published (`read()` on every frame).

    Kept as the reference that tests check `sample_frames_bgr` against and that
    the sampler benchmark compares with; the pipeline never uses it.
    """
    capture = cv2.VideoCapture()
    if not capture.open(path):
        return
    last_kept_ms = _NO_FRAME_YET_MS
    kept = 0
    while kept < max_frames:
        while capture.get(cv2.CAP_PROP_POS_MSEC) < every_ms + last_kept_ms:
            if not capture.read()[0]:
                return
        last_kept_ms = capture.get(cv2.CAP_PROP_POS_MSEC)
        has_frame, frame = capture.read()
        if not has_frame:
            break
        yield frame
        kept += 1
