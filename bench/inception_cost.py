"""What the real network costs here: Inception-v3 (random weights, same
architecture and 299x299 input as the official graph) per frame, batched vs one
frame at a time, side by side in one run.

The official graph cannot be downloaded offline; Keras' InceptionV3 has the
same layers, so its time per frame estimates the official model's share of
`bench.extract_video`. Usage: python -m bench.inception_cost [--frames 64]
"""

import argparse
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=64)
    parser.add_argument("--batch_size", type=int, default=32)
    args = parser.parse_args()
    import keras
    import tensorflow as tf

    model = keras.applications.InceptionV3(weights=None, include_top=False, pooling="avg")
    forward = tf.function(lambda x: model(x, training=False))
    frames = np.random.default_rng(0).uniform(-1, 1, (args.frames, 299, 299, 3)).astype("float32")
    forward(frames[:1])
    forward(frames[: args.batch_size])

    started = time.perf_counter()
    for i in range(0, args.frames, args.batch_size):
        forward(frames[i : i + args.batch_size]).numpy()
    batched = (time.perf_counter() - started) / args.frames
    started = time.perf_counter()
    for i in range(args.frames):
        forward(frames[i : i + 1]).numpy()
    single = (time.perf_counter() - started) / args.frames
    print(f"Inception-v3, {args.frames} frames, 299x299, CPU threads: default")
    print(f"batched ({args.batch_size}): {batched * 1000:.1f} ms/frame")
    print(f"one at a time:  {single * 1000:.1f} ms/frame")
    print(f"speed-up from batching: {single / batched:.2f}x")


if __name__ == "__main__":
    main()
