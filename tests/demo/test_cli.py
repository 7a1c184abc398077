"""The ``headstrt`` command: demo, serve, and pass-through to Django's management commands."""

import subprocess
import sys

import pytest

from headstrt import cli
from headstrt.accounts.models import MentorProfile


@pytest.fixture
def commands(monkeypatch):
    """Record the management commands the CLI calls instead of running them."""
    calls = []
    monkeypatch.setattr(cli, "call_command", lambda *args, **options: calls.append((args, options)))
    return calls


class Process:
    """A stand-in for the worker process, recording how it was started and stopped."""

    started: list = []

    def __init__(self, args):
        self.args, self.stopped = args, False
        Process.started.append(self)

    def terminate(self):
        self.stopped = True

    def wait(self, timeout):
        assert self.stopped


@pytest.mark.django_db
def test_demo_generates_the_marketplace_prints_the_logins_and_serves(commands, capsys, monkeypatch):
    monkeypatch.setattr(cli.subprocess, "Popen", Process)
    Process.started = []

    cli.main(["demo", "--mentors", "4", "--mentees", "3", "--port", "8765"])

    [worker] = Process.started
    assert worker.args == [sys.executable, "-m", "headstrt", "worker"] and worker.stopped
    assert commands == [
        (("migrate",), {"interactive": False, "verbosity": 1}),
        (("runserver", "127.0.0.1:8765"), {"use_reloader": False}),
    ]
    out = capsys.readouterr().out
    assert "Open http://127.0.0.1:8765/" in out
    for email in ("demo.mentee@headstrt.test", "demo.mentor@headstrt.test"):
        assert email in out
    assert "password: headstrt-demo" in out
    assert MentorProfile.objects.count() == 5  # four generated, one demo mentor


def test_other_commands_go_to_django(capsys):
    cli.main(["help", "seed_demo"])

    assert "--mentors" in capsys.readouterr().out


def test_python_dash_m_headstrt_shows_the_commands():
    result = subprocess.run(
        [sys.executable, "-m", "headstrt", "--help"], capture_output=True, text=True, check=True
    )

    assert "demo" in result.stdout and "serve" in result.stdout
