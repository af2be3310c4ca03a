"""What the Makefile's commands hand to every process they start."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_python_started_by_make_keeps_its_compiled_modules_where_the_environment_says_not_to():
    """Otherwise each web, worker and manage.py process compiles every module it imports again (~5 s of CPU)."""
    probe = 'probe: ; @$(PY) -c "import sys; print(sys.dont_write_bytecode)"'
    done = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", probe, "probe"],
        cwd=ROOT,
        env=os.environ | {"PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "False"
