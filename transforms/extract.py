"""The composite transforms of the extract pipeline, from list lines to records."""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics
from apache_beam.utils import shared

from transforms import yt8m_format
from transforms.failures import (
    METRICS_NAMESPACE,
    DeadLettersToFailures,
    PipelineStageError,
    counter,
    exception_text,
)
from transforms.frames import sample_rgb_batches
from transforms.media import DownloadOptions, fetch_video
from transforms.sources import VideoSource, is_ignorable, parse_list_line

_LOGGER = logging.getLogger(__name__)


class DecodeFailed(PipelineStageError):
    stage = "decode"


class FeatureExtractionFailed(PipelineStageError):
    stage = "extract"


class VideoFeatures(NamedTuple):
    """What one video becomes before serialisation."""

    video_id: str
    source: str
    labels: tuple[int, ...]
    quantized_rgb: np.ndarray  # (frames, 1024) uint8
    mean_rgb: np.ndarray  # (1024,) float32, mean of the unquantised features


def merge_duplicates(
    source_and_videos: tuple[str, Iterable[VideoSource]],
) -> VideoSource:
    """One video per source: labels are united, the first line (sorted) is kept."""
    _, videos = source_and_videos
    videos = sorted(videos, key=lambda v: (v.list_file, v.line))
    if len(videos) > 1:
        counter("duplicates").inc(len(videos) - 1)
    labels = tuple(sorted({label for video in videos for label in video.labels}))
    return videos[0]._replace(labels=labels)


class ReadVideoSources(beam.PTransform):
    """List file patterns -> (deduplicated VideoSources, parse failures)."""

    def __init__(self, patterns: list[str]):
        super().__init__()
        self._patterns = patterns

    def expand(self, pipeline):
        lines = (
            pipeline
            | "List patterns" >> beam.Create(self._patterns)
            | "Read lists" >> beam.io.ReadAllFromText(with_filename=True)
            | "Drop blanks and comments" >> beam.Filter(lambda fl: not is_ignorable(fl[1]))
        )
        parsed, bad_lines = (
            lines | "Parse lines" >> beam.MapTuple(parse_list_line).with_exception_handling()
        )
        failures = bad_lines | "Parse failures" >> DeadLettersToFailures(
            "parse",
            source_of=lambda fl: fl[1].strip(),
            context_of=lambda fl: {"list_file": fl[0]},
        )
        videos = (
            parsed
            | "Count inputs" >> beam.Map(_count_and_pass, "inputs_parsed")
            | "Key by source" >> beam.WithKeys(lambda video: video.source)
            | "Group duplicates" >> beam.GroupByKey()
            | "Merge duplicates" >> beam.Map(merge_duplicates)
            # Spread the expensive per-video work over all workers.
            | "Spread videos" >> beam.Reshuffle()
        )
        return videos, failures


def _count_and_pass(element, counter_name: str):
    counter(counter_name).inc()
    return element


class ExtractVideoFeaturesFn(beam.DoFn):
    """Fetches, samples and featurises one video; raises a stage error on failure.

    The extractor is loaded once per worker process (`shared.Shared`), and the
    downloaded file is deleted when the video is done, whatever happened.
    """

    def __init__(
        self,
        model_dir: str,
        download_options: DownloadOptions,
        frames_per_second: float,
        max_frames: int,
        batch_size: int,
    ):
        self._model_dir = model_dir
        self._download_options = download_options
        self._every_ms = yt8m_format.frame_interval_ms(frames_per_second)
        self._max_frames = max_frames
        self._batch_size = batch_size
        self._shared_handle = shared.Shared()
        self._extractor = None

    def setup(self):
        from models.inception import InceptionPcaExtractor

        def load():
            started = time.monotonic()
            extractor = InceptionPcaExtractor.load(self._model_dir)
            Metrics.distribution(METRICS_NAMESPACE, "model_load_ms").update(
                int((time.monotonic() - started) * 1000)
            )
            return extractor

        self._extractor = self._shared_handle.acquire(load, tag=self._model_dir)

    def _decoded_batches(self, path: str) -> Iterator[np.ndarray]:
        batches = sample_rgb_batches(path, self._every_ms, self._max_frames, self._batch_size)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except PipelineStageError:
                raise
            except Exception as e:  # OpenCV raises cv2.error and friends
                raise DecodeFailed(exception_text(e)) from e
            yield batch

    def _featurise(self, path: str) -> tuple[np.ndarray, np.ndarray]:
        quantized_batches = []
        feature_sum = np.zeros(yt8m_format.RGB_DIM, np.float64)
        for frames_rgb in self._decoded_batches(path):
            try:
                features = self._extractor.extract(frames_rgb)
            except Exception as e:
                raise FeatureExtractionFailed(exception_text(e)) from e
            quantized_batches.append(yt8m_format.quantize(features))
            feature_sum += features.sum(axis=0, dtype=np.float64)
        if not quantized_batches:
            raise DecodeFailed(
                "OpenCV decoded zero frames (not a video, empty, or a codec the "
                "OpenCV wheel cannot decode such as AV1)"
            )
        quantized = np.concatenate(quantized_batches)
        return quantized, (feature_sum / len(quantized)).astype(np.float32)

    def process(self, video: VideoSource):
        workdir = tempfile.mkdtemp(prefix="yt8m-video-")
        started = time.monotonic()
        try:
            local = fetch_video(video.source, workdir, self._download_options)
            if local.path != video.source:
                counter("videos_downloaded").inc()
            quantized, mean_rgb = self._featurise(local.path)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        elapsed = time.monotonic() - started
        counter("frames_sampled").inc(len(quantized))
        Metrics.distribution(METRICS_NAMESPACE, "video_ms").update(int(elapsed * 1000))
        _LOGGER.info(
            "Extracted %s: %d frames in %.1f s (%s)",
            local.video_id,
            len(quantized),
            elapsed,
            video.source,
        )
        yield VideoFeatures(local.video_id, video.source, video.labels, quantized, mean_rgb)


