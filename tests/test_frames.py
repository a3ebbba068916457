import numpy as np
import pytest

from pipelines import samples
from transforms import frames


@pytest.fixture(
    scope="module", params=[(10, "mp4v"), (24, "XVID"), (25, "mp4v"), (29.97, "mp4v"), (30, "VP80")]
)
def clip(request, tmp_path_factory):
    fps, fourcc = request.param
    ext = "webm" if fourcc == "VP80" else "avi" if fourcc == "XVID" else "mp4"
    path = tmp_path_factory.mktemp("sampler") / f"clip_{fps}.{ext}"
    return samples.write_clip(str(path), seconds=6.3, fps=fps, size=(96, 64), fourcc=fourcc)


@pytest.mark.parametrize("frames_per_second,max_frames", [(1, 300), (2, 300), (1, 3), (3.5, 300)])
def test_sampler_picks_exactly_the_official_frames(clip, frames_per_second, max_frames):
    every_ms = 1000.0 / frames_per_second
    expected = list(frames.official_frame_iterator(clip, every_ms, max_frames))
    got = list(frames.sample_frames_bgr(clip, every_ms, max_frames))
    assert len(expected) >= min(max_frames, 6)
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_rgb_batches_hold_the_same_frames_in_rgb_order(clip):
    expected = [f[:, :, ::-1] for f in frames.official_frame_iterator(clip, 500.0, 300)]
    batches = list(frames.sample_rgb_batches(clip, 500.0, 300, batch_size=4))
    assert [len(b) for b in batches[:-1]] == [4] * (len(batches) - 1)
    np.testing.assert_array_equal(np.concatenate(batches), np.stack(expected))


def test_opening_a_non_video_raises_a_decode_stage_error(tmp_path):
    path = tmp_path / "missing.mp4"
    with pytest.raises(frames.VideoOpenError) as error:
        list(frames.sample_frames_bgr(str(path), 1000.0, 300))
    assert error.value.stage == "decode"


def test_batch_size_must_be_positive(tmp_path):
    with pytest.raises(ValueError):
        list(frames.sample_rgb_batches(str(tmp_path / "x.mp4"), 1000.0, 300, 0))


@pytest.mark.parametrize("frames_per_second", [1, 2])
def test_sampler_picks_the_official_frames_from_h264(h264_clip, frames_per_second):
    every_ms = 1000.0 / frames_per_second
    expected = list(frames.official_frame_iterator(str(h264_clip), every_ms, 300))
    got = list(frames.sample_frames_bgr(str(h264_clip), every_ms, 300))
    assert len(expected) == 12 * frames_per_second
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        np.testing.assert_array_equal(mine, theirs)
