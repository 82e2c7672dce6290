"""The code stays typed (mypy strict) and lint-clean (ruff), as STYLE.md asks."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml"],
    [sys.executable, "-m", "ruff", "check", "mock_server", "contract_tests", "tests"],
], ids=["mypy", "ruff"])
def test_tool_passes(command: list[str]) -> None:
    if not (ROOT / "pyproject.toml").exists() or shutil.which(command[2]) is None and not _importable(command[2]):
        pytest.skip(f"{command[2]} is not installed here")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def _importable(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0
