import subprocess
import sys

import pytest

from pipelines import cli, common, extract


def _yt8m(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_top_level_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in cli.COMMANDS)
    assert cli.main(["frobnicate"]) == 2


@pytest.mark.parametrize("command", ["extract", "train", "score", "make_synthetic_data", "demo"])
def test_help_explains_every_flag(command):
    import importlib

    parser = importlib.import_module(f"pipelines.{command}").make_parser()
    help_text = parser.format_help()
    for action in parser._actions:
        if action.option_strings and action.dest != "help":
            assert action.help, action.dest
            assert action.option_strings[0] in help_text
    if command in ("extract", "score"):
        assert "--runner" in help_text  # Beam options are explained too


def test_missing_input_is_a_clear_error_without_traceback(tmp_path):
    result = _yt8m("extract", "--input", str(tmp_path / "nope*.txt"), "--output_dir", str(tmp_path))
    assert result.returncode == 2
    assert "matches no files" in result.stderr
    assert "Traceback" not in result.stderr


def test_refuses_to_mix_with_earlier_outputs(tmp_path, stand_in_model_dir):
    (tmp_path / "list.txt").write_text("a.mp4\n")
    (tmp_path / "out" / "frame").mkdir(parents=True)
    (tmp_path / "out" / "frame" / "part-00000-of-00003.tfrecord").write_bytes(b"")
    with pytest.raises(common.OutputExistsError, match="--overwrite"):
        extract.run(
            [
                "--input",
                str(tmp_path / "list.txt"),
                "--output_dir",
                str(tmp_path / "out"),
                "--model_dir",
                stand_in_model_dir,
            ]
        )


@pytest.mark.slow
def test_demo_runs_offline_and_says_it_uses_the_stand_in(tmp_path, monkeypatch):
    monkeypatch.setenv("YT8M_CACHE_DIR", str(tmp_path / "empty_cache"))
    result = _yt8m("demo", "--workdir", str(tmp_path / "demo"), "--clip_seconds", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "STAND-IN" in result.stdout
    assert "Videos written: 4" in result.stdout
    assert list((tmp_path / "demo" / "features" / "frame").glob("*.tfrecord"))


@pytest.mark.parametrize(
    "runner,local",
    [(None, True), ("DirectRunner", True), ("PrismRunner", True), ("DataflowRunner", False)],
)
def test_local_runners_are_told_apart_from_remote_ones(runner, local):
    from apache_beam.options.pipeline_options import PipelineOptions

    args = ["--runner", runner] if runner else []
    assert common.is_local_run(PipelineOptions(args)) is local


def test_remote_runner_with_a_local_model_dir_is_refused(tmp_path, stand_in_model_dir):
    (tmp_path / "list.txt").write_text("a.mp4\n")
    with pytest.raises(common.UsageError, match="gs://"):
        extract.run(
            ["--input", str(tmp_path / "list.txt"), "--output_dir", str(tmp_path / "out"),
             "--model_dir", stand_in_model_dir, "--runner", "DataflowRunner"]
        )  # fmt: skip
