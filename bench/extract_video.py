"""End-to-end seconds per video: one 60 s 360p clip through `yt8m extract`.

Runs the whole pipeline (yt-dlp download from a local HTTP server, sampling,
features, records) with batched inference and with batch size 1 (the
straightforward per-frame approach), side by side in one run, and prints both
and their ratio. Uses the stand-in model unless --model_dir names the official
files: the stand-in's network is far cheaper than Inception-v3, so its
feature time is a floor, not the official model's cost.

Usage: python -m bench.extract_video [--model_dir DIR] [--runs 2]
"""

import argparse
import contextlib
import io
import logging
import os
import tempfile
import time

from pipelines import extract, samples


def run_once(list_file, output_dir, model_dir, batch_size):
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        summary = extract.run(
            [
                "--input", list_file,
                "--output_dir", output_dir,
                "--model_dir", model_dir,
                "--batch_size", str(batch_size),
                "--overwrite",
            ]
        )  # fmt: skip
    assert summary["videos_written"] == 1, summary
    return time.perf_counter() - started, summary["frames"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model_dir", help="Default: a stand-in made for the run.")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model_dir
        if not model_dir:
            from models.standin import write_stand_in_model

            model_dir = os.path.join(tmp, "model")
            write_stand_in_model(model_dir)
        clips = os.path.join(tmp, "clips")
        os.makedirs(clips)
        samples.write_h264_clip(f"{clips}/clip360.mp4", args.seconds, 30.0, size=(640, 360))
        with samples.serve_directory(clips) as base_url:
            list_file = os.path.join(tmp, "list.txt")
            with open(list_file, "w") as f:
                f.write(f"{base_url}/clip360.mp4\n")
            results = {}
            for _ in range(args.runs):
                for batch_size in (32, 1):
                    seconds, frames = run_once(list_file, f"{tmp}/out", model_dir, batch_size)
                    results[batch_size] = min(results.get(batch_size, seconds), seconds)
    print(f"clip: {args.seconds:.0f} s 640x360 30 fps H.264, downloaded by yt-dlp; {frames} frames")
    print(f"model: {'stand-in' if not args.model_dir else args.model_dir}")
    print(f"batched (32): {results[32]:.2f} s per video (whole pipeline, start-up included)")
    print(f"per-frame (1): {results[1]:.2f} s per video")
    print(f"ratio per-frame / batched: {results[1] / results[32]:.2f}x")


if __name__ == "__main__":
    main()
