import os

import pytest

from transforms.media import DownloadFailed, DownloadOptions, fetch_video, ytdlp_params


def test_ytdlp_params_set_timeouts_retries_and_limits_explicitly(tmp_path):
    options = DownloadOptions(
        min_height=360, cookies_file="c.txt", proxy="http://p:1", rate_limit_bytes_per_s=1000
    )
    params = ytdlp_params(options, str(tmp_path))
    assert params["socket_timeout"] == 30.0
    assert params["retries"] == params["fragment_retries"] == 5
    assert params["max_filesize"] == 1 << 30
    assert (params["cookiefile"], params["proxy"], params["ratelimit"]) == (
        "c.txt",
        "http://p:1",
        1000,
    )
    assert params["format"].startswith("bv[vcodec~='^(avc|h264|vp0?9)'][height>=360]")
    assert "av01" in params["format"] and params["format_sort"] == ["+res"]
    assert params["outtmpl"].startswith(str(tmp_path))


def test_downloads_a_direct_link_with_the_real_ytdlp(http_base_url, clips_dir, tmp_path):
    video = fetch_video(f"{http_base_url}/short.mp4", str(tmp_path), DownloadOptions())
    assert video.video_id == "short"
    assert os.path.dirname(video.path) == str(tmp_path)
    assert os.path.getsize(video.path) == os.path.getsize(clips_dir / "short.mp4")


def test_http_404_is_a_download_failure(http_base_url, tmp_path):
    with pytest.raises(DownloadFailed, match="404"):
        fetch_video(f"{http_base_url}/nope.mp4", str(tmp_path), DownloadOptions(retries=0))


def test_files_larger_than_the_limit_are_a_download_failure(http_base_url, tmp_path):
    with pytest.raises(DownloadFailed, match="max_filesize"):
        fetch_video(
            f"{http_base_url}/short.mp4", str(tmp_path), DownloadOptions(max_filesize_bytes=100)
        )


def test_local_files_are_read_in_place_and_missing_ones_fail(clips_dir, tmp_path):
    video = fetch_video(str(clips_dir / "other.avi"), str(tmp_path), DownloadOptions())
    assert video == (str(clips_dir / "other.avi"), "other")
    with pytest.raises(DownloadFailed, match="no such file"):
        fetch_video(str(clips_dir / "absent.mp4"), str(tmp_path), DownloadOptions())


def _frames_in(path):
    import cv2

    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    return count


def test_with_ffmpeg_only_the_first_seconds_are_downloaded(
    h264_clip, http_base_url, ffmpeg_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", f"{ffmpeg_dir}:{os.environ['PATH']}")
    video = fetch_video(
        f"{http_base_url}/{h264_clip.name}", str(tmp_path), DownloadOptions(max_seconds=4)
    )
    full, cut = _frames_in(h264_clip), _frames_in(video.path)
    assert full == 360
    assert 4 * 30 <= cut < full / 2  # 4 s at 30 fps, plus at most a keyframe interval


def test_without_ffmpeg_whole_files_are_fetched(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg here
    assert "download_ranges" not in ytdlp_params(DownloadOptions(max_seconds=4), str(tmp_path))
