"""A small stand-in for the official Inception graph and YouTube-8M PCA.

The official assets cannot be downloaded offline (tests, CI, air-gapped demos),
yet the loading code must be exercised for real. The stand-in therefore keeps
what the loader depends on: the four file names, the tensor names, the JPEG-free
front end (`DecodeJpeg:0` -> Cast -> ExpandDims -> ResizeBilinear 299x299 ->
Sub 128 -> Mul 1/128), the 2015 ops (`BatchNormWithGlobalNormalization`, the old
`Concat`), a producer version below 9, and a reshape fixed to batch 1. Only the
weights are random, and a marker node says so.
"""

from __future__ import annotations

import os

import numpy as np

from models import assets
from transforms import yt8m_format

STAND_IN_MARKER_NODE = "yt8m_stand_in_model"
# The official graph predates GraphDef version 9, which removed its batch norm.
STAND_IN_PRODUCER_VERSION = 5
_INPUT_SIZE = 299
_STEM_CHANNELS = 16


def _attr(value):
    import tensorflow as tf
    from tensorflow.core.framework import attr_value_pb2

    if isinstance(value, bool):
        return attr_value_pb2.AttrValue(b=value)
    if isinstance(value, tf.DType):
        return attr_value_pb2.AttrValue(type=value.as_datatype_enum)
    if isinstance(value, int):
        return attr_value_pb2.AttrValue(i=value)
    if isinstance(value, float):
        return attr_value_pb2.AttrValue(f=value)
    if isinstance(value, str):
        return attr_value_pb2.AttrValue(s=value.encode())
    if isinstance(value, list):
        return attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(i=value))
    raise TypeError(f"unsupported attr value {value!r}")


class _GraphBuilder:
    """Appends raw NodeDefs, because current TF refuses to create the old ops."""

    def __init__(self):
        import tensorflow as tf

        self.graph_def = tf.compat.v1.GraphDef()
        self.graph_def.versions.producer = STAND_IN_PRODUCER_VERSION

    def node(self, name, op, inputs=(), **attrs):
        node = self.graph_def.node.add(name=name, op=op, input=list(inputs))
        for key, value in attrs.items():
            node.attr[key].CopyFrom(_attr(value))
        return name

    def const(self, name, value, dtype):
        import tensorflow as tf
        from tensorflow.core.framework import attr_value_pb2

        node = self.graph_def.node.add(name=name, op="Const")
        node.attr["dtype"].CopyFrom(_attr(dtype))
        node.attr["value"].CopyFrom(
            attr_value_pb2.AttrValue(tensor=tf.make_tensor_proto(value, dtype=dtype))
        )
        return name

    def conv_bn_relu(self, scope, inputs, kernel, stride, rng):
        import tensorflow as tf

        fan_in = kernel.shape[0] * kernel.shape[1] * kernel.shape[2]
        weights = self.const(f"{scope}/conv2d_params", kernel / np.sqrt(fan_in), tf.float32)
        conv = self.node(
            f"{scope}/Conv2D",
            "Conv2D",
            [inputs, weights],
            T=tf.float32,
            strides=[1, stride, stride, 1],
            padding="VALID",
        )
        channels = kernel.shape[3]
        params = {
            "moving_mean": rng.normal(0.0, 0.1, channels),
            "moving_variance": rng.uniform(0.5, 1.5, channels),
            "beta": rng.normal(0.1, 0.1, channels),
            "gamma": rng.uniform(0.8, 1.2, channels),
        }
        names = {
            key: self.const(f"{scope}/batchnorm/{key}", value.astype(np.float32), tf.float32)
            for key, value in params.items()
        }
        batchnorm = self.node(
            f"{scope}/batchnorm",
            "BatchNormWithGlobalNormalization",
            [conv, names["moving_mean"], names["moving_variance"], names["beta"], names["gamma"]],
            T=tf.float32,
            variance_epsilon=0.001,
            scale_after_normalization=True,
        )
        return self.node(scope, "Relu", [batchnorm], T=tf.float32)


