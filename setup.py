"""yt8m-beam: Apache Beam pipelines from video URLs to YouTube-8M features and labels.

Also the package Dataflow workers install (`--setup_file ./setup.py`).
"""

import setuptools

setuptools.setup(
    name="yt8m-beam",
    version="0.1.0",
    description="Beam pipelines: video URL lists -> YouTube-8M features and ranked labels",
    python_requires=">=3.10,<3.13",
    packages=setuptools.find_packages(include=["pipelines", "transforms", "models"]),
    install_requires=[
        "apache-beam[gcp,tfrecord]>=2.77,<3",
        "tensorflow>=2.16,<2.22",
        # Beam's TensorFlow model handler imports tensorflow_hub.
        "tensorflow-hub>=0.16,<1",
        # tf.summary (TensorBoard logs of yt8m train) needs it; TF no longer bundles it.
        "tensorboard>=2.16,<3",
        "numpy>=1.26,<3",
        "opencv-python-headless>=4.8,<6",
        "yt-dlp>=2025.1.1",
    ],
    # imageio-ffmpeg: an ffmpeg binary, so tests can write H.264 and cut downloads.
    extras_require={"test": ["pytest>=8,<10", "ruff>=0.6,<1", "imageio-ffmpeg>=0.5,<1"]},
    entry_points={"console_scripts": ["yt8m=pipelines.cli:main"]},
)
