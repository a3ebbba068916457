"""The `yt8m` command: one entry point, one subcommand per job."""

from __future__ import annotations

import sys

COMMANDS = {
    "extract": ("pipelines.extract", "video URL lists -> YouTube-8M TFRecords"),
    "train": ("pipelines.train", "train the logistic baseline on YouTube-8M TFRecords"),
    "score": ("pipelines.score", "batch-score TFRecords: ranked labels and official metrics"),
    "make-synthetic-data": (
        "pipelines.make_synthetic_data",
        "write synthetic YouTube-8M-format records and a vocabulary",
    ),
    "demo": ("pipelines.demo", "extract -> train -> score, offline, on generated data"),
    "make-test-model": (
        "pipelines.make_test_model",
        "write a stand-in model (random weights) for tests and offline runs",
    ),
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    rows = "\n".join(f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items())
    return (
        "usage: yt8m COMMAND [flags]\n\ncommands:\n"
        f"{rows}\n\n`yt8m COMMAND --help` explains each command's flags."
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    if argv[0] not in COMMANDS:
        print(f"yt8m: unknown command {argv[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    import importlib

    module = importlib.import_module(COMMANDS[argv[0]][0])
    return module.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
