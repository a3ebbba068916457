"""Shared, hermetic fixtures: a stand-in model, generated clips, a local HTTP server."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def stand_in_model_dir(tmp_path_factory):
    from models.standin import write_stand_in_model

    model_dir = str(tmp_path_factory.mktemp("stand_in_model"))
    write_stand_in_model(model_dir, seed=0, calibration_images=32)
    return model_dir


@pytest.fixture(scope="session")
def clips_dir(tmp_path_factory):
    """Short clips of different lengths and formats, plus files that are not videos."""
    from pipelines import samples

    directory = tmp_path_factory.mktemp("clips")
    samples.write_clip(str(directory / "short.mp4"), seconds=3.0, fps=25, seed=1)
    samples.write_clip(str(directory / "other.avi"), seconds=2.5, fps=30, fourcc="XVID", seed=2)
    samples.write_clip(
        str(directory / "webm_clip.webm"), seconds=2.0, fps=24, fourcc="VP80", seed=3
    )
    # A valid AVI container with no frames: opens, then decodes nothing.
    samples.write_clip(str(directory / "no_frames.avi"), seconds=0, fourcc="XVID")
    (directory / "not_a_video.mp4").write_bytes(b"this is plain text, not a video\n" * 20)
    (directory / "empty.mp4").write_bytes(b"")
    return directory


@pytest.fixture(scope="session")
def ffmpeg_dir(tmp_path_factory):
    """A directory whose `ffmpeg` is imageio-ffmpeg's binary, for PATH."""
    import imageio_ffmpeg

    directory = tmp_path_factory.mktemp("ffmpeg_bin")
    (directory / "ffmpeg").symlink_to(imageio_ffmpeg.get_ffmpeg_exe())
    return directory


@pytest.fixture(scope="session")
def h264_clip(clips_dir):
    """A 12 s H.264 clip (the codec of most YouTube formats OpenCV reads)."""
    from pipelines import samples

    target = clips_dir / "h264_clip.mp4"
    samples.write_h264_clip(str(target), 12.0, fps=30)
    return target


@pytest.fixture(scope="session")
def http_base_url(clips_dir):
    from pipelines import samples

    with samples.serve_directory(str(clips_dir)) as base_url:
        yield base_url


@pytest.fixture
def test_pipeline():
    """A TestPipeline on the FnApiRunner: Beam's DirectRunner would first try to
    download Prism from GitHub, which a hermetic test must not do."""
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from apache_beam.testing.test_pipeline import TestPipeline

    return TestPipeline(runner=FnApiRunner())
