import glob
import http.server
import json
import shutil
import threading
import time

import numpy as np
import pytest
import tensorflow as tf

from pipelines import extract
from transforms import yt8m_format

pytestmark = pytest.mark.slow


def _read_records(pattern):
    files = sorted(glob.glob(pattern))
    assert files, f"no files match {pattern}"
    return [r.numpy() for r in tf.data.TFRecordDataset(files)]


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory, clips_dir, h264_clip, http_base_url, stand_in_model_dir):
    """One extract run over a list mixing every kind of good and bad input."""
    work = tmp_path_factory.mktemp("mixed")
    (work / "elsewhere").mkdir()
    shutil.copy(clips_dir / "short.mp4", work / "elsewhere" / "short.mp4")
    (work / "list.csv").write_text(
        "\n".join(
            [
                "# good URLs (direct links to media files)",
                f"{http_base_url}/short.mp4,3;1",
                f"{http_base_url}/webm_clip.webm,2",
                f"{http_base_url}/{h264_clip.name},4",
                "",
                "# local files: absolute, and relative to this list",
                f"{clips_dir}/other.avi,7",
                "elsewhere/short.mp4,9",
                "# failures",
                f"{http_base_url}/missing.mp4,1",
                f"{clips_dir}/not_a_video.mp4,1",
                f"{clips_dir}/empty.mp4",
                f"{clips_dir}/no_frames.avi",
                "this,is,malformed",
            ]
        )
        + "\n"
    )
    (work / "more.txt").write_text(f"{http_base_url}/short.mp4,5\n")  # a duplicate
    output_dir = work / "out"
    summary = extract.run(
        [
            "--input",
            str(work / "list.csv"),
            "--input",
            str(work / "more.txt"),
            "--output_dir",
            str(output_dir),
            "--model_dir",
            stand_in_model_dir,
            "--batch_size",
            "2",
            "--retries",
            "0",
        ]
    )
    return summary, output_dir, work


def test_every_input_line_is_accounted_for(mixed_run):
    summary, _, _ = mixed_run
    assert summary["videos_written"] == 5
    assert summary["failed"] == {"parse": 1, "download": 1, "decode": 3, "extract": 0, "write": 0}
    assert summary["duplicates"] == 1
    assert summary["id_collisions_renamed"] == 1
    assert (
        summary["videos_written"] + summary["failed_total"] + summary["duplicates"] == 11
    )  # lines
    assert summary["model"]["stand_in"] is True


def test_failures_name_source_stage_and_error(mixed_run, clips_dir, http_base_url):
    _, output_dir, _ = mixed_run
    lines = []
    for path in glob.glob(str(output_dir / "failures" / "*.jsonl")):
        with open(path) as f:
            lines += [json.loads(line) for line in f]
    by_source = {f["source"]: f for f in lines}
    assert by_source[f"{http_base_url}/missing.mp4"]["stage"] == "download"
    assert "404" in by_source[f"{http_base_url}/missing.mp4"]["error"]
    assert by_source[f"{clips_dir}/not_a_video.mp4"]["stage"] == "decode"
    assert by_source[f"{clips_dir}/empty.mp4"]["error"].startswith("VideoOpenError")
    assert by_source[f"{clips_dir}/no_frames.avi"]["error"].startswith(
        "DecodeFailed: OpenCV decoded zero frames"
    )
    assert by_source["this,is,malformed"]["stage"] == "parse"
    assert all(f["list_file"].endswith("list.csv") for f in lines)
    assert len(lines) == 5


def test_records_follow_the_official_schema_with_unique_ids(mixed_run):
    _, output_dir, _ = mixed_run
    frame_records = _read_records(str(output_dir / "frame" / "*.tfrecord"))
    video_records = _read_records(str(output_dir / "video" / "*.tfrecord"))
    assert len(frame_records) == len(video_records) == 5
    videos = {}
    for record in frame_records:
        example = tf.train.SequenceExample.FromString(record)
        context = example.context.feature
        video_id = context["id"].bytes_list.value[0].decode()
        rgb = example.feature_lists.feature_list["rgb"].feature
        audio = example.feature_lists.feature_list["audio"].feature
        assert all(len(f.bytes_list.value[0]) == yt8m_format.RGB_DIM for f in rgb)
        assert len(audio) == len(rgb)
        assert len(context["mean_rgb"].float_list.value) == yt8m_format.RGB_DIM
        assert len(context["mean_audio"].float_list.value) == yt8m_format.AUDIO_DIM
        videos[video_id] = (list(context["labels"].int64_list.value), len(rgb))
    renamed = [v for v in videos if v.startswith("short-")]
    assert len(renamed) == 1 and len(renamed[0]) == len("short-") + 8
    # Both clips are called short: the source first in sort order (the local
    # path) keeps the id. 3 s at 1 fps is 3 frames; the duplicate's label merged.
    assert videos["short"] == ([9], 3)
    assert videos[renamed[0]] == ([1, 3, 5], 3)
    assert videos["webm_clip"] == ([2], 2)
    assert videos["other"] == ([7], 3)
    assert videos["h264_clip"] == ([4], 12)
    video_ids = {
        tf.train.Example.FromString(r).features.feature["id"].bytes_list.value[0].decode()
        for r in video_records
    }
    assert video_ids == set(videos)


def test_mean_rgb_is_the_mean_of_unquantised_features(mixed_run):
    _, output_dir, _ = mixed_run
    for record in _read_records(str(output_dir / "frame" / "*.tfrecord")):
        example = tf.train.SequenceExample.FromString(record)
        mean_rgb = np.array(example.context.feature["mean_rgb"].float_list.value)
        frames = np.stack(
            [
                np.frombuffer(f.bytes_list.value[0], np.uint8)
                for f in example.feature_lists.feature_list["rgb"].feature
            ]
        )
        # Unclipped quantised values are within half a bin (2/255) of the
        # floats, so where no frame was clipped the means agree that closely.
        unclipped = ((frames > 0) & (frames < 255)).all(axis=0)
        assert unclipped.sum() > 100
        approx = (frames.astype(np.float64) * 4.0 / 255.0 - 2.0).mean(axis=0)
        assert np.abs(approx - mean_rgb)[unclipped].max() <= 2.0 / 255.0 + 1e-6


class _StallingHandler(http.server.BaseHTTPRequestHandler):
    """A host that accepts the connection and then says nothing for a while."""

    def do_GET(self):
        time.sleep(4)
        self.send_error(503)

    def log_message(self, *args):
        pass


def test_a_stalled_video_times_out_and_the_rest_continue(tmp_path, clips_dir, stand_in_model_dir):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StallingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stalled = f"http://127.0.0.1:{server.server_address[1]}/stalled.mp4"
    try:
        (tmp_path / "list.txt").write_text(f"{stalled}\n{clips_dir}/short.mp4\n")
        summary = extract.run(
            ["--input", str(tmp_path / "list.txt"), "--output_dir", str(tmp_path / "out"),
             "--model_dir", stand_in_model_dir, "--video_timeout", "1", "--retries", "0"]
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert summary["videos_written"] == 1
    assert summary["failed"]["extract"] == 1
    (failures_file,) = glob.glob(str(tmp_path / "out" / "failures" / "*.jsonl"))
    with open(failures_file) as f:
        (failure,) = [json.loads(line) for line in f]
    assert failure["source"] == stalled
    assert failure["error"] == "TimeoutError: not finished within 1 s"
