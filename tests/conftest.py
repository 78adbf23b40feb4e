"""Shared fixtures: the registry of every installed claim module, and quick-profile settings."""
from __future__ import annotations

import pytest

from theorycheck import Settings, load_registry


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture
def quick(tmp_path) -> Settings:
    return Settings(seed=0, profile="quick", device="cpu", timeout=300, report_dir=tmp_path)
