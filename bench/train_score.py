"""Training examples/s and scoring videos/s on synthetic YouTube-8M data.

Trains the baseline, then scores the held-out split twice, side by side in one
run: RunInference batches of up to 256 videos vs batches of 1 (the
straightforward per-video approach), printing both rates and their ratio.
Usage: python -m bench.train_score [--videos 10000] [--epochs 3]
"""

import argparse
import contextlib
import io
import logging
import tempfile

from pipelines import make_synthetic_data, score, train


def label_prior_metrics(data_dir):
    """The baseline to beat: score every class by its training frequency."""
    import glob

    import numpy as np
    import tensorflow as tf

    from models import baseline, metrics
    from transforms import yt8m_format

    stats = baseline.count_labels(sorted(glob.glob(f"{data_dir}/video/train-*")), "video", 3862)
    labels = []
    for path in sorted(glob.glob(f"{data_dir}/video/validate-*")):
        for record in tf.data.TFRecordDataset(path):
            truth = np.zeros(3862)
            truth[list(yt8m_format.parse_video_record(record.numpy(), ["mean_rgb"]).labels)] = 1
            labels.append(truth)
    labels = np.stack(labels)
    prior = np.tile(stats.class_counts / stats.class_counts.sum(), (len(labels), 1))
    return {"gap": metrics.gap(prior, labels), "hit_at_one": metrics.hit_at_one(prior, labels)}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--videos", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        make_synthetic_data.run(["--output_dir", f"{tmp}/syn", "--videos", str(args.videos)])
        training = train.run(
            [
                "--train_data", f"{tmp}/syn/video/train-*",
                "--eval_data", f"{tmp}/syn/video/validate-*",
                "--model_dir", f"{tmp}/model",
                "--epochs", str(args.epochs),
                "--batch_size", "1024",
            ]
        )  # fmt: skip
        rates = {}
        for batch_size in (256, 1):
            summary = score.run(
                [
                    "--input", f"{tmp}/syn/frame/validate-*",
                    "--model", f"{tmp}/model",
                    "--output_dir", f"{tmp}/predictions",
                    "--vocabulary", f"{tmp}/syn/vocabulary.csv",
                    "--batch_size", str(batch_size),
                    "--overwrite",
                ]
            )  # fmt: skip
            rates[batch_size] = summary["videos_per_second"]
        prior = label_prior_metrics(f"{tmp}/syn")
    final = training["final_eval"]
    print(f"synthetic data: {args.videos} videos, 3862 classes, {args.epochs} epochs")
    print(f"training: {training['train_examples_per_second']} examples/s (video-level, batch 1024)")
    print(
        f"held-out ({final['videos']} videos): GAP@20 {final['gap']:.4f}, Hit@1 "
        f"{final['hit_at_one']:.4f}, PERR {final['perr']:.4f}"
    )
    print(
        f"label-frequency prior on the same videos: GAP@20 {prior['gap']:.4f}, "
        f"Hit@1 {prior['hit_at_one']:.4f}"
    )
    print(
        f"scoring, frame-level input, whole pipeline: batched {rates[256]} videos/s, "
        f"one at a time {rates[1]} videos/s, ratio {rates[256] / rates[1]:.2f}x"
    )


if __name__ == "__main__":
    main()
