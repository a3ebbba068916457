import numpy as np
import pytest

from models import baseline, synthetic, vocabulary
from transforms import yt8m_format


def test_hamming_losses_by_hand():
    y_true = np.array([[1.0, 0.0, 0.0]], np.float32)
    y_pred = np.array([[0.75, 0.5, 0.0]], np.float32)
    assert float(baseline.make_loss("hamming")(y_true, y_pred)[0]) == pytest.approx(0.75)
    weights = np.array([2.0, 1.0, 5.0], np.float32)
    weighted = baseline.make_loss("weighted_hamming", weights)(y_true, y_pred)
    assert float(weighted[0]) == pytest.approx(2 * 0.25 + 0.5)
    with pytest.raises(ValueError):
        baseline.make_loss("weighted_hamming")


def test_class_weights_follow_n_over_c_times_n_i():
    weights = baseline.class_weights(np.array([10, 5, 0, 20]), num_videos=40, power=1.0)
    assert weights.tolist() == pytest.approx([1.0, 2.0, 10.0, 0.5])
    assert baseline.class_weights(np.array([10, 40]), 40, power=0.5).tolist() == pytest.approx(
        [np.sqrt(2.0), np.sqrt(0.5)]
    )


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("synthetic"))
    synthetic.write_dataset(directory, 60, num_classes=50, seed=1, shards=1)
    return directory


def test_synthetic_labels_are_long_tailed():
    frequencies = synthetic.class_frequencies(3862)
    assert frequencies[0] / frequencies[-1] > 1000


def test_frame_and_video_level_inputs_agree_and_labels_are_counted(synthetic_dir):
    video_files = [f"{synthetic_dir}/video/train-00000-of-00001.tfrecord"]
    frame_files = [f"{synthetic_dir}/frame/train-00000-of-00001.tfrecord"]
    assert baseline.detect_record_kind(video_files) == "video"
    assert baseline.detect_record_kind(frame_files) == "frame"
    names = ["mean_rgb", "mean_audio"]
    (xv, yv), (xf, yf) = (
        next(iter(baseline.make_dataset(files, kind, names, 50, 100)))
        for files, kind in ((video_files, "video"), (frame_files, "frame"))
    )
    assert xv.shape == (48, yt8m_format.feature_dim(names)) and yv.shape == (48, 50)
    np.testing.assert_allclose(xf.numpy(), xv.numpy(), atol=1e-5)
    np.testing.assert_array_equal(yf.numpy(), yv.numpy())
    stats = baseline.count_labels(frame_files, "frame", 50)
    assert stats.videos == 48 and stats.out_of_range == 0
    np.testing.assert_array_equal(stats.class_counts, yv.numpy().sum(axis=0))
    assert baseline.count_labels(video_files, "video", 10).out_of_range > 0


def test_vocabulary_round_trips_quoted_fields(synthetic_dir):
    vocab = vocabulary.read_vocabulary(f"{synthetic_dir}/vocabulary.csv")
    assert len(vocab.names) == 50 and vocab.name(3) == "Synthetic class 3"
    assert vocab.name(999) == "999"
    text = vocabulary.format_vocabulary(["A, with comma"], [7], ['say "hi", twice'])
    parsed = vocabulary.parse_vocabulary(text, "inline")
    assert parsed.names == {0: "A, with comma"} and parsed.train_video_counts == {0: 7}
    with pytest.raises(vocabulary.VocabularyError):
        vocabulary.parse_vocabulary("a,b\n1,2\n", "bad.csv")


def test_vocabulary_offline_falls_back_to_indices_with_a_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("YT8M_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(vocabulary, "VOCABULARY_URL", "http://127.0.0.1:9/vocabulary.csv")
    assert vocabulary.load_vocabulary(None) is None
    assert "class indices" in caplog.text
