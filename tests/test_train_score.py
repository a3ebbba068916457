import csv
import glob
import json

import numpy as np
import pytest
import tensorflow as tf

from models import metrics, synthetic
from pipelines import score, train
from transforms import yt8m_format

pytestmark = pytest.mark.slow
NUM_CLASSES = yt8m_format.NUM_CLASSES


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("synthetic"))
    synthetic.write_dataset(directory, 1200, NUM_CLASSES, seed=0, validate_fraction=0.25)
    return directory


@pytest.fixture(scope="module")
def trained(data_dir, tmp_path_factory):
    model_dir = str(tmp_path_factory.mktemp("model"))
    training = train.run(
        [
            "--train_data", f"{data_dir}/frame/train-*",
            "--eval_data", f"{data_dir}/video/validate-*",
            "--model_dir", model_dir,
            "--epochs", "4",
            "--batch_size", "128",
        ]
    )  # fmt: skip
    return model_dir, training


def _validate_arrays(data_dir):
    ids, features, labels = [], [], []
    for path in sorted(glob.glob(f"{data_dir}/video/validate-*")):
        for record in tf.data.TFRecordDataset(path):
            video = yt8m_format.parse_video_record(record.numpy(), ["mean_rgb", "mean_audio"])
            ids.append(video.video_id)
            features.append(video.features)
            truth = np.zeros(NUM_CLASSES)
            truth[list(video.labels)] = 1
            labels.append(truth)
    return ids, np.stack(features), np.stack(labels)


def test_model_clearly_beats_the_label_frequency_prior(trained, data_dir):
    _, training = trained
    assert training["input_kind"] == "frame"
    _, _, labels = _validate_arrays(data_dir)
    counts = np.zeros(NUM_CLASSES)
    for path in glob.glob(f"{data_dir}/video/train-*"):
        for record in tf.data.TFRecordDataset(path):
            counts[list(yt8m_format.parse_video_record(record.numpy(), ["mean_rgb"]).labels)] += 1
    prior = np.tile(counts / counts.sum(), (len(labels), 1))
    prior_gap, prior_hit = metrics.gap(prior, labels), metrics.hit_at_one(prior, labels)
    final = training["final_eval"]
    assert final["videos"] == 300
    assert final["gap"] > prior_gap + 0.25, (final, prior_gap)
    assert final["hit_at_one"] > prior_hit + 0.25, (final, prior_hit)
    assert training["train_loss"][-1] < training["train_loss"][0]


def test_export_loads_in_beams_tensorflow_model_handler(trained):
    from apache_beam.ml.inference.tensorflow_inference import TFModelHandlerNumpy

    model_dir, _ = trained
    handler = TFModelHandlerNumpy(model_uri=f"{model_dir}/export/model.keras")
    model = handler.load_model()
    (result,) = handler.run_inference([np.zeros(1152, np.float32)], model)
    assert np.asarray(result.inference).shape == (NUM_CLASSES,)
    with open(f"{model_dir}/export/training.json") as f:
        assert json.load(f)["features"] == ["mean_rgb", "mean_audio"]


def test_seeded_training_is_deterministic(data_dir, tmp_path):
    losses = []
    for run in range(2):
        args = [
            "--train_data",
            f"{data_dir}/video/train-*",
            "--model_dir",
            str(tmp_path / str(run)),
        ]
        losses.append(train.run([*args, "--epochs", "1", "--batch_size", "256", "--seed", "3"]))
    assert losses[0]["train_loss"] == losses[1]["train_loss"]


def test_weighted_hamming_trains(data_dir, tmp_path):
    training = train.run(
        [
            "--train_data", f"{data_dir}/video/train-*",
            "--model_dir", str(tmp_path),
            "--epochs", "2",
            "--loss", "weighted_hamming",
            "--class_weights", "vocabulary",
            "--vocabulary", f"{data_dir}/vocabulary.csv",
            "--class_weight_power", "0.5",
        ]
    )  # fmt: skip
    assert training["class_weights"] == "vocabulary"
    assert np.isfinite(training["train_loss"]).all()
    assert training["train_loss"][-1] < training["train_loss"][0]


