import io
import os
import tarfile

import numpy as np
import pytest

from models import assets
from pipelines import samples


def _tgz(files: dict) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.fixture
def archive_server(tmp_path, monkeypatch):
    """The two official archives, laid out as published, served on 127.0.0.1."""
    served = tmp_path / "served"
    served.mkdir()
    (served / "inception.tgz").write_bytes(
        _tgz(
            {"classify_image_graph_def.pb": b"graph", "imagenet_synset_to_human_label_map.txt": b""}
        )
    )
    (served / "pca.tgz").write_bytes(
        _tgz(
            {
                name: _npy(np.zeros((2, 1)))
                for name in ("mean.npy", "eigenvals.npy", "eigenvecs.npy")
            }
        )
    )
    with samples.serve_directory(str(served)) as base_url:
        inception_url, pca_url = f"{base_url}/inception.tgz", f"{base_url}/pca.tgz"
        monkeypatch.setattr(
            assets,
            "ARCHIVE_FILES",
            {
                inception_url: (assets.GRAPH_FILE,),
                pca_url: assets.ARCHIVE_FILES[assets.PCA_ARCHIVE_URL],
            },
        )
        yield base_url


def test_official_archive_urls_are_the_published_ones():
    assert assets.INCEPTION_ARCHIVE_URL.endswith("/models/image/imagenet/inception-2015-12-05.tgz")
    assert assets.PCA_ARCHIVE_URL == "http://data.yt8m.org/yt8m_pca.tgz"
    assert set(f for names in assets.ARCHIVE_FILES.values() for f in names) == set(
        assets.MODEL_FILES
    )


def test_default_model_dir_downloads_both_archives_once(tmp_path, monkeypatch, archive_server):
    monkeypatch.setenv("YT8M_CACHE_DIR", str(tmp_path / "cache"))
    model_dir = assets.resolve_model_dir(None)
    assert model_dir == str(tmp_path / "cache" / "models")
    assert sorted(os.listdir(model_dir)) == sorted(assets.MODEL_FILES)
    with open(os.path.join(model_dir, assets.GRAPH_FILE), "rb") as f:
        assert f.read() == b"graph"

    def no_network(*args, **kwargs):
        raise AssertionError("downloaded again")

    monkeypatch.setattr(assets.urllib.request, "urlopen", no_network)
    assert assets.resolve_model_dir(None) == model_dir


def test_offline_default_says_which_files_to_put_where(tmp_path, monkeypatch):
    monkeypatch.setenv("YT8M_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(
        assets,
        "ARCHIVE_FILES",
        {
            f"http://127.0.0.1:9/{i}.tgz": names
            for i, names in enumerate(assets.ARCHIVE_FILES.values())
        },
    )
    with pytest.raises(assets.ModelAssetsError) as error:
        assets.resolve_model_dir(None)
    message = str(error.value)
    for name in assets.MODEL_FILES:
        assert name in message
    assert str(tmp_path / "cache" / "models") in message
    assert "make-test-model" in message
    assert not [f for f in os.listdir(tmp_path / "cache" / "models") if not f.startswith(".")]


def test_explicit_incomplete_model_dir_is_an_error_not_a_download(tmp_path):
    (tmp_path / "mean.npy").write_bytes(b"")
    with pytest.raises(assets.ModelAssetsError) as error:
        assets.resolve_model_dir(str(tmp_path))
    assert "lacks classify_image_graph_def.pb, eigenvals.npy, eigenvecs.npy." in str(error.value)
    assert sorted(os.listdir(tmp_path)) == ["mean.npy"]
