import numpy as np
import pytest
import tensorflow as tf

from models import assets
from models.inception import InceptionPcaExtractor, ModelLoadError, graph_is_stand_in, load_pca
from models.standin import STAND_IN_PRODUCER_VERSION, synthetic_images
from transforms import yt8m_format


def official_per_frame_features(model_dir, frames_rgb):
    """The official extractor's computation, one frame at a time, through the
    unmodified graph fed at DecodeJpeg:0 (feature_extractor.py)."""
    graph_def = tf.compat.v1.GraphDef()
    with open(f"{model_dir}/{assets.GRAPH_FILE}", "rb") as f:
        graph_def.ParseFromString(f.read())
    mean = np.load(f"{model_dir}/mean.npy")[:, 0]
    eigenvals = np.load(f"{model_dir}/eigenvals.npy")[:1024, 0]
    eigenvecs = np.load(f"{model_dir}/eigenvecs.npy").T[:, :1024]
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
        pooled = graph.get_tensor_by_name("pool_3/_reshape:0")
        feats = pooled[0] - tf.constant(mean, tf.float32)
        feats = tf.reshape(
            tf.matmul(tf.reshape(feats, [1, 2048]), tf.constant(eigenvecs, tf.float32)), [1024]
        )
        feats = tf.divide(feats, tf.sqrt(tf.constant(eigenvals, tf.float32) + 1e-4))
    with tf.compat.v1.Session(graph=graph) as session:
        return np.stack([session.run(feats, {"DecodeJpeg:0": frame}) for frame in frames_rgb])


@pytest.fixture(scope="module")
def extractor(stand_in_model_dir):
    return InceptionPcaExtractor.load(stand_in_model_dir)


def test_stand_in_keeps_the_official_interface_and_old_ops(stand_in_model_dir):
    graph_def = tf.compat.v1.GraphDef()
    with open(f"{stand_in_model_dir}/{assets.GRAPH_FILE}", "rb") as f:
        graph_def.ParseFromString(f.read())
    ops = {node.op for node in graph_def.node}
    names = {node.name for node in graph_def.node}
    assert {"BatchNormWithGlobalNormalization", "Concat", "DecodeJpeg", "ResizeBilinear"} <= ops
    assert {"DecodeJpeg", "Cast", "ExpandDims", "ResizeBilinear", "Sub", "Mul"} <= names
    assert graph_def.versions.producer == STAND_IN_PRODUCER_VERSION < 9
    assert graph_is_stand_in(stand_in_model_dir)


def test_batched_features_equal_the_official_per_frame_computation(extractor, stand_in_model_dir):
    frames_rgb = np.stack(list(synthetic_images(12, seed=5, height=144, width=176)))
    official = official_per_frame_features(stand_in_model_dir, frames_rgb)
    batched = np.concatenate([extractor.extract(frames_rgb[:8]), extractor.extract(frames_rgb[8:])])
    assert batched.shape == (12, yt8m_format.RGB_DIM) and batched.dtype == np.float32
    q_official, q_batched = yt8m_format.quantize(official), yt8m_format.quantize(batched)
    assert (q_official == q_batched).mean() >= 0.995
    assert np.abs(q_official.astype(int) - q_batched.astype(int)).max() <= 1
    # The stand-in's whitened features spread over the quantiser's range.
    assert 0.3 < batched.std() < 2.0


def test_extract_rejects_frames_that_are_not_uint8_rgb(extractor):
    with pytest.raises(ValueError):
        extractor.extract(np.zeros((1, 8, 8, 3), np.float32))
    with pytest.raises(ValueError):
        extractor.extract(np.zeros((1, 8, 8), np.uint8))


def test_load_rejects_a_file_that_is_not_a_graph(tmp_path, stand_in_model_dir):
    import shutil

    for name in assets.MODEL_FILES:
        shutil.copy(f"{stand_in_model_dir}/{name}", tmp_path / name)
    (tmp_path / assets.GRAPH_FILE).write_bytes(b"\x00 not a graph")
    with pytest.raises(ModelLoadError, match="classify_image_graph_def.pb"):
        InceptionPcaExtractor.load(str(tmp_path))


def test_load_pca_checks_the_official_shapes(tmp_path, stand_in_model_dir):
    import shutil

    for name in assets.MODEL_FILES:
        shutil.copy(f"{stand_in_model_dir}/{name}", tmp_path / name)
    mean, projection, eigenvals = load_pca(str(tmp_path))
    assert mean.shape == (2048,) and projection.shape == (2048, 1024) and eigenvals.shape == (1024,)
    np.save(tmp_path / "eigenvecs.npy", np.zeros((1024, 100), np.float32))
    with pytest.raises(ModelLoadError, match="eigenvecs.npy"):
        load_pca(str(tmp_path))
