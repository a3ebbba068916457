"""Where the official Inception graph and YouTube-8M PCA come from.

Resolution happens once, in the launcher, before any pipeline is built: workers
only ever read a directory that is known to be complete, and an offline user is
told exactly what to put where instead of meeting a traceback on a worker.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import tarfile
import tempfile
import urllib.request

from apache_beam.io.filesystems import FileSystems

GRAPH_FILE = "classify_image_graph_def.pb"
PCA_MEAN_FILE = "mean.npy"
PCA_EIGENVALS_FILE = "eigenvals.npy"
PCA_EIGENVECS_FILE = "eigenvecs.npy"

INCEPTION_ARCHIVE_URL = (
    "http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz"
)
PCA_ARCHIVE_URL = "http://data.yt8m.org/yt8m_pca.tgz"

# Which files each official archive provides.
ARCHIVE_FILES = {
    INCEPTION_ARCHIVE_URL: (GRAPH_FILE,),
    PCA_ARCHIVE_URL: (PCA_MEAN_FILE, PCA_EIGENVALS_FILE, PCA_EIGENVECS_FILE),
}
MODEL_FILES = (GRAPH_FILE, PCA_MEAN_FILE, PCA_EIGENVALS_FILE, PCA_EIGENVECS_FILE)

DOWNLOAD_TIMEOUT_S = 60

_LOGGER = logging.getLogger(__name__)


class ModelAssetsError(RuntimeError):
    """The model files are not where they must be; the message says how to fix it."""


def default_model_dir() -> str:
    """The cache the official assets are downloaded into when no --model_dir is given."""
    cache_root = os.environ.get("YT8M_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "yt8m"
    )
    return os.path.join(cache_root, "models")


def missing_files(model_dir: str) -> list[str]:
    """The model files absent from model_dir (local or any Beam filesystem)."""
    return [
        name for name in MODEL_FILES if not FileSystems.exists(FileSystems.join(model_dir, name))
    ]


def read_bytes(model_dir: str, name: str) -> bytes:
    with FileSystems.open(FileSystems.join(model_dir, name)) as f:
        return f.read()


def _fetch_archive_members(url: str, names: tuple[str, ...], target_dir: str) -> None:
    """Downloads one official archive and publishes the members we need."""
    _LOGGER.info("Downloading %s", url)
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        archive = response.read()
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        members = {os.path.basename(m.name): m for m in tar.getmembers() if m.isfile()}
        absent = [name for name in names if name not in members]
        if absent:
            raise ModelAssetsError(f"{url} does not contain {', '.join(absent)}")
        for name in names:
            # Write beside the target, then rename: a killed download never
            # leaves a truncated file that a later run would trust.
            fd, partial = tempfile.mkstemp(dir=target_dir, prefix=f".{name}.")
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(tar.extractfile(members[name]), out)
            os.replace(partial, os.path.join(target_dir, name))


def _offline_help(model_dir: str, missing: list[str], reason: str) -> str:
    needed = "\n".join(
        f"  {name}  (from {url})"
        for url, names in ARCHIVE_FILES.items()
        for name in names
        if name in missing
    )
    return (
        f"The official model files are missing from {model_dir} and could not be "
        f"downloaded ({reason}).\nPut these files in {model_dir}:\n{needed}\n"
        "or pass --model_dir DIR pointing at a directory that holds all four "
        f"({', '.join(MODEL_FILES)}).\nFor an offline trial with random weights "
        "(features are NOT real YouTube-8M features), run: yt8m make-test-model DIR "
        "and pass --model_dir DIR."
    )


def resolve_model_dir(model_dir: str | None) -> str:
    """Returns a directory that holds all four model files, downloading if allowed.

    An explicit model_dir must already be complete: we never write into a
    directory the user named. Without one, the official archives are downloaded
    once into the cache.
    """
    if model_dir:
        missing = missing_files(model_dir)
        if missing:
            raise ModelAssetsError(
                f"--model_dir {model_dir} lacks {', '.join(missing)}. It must hold "
                f"{', '.join(MODEL_FILES)} (from {INCEPTION_ARCHIVE_URL} and "
                f"{PCA_ARCHIVE_URL}). Omit --model_dir to download the official "
                "files into the cache, or run `yt8m make-test-model DIR` for an "
                "offline stand-in."
            )
        return model_dir

    cache_dir = default_model_dir()
    missing = missing_files(cache_dir)
    if not missing:
        return cache_dir
    os.makedirs(cache_dir, exist_ok=True)
    for url, names in ARCHIVE_FILES.items():
        if any(name in missing for name in names):
            try:
                _fetch_archive_members(url, names, cache_dir)
            except (OSError, tarfile.TarError) as e:
                raise ModelAssetsError(
                    _offline_help(cache_dir, missing, f"{type(e).__name__}: {e}")
                ) from e
    return cache_dir