def build_stand_in_graph_def(seed: int = 0):
    """Returns a GraphDef with the official interface and random weights."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    b = _GraphBuilder()
    b.const(
        STAND_IN_MARKER_NODE,
        "yt8m-beam stand-in: random weights, NOT the official Inception-v3 graph",
        tf.string,
    )
    contents = b.const("DecodeJpeg/contents", b"", tf.string)
    b.node("DecodeJpeg", "DecodeJpeg", [contents], channels=3)
    b.node("Cast", "Cast", ["DecodeJpeg"], SrcT=tf.uint8, DstT=tf.float32)
    b.const("ExpandDims/dim", 0, tf.int32)
    b.node("ExpandDims", "ExpandDims", ["Cast", "ExpandDims/dim"], T=tf.float32, Tdim=tf.int32)
    b.const("ResizeBilinear/size", [_INPUT_SIZE, _INPUT_SIZE], tf.int32)
    b.node(
        "ResizeBilinear",
        "ResizeBilinear",
        ["ExpandDims", "ResizeBilinear/size"],
        T=tf.float32,
        align_corners=False,
    )
    b.const("Sub/y", 128.0, tf.float32)
    b.node("Sub", "Sub", ["ResizeBilinear", "Sub/y"], T=tf.float32)
    b.const("Mul/y", 1.0 / 128.0, tf.float32)
    b.node("Mul", "Mul", ["Sub", "Mul/y"], T=tf.float32)

    # 299 -> 149 (3x3 stride 2) -> 8 (18x18 average pool): the official graph's
    # final 8x8 grid, reached in two cheap steps.
    stem = b.conv_bn_relu("conv", "Mul", rng.normal(size=(3, 3, 3, _STEM_CHANNELS)), 2, rng)
    b.node(
        "pool",
        "AvgPool",
        [stem],
        T=tf.float32,
        ksize=[1, 18, 18, 1],
        strides=[1, 18, 18, 1],
        padding="VALID",
    )
    half = yt8m_format.INCEPTION_DIM // 2
    towers = [
        b.conv_bn_relu(
            f"mixed/{name}", "pool", rng.normal(size=(1, 1, _STEM_CHANNELS, half)), 1, rng
        )
        for name in ("conv", "tower/conv")
    ]
    b.const("mixed/join/concat_dim", 3, tf.int32)
    b.node("mixed/join", "Concat", ["mixed/join/concat_dim", *towers], N=2, T=tf.float32)
    b.node(
        "pool_3",
        "AvgPool",
        ["mixed/join"],
        T=tf.float32,
        ksize=[1, 8, 8, 1],
        strides=[1, 1, 1, 1],
        padding="VALID",
    )
    b.const("pool_3/_reshape/shape", [1, yt8m_format.INCEPTION_DIM], tf.int32)
    b.node(
        "pool_3/_reshape",
        "Reshape",
        ["pool_3", "pool_3/_reshape/shape"],
        T=tf.float32,
        Tshape=tf.int32,
    )
    return b.graph_def


def synthetic_images(count: int, seed: int, height: int = 180, width: int = 240):
    """Smooth random colour images, so pooled features vary like real ones."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        coarse = rng.integers(0, 256, size=(4, 4, 3)).astype(np.float32)
        image = np.kron(coarse, np.ones((height // 4 + 1, width // 4 + 1, 1)))
        image = image[:height, :width] + rng.normal(0, 12, size=(height, width, 3))
        yield np.clip(image, 0, 255).astype(np.uint8)


def write_stand_in_model(model_dir: str, seed: int = 0, calibration_images: int = 96) -> None:
    """Writes the four official file names with stand-in contents to model_dir.

    The PCA is calibrated on the stand-in's own features of synthetic images:
    random orthonormal directions, the calibration mean, and each direction's
    variance as its eigenvalue, so whitened features spread over the quantiser's
    range as real ones do.
    """
    import tensorflow as tf

    os.makedirs(model_dir, exist_ok=True)
    graph_def = build_stand_in_graph_def(seed)
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    with tf.compat.v1.Session(graph=graph) as session:
        pooled = np.stack(
            [
                session.run("pool_3/_reshape:0", {"DecodeJpeg:0": image})[0]
                for image in synthetic_images(calibration_images, seed)
            ]
        ).astype(np.float64)

    rng = np.random.default_rng(seed + 1)
    dim = yt8m_format.INCEPTION_DIM
    orthonormal, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    eigenvecs = orthonormal.T[: yt8m_format.RGB_DIM]  # rows are directions
    mean = pooled.mean(axis=0)
    eigenvals = ((pooled - mean) @ eigenvecs.T).var(axis=0)

    with open(os.path.join(model_dir, assets.GRAPH_FILE), "wb") as f:
        f.write(graph_def.SerializeToString())
    np.save(os.path.join(model_dir, assets.PCA_MEAN_FILE), mean.reshape(dim, 1).astype(np.float32))
    np.save(
        os.path.join(model_dir, assets.PCA_EIGENVALS_FILE),
        eigenvals.reshape(-1, 1).astype(np.float32),
    )
    np.save(os.path.join(model_dir, assets.PCA_EIGENVECS_FILE), eigenvecs.astype(np.float32))
