"""What a plain ``pip install`` of the project costs a user: packages, megabytes, and pytest start-up.

    python bench/install_footprint.py                    # this checkout
    python bench/install_footprint.py --project DIR      # another checkout (e.g. ``git archive main | tar -x -C DIR``)
    python bench/install_footprint.py --runs 7 --json out.json

Three throwaway venvs under a temporary folder (from PyPI, through pip's cache):

* ``plain``: ``pip install DIR`` (no extras): the packages it adds to an empty venv (pip itself left out) and the
  megabytes of its site-packages beyond an empty venv's (file sizes, and blocks on disk as ``du`` counts them);
* ``pytest``: ``pip install pytest``; ``pytest+project``: ``pip install pytest DIR``. In each, ``python -m pytest -q``
  runs a folder holding one trivial test, ``--runs`` times (after one warm-up run that fills the bytecode caches);
  the median wall time of each, and the difference, is what installing the project adds to every pytest start-up.

Also lists the pytest plugins (entry points ``pytest11``) the plain install registers. Run by hand; needs network
access to the package index (or a warm pip cache). Takes 1-3 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / "bin" / "python"


def pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args], check=True)


def site_packages(python: Path) -> Path:
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def packages(python: Path) -> set[str]:
    out = subprocess.run([str(python), "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
                         capture_output=True, text=True, check=True)
    return {item["name"].lower() for item in json.loads(out.stdout)}


def size_mb(path: Path, on_disk: bool = False) -> float:
    """The files' sizes added up, in MB; ``on_disk``: the blocks they take, as ``du`` counts them."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                info = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            total += info.st_blocks * 512 if on_disk else info.st_size
    return total / 1e6


def pytest_plugins(python: Path) -> list[str]:
    code = ("from importlib.metadata import entry_points; "
            "print('\\n'.join(sorted(f'{e.name} ({e.value})' for e in entry_points(group='pytest11'))))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if line]


def pytest_startup(python: Path, folder: Path, runs: int) -> list[float]:
    command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)]
    subprocess.run(command, capture_output=True, check=True, cwd=folder)  # warm-up: bytecode caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=folder)
        times.append(time.perf_counter() - started)
    return times


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--project", type=Path, default=ROOT, help="checkout to install (default: this one)")
    p.add_argument("--runs", type=int, default=5, help="pytest start-ups timed per venv (default 5)")
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    project = args.project.resolve()

    with tempfile.TemporaryDirectory(prefix="footprint-") as tmp:
        tmp_path = Path(tmp)
        empty = make_venv(tmp_path / "empty")
        base_packages, base_mb = packages(empty), size_mb(site_packages(empty))
        base_disk = size_mb(site_packages(empty), on_disk=True)

        plain = make_venv(tmp_path / "plain")
        pip(plain, str(project))
        plain_packages = packages(plain) - base_packages
        plain_mb = size_mb(site_packages(plain)) - base_mb
        plain_disk = size_mb(site_packages(plain), on_disk=True) - base_disk
        plugins = pytest_plugins(plain)

        tests = tmp_path / "tests"
        tests.mkdir()
        (tests / "test_one.py").write_text("def test_one():\n    assert 1 + 1 == 2\n", encoding="utf-8")
        bare = make_venv(tmp_path / "pytest")
        pip(bare, "pytest")
        with_project = make_venv(tmp_path / "pytest-project")
        pip(with_project, "pytest", str(project))
        with_pytest = packages(with_project) - base_packages
        bare_times = pytest_startup(bare, tests, args.runs)
        project_times = pytest_startup(with_project, tests, args.runs)

    figures = {
        "project": str(project),
        "plain_install_packages": len(plain_packages),
        "plain_install_mb": round(plain_mb, 1),
        "plain_install_mb_on_disk": round(plain_disk, 1),
        "plain_install_with_pytest_packages": len(with_pytest),
        "pytest_plugins": plugins,
        "pytest_startup_without_s": round(statistics.median(bare_times), 3),
        "pytest_startup_with_s": round(statistics.median(project_times), 3),
        "pytest_startup_added_s": round(statistics.median(project_times) - statistics.median(bare_times), 3),
        "runs": {"without": [round(t, 3) for t in bare_times], "with": [round(t, 3) for t in project_times]},
        "packages": sorted(plain_packages),
    }
    print(f"plain install: {figures['plain_install_packages']} packages, {figures['plain_install_mb']} MB "
          f"({figures['plain_install_mb_on_disk']} MB on disk, as du counts); "
          f"{figures['plain_install_with_pytest_packages']} packages with pytest")
    print(f"pytest plugins registered: {', '.join(plugins) or 'none'}")
    print(f"pytest start-up, one-test file (median of {args.runs}): {figures['pytest_startup_without_s']} s without "
          f"the project, {figures['pytest_startup_with_s']} s with it (+{figures['pytest_startup_added_s']} s)")
    print(f"packages: {', '.join(figures['packages'])}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
