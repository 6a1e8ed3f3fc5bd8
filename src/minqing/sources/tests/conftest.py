"""Fixtures shared by the sources tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def district_files(tmp_path_factory) -> Path:
    """A tiny synthetic district (files only, no database)."""
    from minqing.synth.generate import generate

    out = tmp_path_factory.mktemp("district")
    generate(out, seed=1, persons=1000)
    return out


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    """Error reports and uploads go to the test's own folder, never to ./var."""
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def shiye_file(district_files, tmp_path) -> Path:
    path = tmp_path / "人社_失业登记.csv"
    shutil.copy(district_files / "extracts" / "人社_失业登记.csv", path)
    return path
