"""Frame sampler: ours (grab, retrieve only kept frames) vs the official iterator.

Prints frames/s of both on the same generated 60 s 360p clip, measured side by
side in one run, and their ratio. Usage: python -m bench.sampler [--seconds 60]
"""

import argparse
import tempfile
import time

from pipelines import samples
from transforms.frames import official_frame_iterator, sample_frames_bgr


def best_of(runs, fn):
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        count = sum(1 for _ in fn())
        best = min(best, time.perf_counter() - started)
    return count, best


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clips = {
            "mp4v": samples.write_clip(f"{tmp}/clip.mp4", args.seconds, args.fps, size=(640, 360)),
            "h264": samples.write_h264_clip(f"{tmp}/h264.mp4", args.seconds, args.fps, (640, 360)),
        }
        for codec, clip in clips.items():
            ours_n, ours_s = best_of(args.runs, lambda c=clip: sample_frames_bgr(c, 1000.0, 300))
            official_n, official_s = best_of(args.runs, lambda c=clip: official_frame_iterator(c))
            assert ours_n == official_n
            print(f"{codec}: {args.seconds:.0f} s, 640x360, {args.fps:g} fps; {ours_n} frames kept")
            print(
                f"  official read-every-frame: {official_s:.3f} s "
                f"({ours_n / official_s:.1f} frames/s)"
            )
            print(f"  ours (grab/retrieve):      {ours_s:.3f} s ({ours_n / ours_s:.1f} frames/s)")
            print(f"  speed-up: {official_s / ours_s:.2f}x")


if __name__ == "__main__":
    main()
