"""Shared fixtures: the numscope CLI binary (for comparing the package with what the CLI prints)."""

import os
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def cli_path():
    """The CLI built from the same tree: $NUMSCOPE_CLI, else build/bin/numscope, else numscope on PATH."""
    for candidate in (os.environ.get("NUMSCOPE_CLI"), ROOT / "build" / "bin" / "numscope", shutil.which("numscope")):
        if candidate and pathlib.Path(candidate).is_file():
            return str(candidate)
    return None


@pytest.fixture(scope="session")
def cli():
    path = cli_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("the numscope CLI is not built (set NUMSCOPE_CLI)")
        pytest.skip("the numscope CLI is not built (set NUMSCOPE_CLI or build build/bin/numscope)")
    return path
