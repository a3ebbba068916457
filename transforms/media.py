"""Getting a video onto local disk: yt-dlp for URLs, Beam FileSystems for files."""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
from typing import NamedTuple

from apache_beam.io.filesystems import FileSystems

from transforms.failures import PipelineStageError
from transforms.sources import is_url

_LOGGER = logging.getLogger(__name__)

# H.264 or VP9: what the OpenCV wheel decodes (it returns zero frames for AV1).
_DECODABLE_VCODEC = "[vcodec~='^(avc|h264|vp0?9)']"


class DownloadFailed(PipelineStageError):
    """The source could not be fetched; the message says why."""

    stage = "download"


@dataclasses.dataclass(frozen=True)
class DownloadOptions:
    """What a user may tune about downloads. Picklable, so it travels to workers."""

    min_height: int = 240
    max_seconds: float | None = 300.0
    socket_timeout_s: float = 30.0
    retries: int = 5
    fragment_retries: int = 5
    max_filesize_bytes: int = 1 << 30
    cookies_file: str | None = None
    proxy: str | None = None
    rate_limit_bytes_per_s: int | None = None


class LocalVideo(NamedTuple):
    path: str
    video_id: str


def format_selector(min_height: int) -> str:
    """yt-dlp format spec: the smallest decodable video-only stream >= min_height.

    Falls back to muxed streams, then to anything that is not AV1 (direct links
    to media files carry no codec or height, so the filters use `?`).
    """
    tall_enough = f"[height>={min_height}]"
    return "/".join(
        [
            f"bv{_DECODABLE_VCODEC}{tall_enough}",
            f"bv*{_DECODABLE_VCODEC}{tall_enough}",
            f"bv{_DECODABLE_VCODEC}",
            f"bv*{_DECODABLE_VCODEC}",
            "b[vcodec!^=?av01]",
        ]
    )


class _YtDlpLogger:
    """Routes yt-dlp's messages to logging instead of stdout/stderr."""

    def debug(self, msg):
        _LOGGER.debug(msg)

    def info(self, msg):
        _LOGGER.debug(msg)

    def warning(self, msg):
        _LOGGER.info("yt-dlp: %s", msg)

    def error(self, msg):
        _LOGGER.debug("yt-dlp: %s", msg)


def ytdlp_params(options: DownloadOptions, workdir: str) -> dict:
    """The yt-dlp Python API options for one download into workdir."""
    params = {
        "format": format_selector(options.min_height),
        # '+res' sorts ascending, so the first format passing the filters is
        # the smallest tall-enough one.
        "format_sort": ["+res"],
        "outtmpl": os.path.join(workdir, "%(id)s.%(ext)s"),
        "noplaylist": True,
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "logger": _YtDlpLogger(),
        # The Python API defaults these to 0; the command line does not.
        "socket_timeout": options.socket_timeout_s,
        "retries": options.retries,
        "fragment_retries": options.fragment_retries,
        "extractor_retries": options.retries,
        "max_filesize": options.max_filesize_bytes,
        "cachedir": False,
    }
    if options.cookies_file:
        params["cookiefile"] = options.cookies_file
    if options.proxy:
        params["proxy"] = options.proxy
    if options.rate_limit_bytes_per_s:
        params["ratelimit"] = options.rate_limit_bytes_per_s
    # Cutting a range needs ffmpeg; without it yt-dlp fails, so fetch it all.
    if options.max_seconds and shutil.which("ffmpeg"):
        from yt_dlp.utils import download_range_func

        params["download_ranges"] = download_range_func(None, [(0, options.max_seconds)])
    return params


def _download_url(url: str, workdir: str, options: DownloadOptions) -> LocalVideo:
    import yt_dlp

    try:
        with yt_dlp.YoutubeDL(ytdlp_params(options, workdir)) as ydl:
            info = ydl.extract_info(url, download=True)
    except yt_dlp.utils.YoutubeDLError as e:
        raise DownloadFailed(str(e).removeprefix("ERROR: ")) from None
    if info is None:
        raise DownloadFailed("yt-dlp returned no video information")
    if info.get("_type") == "playlist":
        raise DownloadFailed("the URL is a playlist; list its videos one per line")
    paths = [d.get("filepath") for d in info.get("requested_downloads") or []]
    paths = [p for p in paths if p and os.path.exists(p)]
    if not paths:
        raise DownloadFailed(
            "nothing was downloaded (larger than --max_filesize_mb, or no format "
            "that OpenCV decodes)"
        )
    return LocalVideo(paths[0], str(info["id"]))


def file_stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path.rstrip("/")))[0]


def _copy_remote_file(path: str, workdir: str) -> LocalVideo:
    local_path = os.path.join(workdir, os.path.basename(path))
    try:
        with FileSystems.open(path) as src, open(local_path, "wb") as dst:
            shutil.copyfileobj(src, dst, length=8 << 20)
    except Exception as e:  # each filesystem raises its own errors
        raise DownloadFailed(f"cannot read {path}: {type(e).__name__}: {e}") from None
    return LocalVideo(local_path, file_stem(path))


def fetch_video(source: str, workdir: str, options: DownloadOptions) -> LocalVideo:
    """Makes the source readable by OpenCV; anything written goes under workdir."""
    if is_url(source):
        return _download_url(source, workdir, options)
    if "://" in source:
        return _copy_remote_file(source, workdir)
    if not os.path.isfile(source):
        raise DownloadFailed(f"no such file: {source}")
    return LocalVideo(source, file_stem(source))
