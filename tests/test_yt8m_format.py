import numpy as np
import pytest
import tensorflow as tf

from transforms import yt8m_format as fmt


def test_quantize_clips_and_maps_ends_to_0_and_255():
    values = np.array([-5.0, -2.0, 0.0, 2.0, 7.5], np.float32)
    assert fmt.quantize(values).tolist() == [0, 0, 128, 255, 255]


def _exact_ties():
    """float32 inputs whose scaled value (float32, as the official code computes
    it) is exactly k + 0.5, where round-half-to-even and round-half-up differ."""
    ties = []
    for k in range(255):
        x = np.float32((k + 0.5) / 63.75 - 2.0)
        for _ in range(8):
            scaled = (x - np.float32(-2.0)) * np.float32(63.75)
            if scaled == k + 0.5:
                ties.append((x, k))
                break
            x = np.nextafter(x, np.float32(3.0) if scaled < k + 0.5 else np.float32(-3.0))
    return ties


def test_quantize_rounds_exact_ties_half_to_even_like_python_round():
    ties = _exact_ties()
    assert len(ties) > 150
    values = np.array([x for x, _ in ties], np.float32)
    expected = [k + (k % 2) for _, k in ties]  # k + 0.5 -> the even neighbour
    assert fmt.quantize(values).tolist() == expected


def test_quantize_matches_the_official_formula_on_random_values():
    values = np.random.default_rng(0).normal(0, 1.5, 4096).astype(np.float32)
    official = [int(round(f)) for f in (np.clip(values, -2, 2) + 2.0) * (255.0 / 4.0)]
    assert fmt.quantize(values).tolist() == official


def test_dequantize_uses_the_official_readers_constants():
    assert fmt.dequantize(np.array([0, 255], np.uint8)).tolist() == pytest.approx(
        [-2.0 + 4.0 / 512.0, 2.0 + 4.0 / 512.0]
    )


def test_frame_interval_rejects_non_positive_rates():
    assert fmt.frame_interval_ms(2.0) == 500.0
    with pytest.raises(ValueError):
        fmt.frame_interval_ms(0)


def _official_parse(serialized):
    context, sequence = tf.io.parse_single_sequence_example(
        serialized,
        context_features={
            "id": tf.io.FixedLenFeature([], tf.string),
            "labels": tf.io.VarLenFeature(tf.int64),
            "mean_rgb": tf.io.FixedLenFeature([fmt.RGB_DIM], tf.float32),
            "mean_audio": tf.io.FixedLenFeature([fmt.AUDIO_DIM], tf.float32),
        },
        sequence_features={
            "rgb": tf.io.FixedLenSequenceFeature([], tf.string),
            "audio": tf.io.FixedLenSequenceFeature([], tf.string),
        },
    )
    return context, sequence


def test_frame_level_record_round_trips_through_the_official_schema():
    rng = np.random.default_rng(1)
    quantized = rng.integers(0, 256, size=(3, fmt.RGB_DIM), dtype=np.uint8)
    mean_rgb = rng.normal(size=fmt.RGB_DIM).astype(np.float32)
    record = fmt.make_frame_level_example("abc", [7, 3, 3000], quantized, mean_rgb)

    context, sequence = _official_parse(record)
    assert context["id"].numpy() == b"abc"
    assert tf.sparse.to_dense(context["labels"]).numpy().tolist() == [3, 7, 3000]
    np.testing.assert_array_equal(context["mean_rgb"].numpy(), mean_rgb)
    assert context["mean_audio"].numpy().tolist() == [0.0] * fmt.AUDIO_DIM
    rgb = tf.io.decode_raw(sequence["rgb"], tf.uint8).numpy()
    np.testing.assert_array_equal(rgb, quantized)
    audio = tf.io.decode_raw(sequence["audio"], tf.uint8).numpy()
    assert audio.shape == (3, fmt.AUDIO_DIM) and not audio.any()


def test_video_level_record_round_trips():
    mean_rgb = np.linspace(-1, 1, fmt.RGB_DIM, dtype=np.float32)
    record = fmt.make_video_level_example("vid", [5, 1], mean_rgb)
    parsed = tf.io.parse_single_example(
        record,
        {
            "id": tf.io.FixedLenFeature([], tf.string),
            "labels": tf.io.VarLenFeature(tf.int64),
            "mean_rgb": tf.io.FixedLenFeature([fmt.RGB_DIM], tf.float32),
            "mean_audio": tf.io.FixedLenFeature([fmt.AUDIO_DIM], tf.float32),
        },
    )
    assert parsed["id"].numpy() == b"vid"
    assert tf.sparse.to_dense(parsed["labels"]).numpy().tolist() == [1, 5]
    np.testing.assert_array_equal(parsed["mean_rgb"].numpy(), mean_rgb)


@pytest.mark.parametrize(
    "quantized",
    [np.zeros((0, fmt.RGB_DIM), np.uint8), np.zeros((2, 10), np.uint8), np.zeros((2, 1024))],
)
def test_frame_level_record_rejects_wrong_shapes_and_types(quantized):
    with pytest.raises(ValueError):
        fmt.make_frame_level_example("x", [], quantized, np.zeros(fmt.RGB_DIM))
