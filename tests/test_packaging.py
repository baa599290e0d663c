"""A plain (non-editable) install still finds its templates and starter plan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_plain_install_works_from_an_empty_directory(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    work = tmp_path / "organizer"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "MAILER_SMTP_URL": "", "MAILER_IMAP_URL": ""}

    def mailer(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "mailer", *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    probe = mailer("--version")
    assert "version" in probe
    origin = subprocess.run(
        [sys.executable, "-c", "import mailer; print(mailer.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert origin.startswith(str(target))
    mailer("init", "--now", "2023-08-20T10:00")
    assert "ok" in mailer("check")
    plan = json.loads(mailer("plan", "--now", "2023-08-20T10:00", "--json"))
    assert plan[0]["topic"] == "Kommunale Wärmeplanung" and plan[0]["example"]
    out = mailer("preview", "2023-09-07", "announcement")
    assert (work / "preview" / "2023-09-07-announcement.html").read_text("utf-8").count(
        "Wärmeplanung"
    ) >= 1
    assert "2023-09-07-announcement.eml" in out
