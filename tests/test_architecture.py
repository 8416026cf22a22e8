"""The apps depend one way (api -> members -> sessions -> upe_confer), as pyproject.toml's
import-linter contract says: the tree keeps it, and a planted wrong-way import breaks the build."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True, timeout=60
    )


def copy_of_the_apps(tmp_path: Path) -> Path:
    for package in ("upe_confer", "sessions", "members", "api"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_apps_depend_one_way():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_record_module_importing_members_breaks_the_contract(tmp_path):
    tree = copy_of_the_apps(tmp_path)
    with open(tree / "sessions" / "access.py", "a") as module:
        module.write("\nfrom members.models import Update  # planted\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "sessions.access -> members.models" in result.stdout


def test_the_basics_importing_the_record_break_the_contract(tmp_path):
    tree = copy_of_the_apps(tmp_path)
    with open(tree / "upe_confer" / "roles.py", "a") as module:
        module.write("\nfrom sessions.models import Session  # planted\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "upe_confer.roles -> sessions.models" in result.stdout


def test_what_members_read_importing_the_api_breaks_the_contract(tmp_path):
    tree = copy_of_the_apps(tmp_path)
    with open(tree / "members" / "views.py", "a") as module:
        module.write("\nfrom api.views import api  # planted\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "members.views -> api.views" in result.stdout
