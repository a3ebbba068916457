"""yt8m train: the YouTube-8M baseline (logistic regression) on YouTube-8M TFRecords.

Reads video-level Examples or frame-level SequenceExamples (dequantised frame by
frame, then averaged), as written by `yt8m extract` or the official dataset, and
streams them with tf.data. Exports a Keras model that Beam's TensorFlow
RunInference handler loads (`M/export/model.keras`), with `M/export/training.json`
(parameters and final metrics); TensorBoard logs go to `M/logs`.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import sys
import tempfile
import time

import numpy as np

from models import baseline, metrics
from pipelines import common
from transforms import yt8m_format

EXPORT_DIR = "export"
MODEL_FILE = "model.keras"
TRAINING_FILE = "training.json"

_LOGGER = logging.getLogger(__name__)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yt8m train", description=__doc__, formatter_class=common.HelpFormatter
    )
    parser.add_argument(
        "--train_data", required=True, help="Glob of training TFRecord files (local or gs://)."
    )
    parser.add_argument(
        "--eval_data", help="Glob of evaluation TFRecord files; metrics are computed each epoch."
    )
    parser.add_argument(
        "--model_dir", required=True, help="Local directory for the export and TensorBoard logs."
    )
    parser.add_argument(
        "--features",
        default="mean_rgb,mean_audio",
        help="Comma-separated video-level features the model reads: mean_rgb, mean_audio.",
    )
    parser.add_argument(
        "--input_kind",
        choices=("auto", "video", "frame"),
        default="auto",
        help="video-level Examples or frame-level SequenceExamples; auto looks at the data.",
    )
    parser.add_argument(
        "--num_classes", type=int, default=yt8m_format.NUM_CLASSES, help="Output classes."
    )
    parser.add_argument("--epochs", type=int, default=5, help="Passes over the training data.")
    parser.add_argument("--batch_size", type=int, default=1024, help="Videos per step.")
    parser.add_argument("--learning_rate", type=float, default=0.01, help="Adam learning rate.")
    parser.add_argument(
        "--loss",
        choices=baseline.LOSSES,
        default="bce",
        help="Binary cross-entropy, Hamming loss (sum over classes, mean over videos), or "
        "class-weighted Hamming loss.",
    )
    parser.add_argument(
        "--class_weights",
        choices=baseline.CLASS_WEIGHT_SOURCES,
        default="data",
        help="For weighted_hamming: w_i = N / (C * n_i), n_i counted in the training data "
        "(data) or taken from the vocabulary's TrainVideoCount (vocabulary); none = 1.",
    )
    parser.add_argument(
        "--class_weight_power", type=float, default=1.0, help="Raise class weights to this power."
    )
    parser.add_argument(
        "--vocabulary", help="vocabulary.csv (needed for --class_weights vocabulary)."
    )
    parser.add_argument("--top_k", type=int, default=metrics.DEFAULT_TOP_K, help="k of GAP@k.")
    parser.add_argument("--seed", type=int, default=0, help="Seed for weights and shuffling.")
    parser.add_argument("--verbose", action="store_true", help="Debug logging.")
    return parser


def class_weights_for(args, stats: baseline.LabelStats) -> np.ndarray | None:
    if args.loss != "weighted_hamming":
        return None
    if args.class_weights == "none":
        return np.ones(args.num_classes, np.float32)
    if args.class_weights == "vocabulary":
        if not args.vocabulary:
            raise common.UsageError("--class_weights vocabulary needs --vocabulary")
        from models.vocabulary import read_vocabulary

        vocabulary = read_vocabulary(args.vocabulary)
        counts = np.array(
            [vocabulary.train_video_counts.get(i, 0) for i in range(args.num_classes)]
        )
        return baseline.class_weights(counts, int(counts.sum()), args.class_weight_power)
    return baseline.class_weights(stats.class_counts, stats.videos, args.class_weight_power)


def evaluate(model, dataset, top_k: int) -> dict[str, float]:
    """The official metrics over a dataset, keeping only what they need."""
    predictions, labels = [], []
    for features, batch_labels in dataset:
        predictions.append(np.asarray(model(features, training=False)))
        labels.append(batch_labels.numpy())
    predictions, labels = np.concatenate(predictions), np.concatenate(labels)
    return {
        "hit_at_one": metrics.hit_at_one(predictions, labels),
        "gap": metrics.gap(predictions, labels, top_k),
        "perr": metrics.precision_at_equal_recall_rate(predictions, labels),
        **metrics.threshold_metrics(predictions, labels),
        "videos": int(len(labels)),
    }


def _eval_callback(eval_dataset, top_k: int, log_dir: str, history: list):
    import keras
    import tensorflow as tf

    writer = tf.summary.create_file_writer(os.path.join(log_dir, "eval"))

    class EvaluateEachEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            results = evaluate(self.model, eval_dataset, top_k)
            history.append({"epoch": epoch + 1, **results})
            with writer.as_default(step=epoch + 1):
                for name, value in results.items():
                    tf.summary.scalar(name, value)
            _LOGGER.info(
                "epoch %d eval: GAP@%d %.4f  Hit@1 %.4f  PERR %.4f  precision %.4f  "
                "recall %.4f  avg predicted classes %.2f",
                epoch + 1,
                top_k,
                results["gap"],
                results["hit_at_one"],
                results["perr"],
                results["precision"],
                results["recall"],
                results["avg_predicted_classes"],
            )

    return EvaluateEachEpoch()


def publish(staging_dir: str, model_dir: str) -> str:
    """Moves a finished export into model_dir/export in one rename."""
    target = os.path.join(model_dir, EXPORT_DIR)
    os.chmod(staging_dir, 0o755)  # mkdtemp makes it private to its creator
    if os.path.exists(target):
        retired = tempfile.mkdtemp(dir=model_dir, prefix=".export-old-")
        os.replace(target, os.path.join(retired, EXPORT_DIR))
        os.replace(staging_dir, target)
        shutil.rmtree(retired)
    else:
        os.replace(staging_dir, target)
    return target


def run(argv: list[str] | None = None) -> dict:
    args = make_parser().parse_args(argv)
    common.configure_logging(args.verbose)
    feature_names = [name.strip() for name in args.features.split(",") if name.strip()]
    try:
        yt8m_format.check_feature_names(feature_names)
    except ValueError as e:
        raise common.UsageError(f"--features: {e}") from None
    if args.model_dir.startswith("gs://"):
        raise common.UsageError("--model_dir must be local; copy the export to GCS afterwards")
    train_files = common.matching_files(args.train_data, "--train_data")
    eval_files = common.matching_files(args.eval_data, "--eval_data") if args.eval_data else []

    def kind_of(files):
        return baseline.detect_record_kind(files) if args.input_kind == "auto" else args.input_kind

    kind = kind_of(train_files)
    stats = baseline.count_labels(train_files, kind, args.num_classes)
    if stats.out_of_range:
        raise common.UsageError(
            f"{stats.out_of_range} training labels lie outside [0, {args.num_classes}) "
            f"(largest {stats.max_label}); pass --num_classes {stats.max_label + 1} or fix the data"
        )
    _LOGGER.info(
        "Training on %d %s-level videos from %d files; %d of %d classes present",
        stats.videos,
        kind,
        len(train_files),
        int((stats.class_counts > 0).sum()),
        args.num_classes,
    )
    weights = class_weights_for(args, stats)

    import keras

    keras.utils.set_random_seed(args.seed)
    input_dim = yt8m_format.feature_dim(feature_names)
    model = baseline.build_model(input_dim, args.num_classes, seed=args.seed)
    model.compile(
        optimizer=keras.optimizers.Adam(args.learning_rate),
        loss=baseline.make_loss(args.loss, weights),
    )

    def dataset(files, files_kind, shuffle):
        return baseline.make_dataset(
            files,
            files_kind,
            feature_names,
            args.num_classes,
            args.batch_size,
            shuffle,
            args.seed,
        )

    os.makedirs(args.model_dir, exist_ok=True)
    log_dir = os.path.join(args.model_dir, "logs")
    history: list[dict] = []
    callbacks = [keras.callbacks.TensorBoard(log_dir=log_dir)]
    if eval_files:
        eval_dataset = dataset(eval_files, kind_of(eval_files), False)
        callbacks.append(_eval_callback(eval_dataset, args.top_k, log_dir, history))
    started = time.monotonic()
    # Repeat and count steps, so Keras knows an epoch's length and shows progress.
    steps_per_epoch = max(1, math.ceil(stats.videos / args.batch_size))
    fit = model.fit(
        dataset(train_files, kind, True).repeat(),
        epochs=args.epochs,
        steps_per_epoch=steps_per_epoch,
        shuffle=False,  # tf.data shuffles
        callbacks=callbacks,
        verbose=2,
    )
    train_seconds = time.monotonic() - started

    training = {
        "features": feature_names,
        "input_kind": kind,
        "num_classes": args.num_classes,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "loss": args.loss,
        "class_weights": args.class_weights if args.loss == "weighted_hamming" else None,
        "class_weight_power": args.class_weight_power,
        "seed": args.seed,
        "train_data": args.train_data,
        "eval_data": args.eval_data,
        "train_videos": stats.videos,
        "train_loss": [float(v) for v in fit.history["loss"]],
        "train_examples_per_second": round(stats.videos * args.epochs / train_seconds, 1),
        "eval": history,
        "final_eval": history[-1] if history else None,
    }
    staging = tempfile.mkdtemp(dir=args.model_dir, prefix=".export-tmp-")
    model.save(os.path.join(staging, MODEL_FILE))
    with open(os.path.join(staging, TRAINING_FILE), "w") as f:
        json.dump(training, f, indent=2)
    export_dir = publish(staging, args.model_dir)
    print(f"Exported {os.path.join(export_dir, MODEL_FILE)}")
    print(f"Training examples/s: {training['train_examples_per_second']}")
    if history:
        final = history[-1]
        print(
            f"Eval ({final['videos']} videos): GAP@{args.top_k} {final['gap']:.4f}, "
            f"Hit@1 {final['hit_at_one']:.4f}, PERR {final['perr']:.4f}"
        )
    return training


def main(argv: list[str] | None = None) -> int:
    from models.vocabulary import VocabularyError

    return common.run_reporting_errors(
        "yt8m train", run, argv, (common.UsageError, VocabularyError)
    )


if __name__ == "__main__":
    sys.exit(main())
