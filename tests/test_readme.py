"""README.md's opening commands stay true: CI runs the test command verbatim."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    readme, ci = ROOT / "README.md", ROOT / ".ci" / "run"
    if not readme.exists() or not ci.exists():
        pytest.skip("run from a checkout")
    commands = re.findall(r"```sh\n(.+?)\n```", readme.read_text(encoding="utf-8"))
    assert "biway-mock serve" in commands[0]
    assert commands[1] in ci.read_text(encoding="utf-8").splitlines()


def test_the_plugin_example_in_the_readme_is_the_one_that_runs() -> None:
    readme = ROOT / "README.md"
    if not readme.exists():
        pytest.skip("run from a checkout")
    example = (ROOT / "tests" / "examples" / "test_client_example.py").read_text(encoding="utf-8")
    assert f"```python\n{example.rstrip()}\n```" in readme.read_text(encoding="utf-8")