@pytest.fixture(scope="module")
def scored(trained, data_dir, tmp_path_factory):
    model_dir, _ = trained
    inputs = tmp_path_factory.mktemp("score_inputs")
    for path in glob.glob(f"{data_dir}/frame/validate-*"):
        (inputs / path.split("/")[-1]).write_bytes(open(path, "rb").read())
    with tf.io.TFRecordWriter(str(inputs / "bad.tfrecord")) as writer:
        writer.write(b"\x08garbage that is not a proto")
        writer.write(yt8m_format.make_video_level_example("too_short", [1], np.zeros(1024))[:40])
        writer.write(yt8m_format.make_video_level_example("bad_label", [5000], np.zeros(1024)))
    output_dir = tmp_path_factory.mktemp("predictions")
    summary = score.run(
        [
            "--input", str(inputs / "*.tfrecord"),
            "--model", model_dir,
            "--output_dir", str(output_dir),
            "--vocabulary", f"{data_dir}/vocabulary.csv",
            "--batch_size", "64",
        ]
    )  # fmt: skip
    return summary, output_dir


def test_scoring_writes_ranked_kaggle_csv_and_named_json_lines(scored):
    summary, output_dir = scored
    assert summary["videos_scored"] == 300
    (csv_path,) = glob.glob(str(output_dir / "predictions-*.csv"))
    with open(csv_path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["VideoId", "LabelConfidencePairs"] and len(rows) == 301
    pairs = rows[1][1].split(" ")
    scores = [float(s) for s in pairs[1::2]]
    assert len(scores) == 20 and scores == sorted(scores, reverse=True)
    assert all(len(s.split(".")[1]) == 6 for s in pairs[1::2])
    (jsonl_path,) = glob.glob(str(output_dir / "predictions-*.jsonl"))
    with open(jsonl_path) as f:
        first = json.loads(f.readline())
    assert first["labels"][0]["name"] == f"Synthetic class {first['labels'][0]['index']}"
    by_id = {row[0]: row[1].split(" ") for row in rows[1:]}
    assert [str(label["index"]) for label in first["labels"]] == by_id[first["id"]][0::2]


def test_scoring_metrics_equal_the_numpy_reference(scored, trained, data_dir):
    import keras

    summary, output_dir = scored
    model_dir, _ = trained
    _, features, labels = _validate_arrays(data_dir)
    predictions = np.asarray(keras.models.load_model(f"{model_dir}/export/model.keras")(features))
    with open(output_dir / "metrics.json") as f:
        written = json.load(f)
    assert written["num_videos"] == 300
    assert written["hit_at_one"] == pytest.approx(metrics.hit_at_one(predictions, labels))
    assert written["perr"] == pytest.approx(
        metrics.precision_at_equal_recall_rate(predictions, labels)
    )
    # Beam groups scores at 1e-6, the reference uses exact float scores.
    assert written["gap"] == pytest.approx(metrics.gap(predictions, labels), abs=2e-3)
    assert written["map"] == pytest.approx(
        metrics.mean_average_precision(predictions, labels), abs=2e-3
    )


def test_malformed_records_are_reported_not_fatal(scored):
    summary, output_dir = scored
    assert summary["failed"] == 3
    failures = []
    for path in glob.glob(str(output_dir / "failures" / "*.jsonl")):
        with open(path) as f:
            failures += [json.loads(line) for line in f]
    errors = sorted(f["error"] for f in failures)
    assert all(f["stage"] == "parse" and f["source"].endswith("bad.tfrecord") for f in failures)
    assert any("outside [0, 3862)" in e for e in errors)
    assert any("not a tf.train.Example" in e or "has no id" in e for e in errors)
    assert len(errors) == 3
