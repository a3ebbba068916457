"""Batched YouTube-8M frame features from the official 2015 Inception graph.

TF 2.x imports the 2015 graph (GraphDef producer < 9, with the since-removed
`BatchNormWithGlobalNormalization` and the old `Concat`) only into a v1 Graph,
and its `DecodeJpeg:0` input and `pool_3/_reshape` are fixed to one image. We
keep every op of the official computation and change only the two places that
pin the batch to 1, through `import_graph_def(input_map=...)`:

* `ExpandDims:0` (the one-image batch made from the decoded frame) is fed with a
  cast batch of frames, so the graph's own ResizeBilinear, Sub and Mul run on
  every frame exactly as they would on one;
* `pool_3/_reshape/shape:0` ([1, 2048]) becomes [-1, 2048].

The official PCA (mean, first 1024 eigenvectors, whitening with +1e-4) runs in
the same graph, so a GPU does it too.
"""

from __future__ import annotations

import io
import logging

import numpy as np

from models import assets
from models.standin import STAND_IN_MARKER_NODE
from transforms import yt8m_format

_LOGGER = logging.getLogger(__name__)

PCA_WHITENING_EPSILON = 1e-4
_REQUIRED_NODES = ("DecodeJpeg", "ExpandDims", "ResizeBilinear", "Mul", "pool_3/_reshape")
_ONE_IMAGE_BATCH = "ExpandDims:0"
_RESHAPE_SHAPE = "pool_3/_reshape/shape:0"
_POOL_FEATURES = "pool_3/_reshape:0"


class ModelLoadError(ValueError):
    """The model files exist but are not the graph or PCA we expect."""


def _load_npy(model_dir: str, name: str) -> np.ndarray:
    try:
        return np.load(io.BytesIO(assets.read_bytes(model_dir, name)))
    except ValueError as e:
        raise ModelLoadError(f"{name} in {model_dir} is not a numpy file: {e}") from e


def load_pca(model_dir: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns (mean (2048,), projection (2048, 1024), eigenvalues (1024,)).

    Shapes follow the official files: mean (2048, 1), eigenvals (>=1024, 1),
    eigenvecs with one eigenvector per row (>=1024, 2048).
    """
    mean = _load_npy(model_dir, assets.PCA_MEAN_FILE)
    eigenvals = _load_npy(model_dir, assets.PCA_EIGENVALS_FILE)
    eigenvecs = _load_npy(model_dir, assets.PCA_EIGENVECS_FILE)
    dim, out = yt8m_format.INCEPTION_DIM, yt8m_format.RGB_DIM
    if mean.shape != (dim, 1):
        raise ModelLoadError(f"mean.npy must have shape ({dim}, 1), got {mean.shape}")
    if eigenvals.ndim != 2 or eigenvals.shape[0] < out or eigenvals.shape[1] != 1:
        raise ModelLoadError(f"eigenvals.npy must have shape (>={out}, 1), got {eigenvals.shape}")
    if eigenvecs.ndim != 2 or eigenvecs.shape[0] < out or eigenvecs.shape[1] != dim:
        raise ModelLoadError(
            f"eigenvecs.npy must have shape (>={out}, {dim}), got {eigenvecs.shape}"
        )
    return mean[:, 0], eigenvecs.T[:, :out], eigenvals[:out, 0]


def read_graph_def(model_dir: str):
    """The checked GraphDef of model_dir's classify_image_graph_def.pb."""
    import tensorflow as tf

    data = assets.read_bytes(model_dir, assets.GRAPH_FILE)
    source = f"{model_dir}/{assets.GRAPH_FILE}"

    graph_def = tf.compat.v1.GraphDef()
    try:
        graph_def.ParseFromString(data)
    except Exception as e:  # protobuf raises its own DecodeError
        raise ModelLoadError(f"{source} is not a TensorFlow GraphDef: {e}") from e
    names = {node.name for node in graph_def.node}
    absent = [name for name in _REQUIRED_NODES if name not in names]
    if absent:
        raise ModelLoadError(
            f"{source} lacks the official Inception nodes {absent}; it must be "
            f"{assets.GRAPH_FILE} from {assets.INCEPTION_ARCHIVE_URL}"
        )
    return graph_def


def graph_is_stand_in(model_dir: str) -> bool:
    """Whether model_dir holds the stand-in graph rather than the official one."""
    return _has_stand_in_marker(read_graph_def(model_dir))


def _reshape_shape_dtype(graph_def):
    """The dtype of pool_3/_reshape's shape constant, which our [-1, 2048] replaces."""
    import tensorflow as tf

    name = _RESHAPE_SHAPE.split(":")[0]
    for node in graph_def.node:
        if node.name == name and "dtype" in node.attr:
            return tf.dtypes.as_dtype(node.attr["dtype"].type)
    return tf.int32


def _has_stand_in_marker(graph_def) -> bool:
    return any(node.name == STAND_IN_MARKER_NODE for node in graph_def.node)


class InceptionPcaExtractor:
    """uint8 RGB frames (n, H, W, 3) -> PCA-whitened float32 features (n, 1024)."""

    def __init__(self, graph_def, pca_mean, pca_projection, pca_eigenvals, source=""):
        import tensorflow as tf

        self._graph = tf.Graph()
        with self._graph.as_default():
            self._frames = tf.compat.v1.placeholder(
                tf.uint8, shape=(None, None, None, 3), name="yt8m/frames"
            )
            frames_float = tf.cast(self._frames, tf.float32)
            batch_shape = tf.constant(
                [-1, yt8m_format.INCEPTION_DIM], _reshape_shape_dtype(graph_def)
            )
            (pooled,) = tf.compat.v1.import_graph_def(
                graph_def,
                input_map={_ONE_IMAGE_BATCH: frames_float, _RESHAPE_SHAPE: batch_shape},
                return_elements=[_POOL_FEATURES],
                name="inception",
            )
            centred = pooled - tf.constant(pca_mean, tf.float32)
            projected = tf.matmul(centred, tf.constant(pca_projection, tf.float32))
            whitening = tf.sqrt(tf.constant(pca_eigenvals, tf.float32) + PCA_WHITENING_EPSILON)
            self._features = tf.divide(projected, whitening, name="yt8m/pca_features")
        self._session = tf.compat.v1.Session(graph=self._graph)
        if _has_stand_in_marker(graph_def):
            _LOGGER.warning(
                "Using the STAND-IN model from %s: random weights, features are NOT "
                "real YouTube-8M features.",
                source,
            )

    @classmethod
    def load(cls, model_dir: str) -> InceptionPcaExtractor:
        """Loads the four model files from a local or gs:// directory."""
        return cls(read_graph_def(model_dir), *load_pca(model_dir), source=model_dir)

    def extract(self, frames_rgb: np.ndarray) -> np.ndarray:
        frames_rgb = np.asarray(frames_rgb)
        if frames_rgb.dtype != np.uint8 or frames_rgb.ndim != 4 or frames_rgb.shape[3] != 3:
            raise ValueError(
                f"frames must be uint8 (n, H, W, 3), got {frames_rgb.dtype} {frames_rgb.shape}"
            )
        return self._session.run(self._features, {self._frames: frames_rgb})
