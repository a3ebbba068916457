"""Small generated video clips for the offline demo, tests and benchmarks."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator

import cv2
import numpy as np


def write_clip(
    path: str,
    seconds: float,
    fps: float = 25.0,
    size: tuple[int, int] = (320, 240),
    fourcc: str = "mp4v",
    seed: int = 0,
) -> str:
    """Writes a clip whose frames all differ (a moving gradient and a square).

    Every frame carries its own index in its pixels, so a test can tell which
    frames a sampler picked.
    """
    width, height = size
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write {fourcc} video to {path}")
    rng = np.random.default_rng(seed)
    base_colour = rng.integers(40, 216, size=3)
    ys, xs = np.mgrid[0:height, 0:width]
    try:
        for index in range(int(round(seconds * fps))):
            frame = np.empty((height, width, 3), np.uint8)
            shift = index * 4
            frame[..., 0] = (xs + shift) % 256
            frame[..., 1] = (ys + base_colour[1]) % 256
            frame[..., 2] = base_colour[2]
            side = max(8, height // 6)
            x0 = (index * 7) % max(1, width - side)
            frame[height // 3 : height // 3 + side, x0 : x0 + side] = 255 - base_colour
            writer.write(frame)
    finally:
        writer.release()
    return path


def write_clips(directory: str, count: int, seconds: float = 8.0) -> list[str]:
    os.makedirs(directory, exist_ok=True)
    return [
        write_clip(os.path.join(directory, f"clip_{i:02d}.mp4"), seconds, seed=i)
        for i in range(count)
    ]


def write_h264_clip(path: str, seconds: float, fps: float = 30.0, size=(320, 240)) -> str:
    """Writes an H.264 MP4 (the codec most sites serve), transcoded with the
    ffmpeg binary of the imageio-ffmpeg wheel (a test dependency)."""
    import subprocess
    import tempfile

    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as tmp:
        source = write_clip(f"{tmp}/source.avi", seconds, fps, size, fourcc="MJPG")
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-i", source,
             "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", path],
            check=True,
        )  # fmt: skip
    return path


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files quietly, with HTTP Range requests as real video hosts do
    (ffmpeg seeks to an MP4's index when yt-dlp cuts a download short)."""

    def log_message(self, *args):
        pass

    def send_head(self):
        self._range = None
        header = self.headers.get("Range", "")
        path = self.translate_path(self.path)
        if not header.startswith("bytes=") or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        start_text, _, end_text = header[len("bytes=") :].partition("-")
        try:
            if start_text:
                start, end = int(start_text), int(end_text) if end_text else size - 1
            else:  # the last N bytes
                start, end = max(0, size - int(end_text)), size - 1
        except ValueError:
            return super().send_head()
        if start >= size or start > end:
            self.send_error(416, "Requested Range Not Satisfiable")
            return None
        end = min(end, size - 1)
        handle = open(path, "rb")  # closed by the base class after copyfile
        handle.seek(start)
        self._range = end - start + 1
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(self._range))
        self.end_headers()
        return handle

    def copyfile(self, source, outputfile):
        # yt-dlp and ffmpeg probe and hang up early: not an error.
        try:
            if self._range is None:
                super().copyfile(source, outputfile)
            else:
                outputfile.write(source.read(self._range))
        except (BrokenPipeError, ConnectionResetError):
            pass


@contextlib.contextmanager
def serve_directory(directory: str) -> Iterator[str]:
    """Serves directory over HTTP on 127.0.0.1 (a free port); yields the base URL."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_RangeHandler, directory=directory)
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