def _source_context(video: VideoSource) -> dict:
    return {"list_file": video.list_file, "line": video.line}


class ExtractFeatures(beam.PTransform):
    """VideoSources -> (VideoFeatures, failures of the download/decode/extract stages).

    With `video_timeout_s`, a video still unfinished after that long becomes a
    TimeoutError failure, so one stalled host cannot hold a worker for ever.
    """

    def __init__(
        self,
        model_dir,
        download_options,
        frames_per_second,
        max_frames,
        batch_size,
        video_timeout_s: float | None = None,
    ):
        super().__init__()
        self._fn = ExtractVideoFeaturesFn(
            model_dir, download_options, frames_per_second, max_frames, batch_size
        )
        self._timeout_s = video_timeout_s or None

    def expand(self, videos):
        features, dead_letters = videos | "Fetch, sample, featurise" >> beam.ParDo(
            self._fn
        ).with_exception_handling(timeout=self._timeout_s)
        failures = dead_letters | "Extraction failures" >> DeadLettersToFailures(
            "extract",
            source_of=lambda video: video.source,
            context_of=_source_context,
            timeout_s=self._timeout_s,
        )
        return features, failures


def disambiguate_ids(
    id_and_videos: tuple[str, Iterable[VideoFeatures]],
) -> Iterator[VideoFeatures]:
    """Keeps ids unique: on a clash, the source first in sort order keeps the id
    and the others get `-` plus 8 hex digits of their source's SHA-1."""
    video_id, videos = id_and_videos
    videos = sorted(videos, key=lambda v: v.source)
    yield videos[0]
    for video in videos[1:]:
        counter("id_collisions").inc()
        suffix = hashlib.sha1(video.source.encode("utf-8")).hexdigest()[:8]
        yield video._replace(video_id=f"{video_id}-{suffix}")


class AssignUniqueIds(beam.PTransform):
    def expand(self, features):
        return (
            features
            | "Key by id" >> beam.WithKeys(lambda video: video.video_id)
            | "Group by id" >> beam.GroupByKey()
            | "Disambiguate ids" >> beam.FlatMap(disambiguate_ids)
        )


def serialise_records(video: VideoFeatures) -> tuple[bytes, bytes]:
    """(frame-level SequenceExample, video-level Example) for one video."""
    frame_record = yt8m_format.make_frame_level_example(
        video.video_id, video.labels, video.quantized_rgb, video.mean_rgb
    )
    video_record = yt8m_format.make_video_level_example(
        video.video_id, video.labels, video.mean_rgb
    )
    counter("videos_written").inc()
    return frame_record, video_record


class WriteYt8mRecords(beam.PTransform):
    """Writes `frame/` and `video/` TFRecords under output_dir; returns failures."""

    def __init__(self, output_dir: str):
        super().__init__()
        self._output_dir = output_dir

    def expand(self, features):
        from apache_beam.io.filesystems import FileSystems

        records, dead_letters = (
            features | "Serialise" >> beam.Map(serialise_records).with_exception_handling()
        )
        for index, kind in enumerate(("frame", "video")):
            _ = (
                records
                | f"Select {kind}-level" >> beam.Map(lambda pair, i=index: pair[i])
                | f"Write {kind}-level"
                >> beam.io.WriteToTFRecord(
                    FileSystems.join(self._output_dir, kind, "part"),
                    file_name_suffix=".tfrecord",
                    compression_type=beam.io.filesystem.CompressionTypes.UNCOMPRESSED,
                )
            )
        return dead_letters | "Serialisation failures" >> DeadLettersToFailures(
            "write", source_of=lambda video: video.source, context_of=lambda v: {"id": v.video_id}
        )
