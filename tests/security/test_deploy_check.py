"""``check --deploy`` passes with warnings as errors under production settings, and catches a
production set-up that weakens security."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"


@pytest.fixture
def production(tmp_path) -> dict[str, str]:
    """The environment of a production server (as docs/deploy.md configures one)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HEADSTRT_", "DJANGO_", "STRIPE_")) and key != "REDIS_URL"
    }
    return environment | {
        "HEADSTRT_PRODUCTION": "1",
        "HEADSTRT_SECRET_KEY": secrets.token_urlsafe(60),
        "HEADSTRT_ALLOWED_HOSTS": "mentors.example.org",
        "HEADSTRT_SITE_URL": "https://mentors.example.org",
        "HEADSTRT_DATA_DIR": str(tmp_path),
        "HEADSTRT_ALLOW_TEST_PROVIDER": "1",
        "HEADSTRT_TEST_PROVIDER_WEBHOOK_SECRET": secrets.token_urlsafe(32),
        "REDIS_URL": "redis://127.0.0.1:6379/13",
    }


def deploy_check(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(production):
    result = deploy_check(production)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_fails_a_weakened_production(production):
    """Without HTTPS redirect and HSTS, and with a cache of each process's own, the check
    names each problem."""
    weakened = production | {"HEADSTRT_SSL_REDIRECT": "0", "HEADSTRT_HSTS_SECONDS": "0"}
    del weakened["REDIS_URL"]
    result = deploy_check(weakened)
    assert result.returncode != 0
    for problem in ("security.W008", "security.W004", "headstrt.W001"):
        assert problem in result.stderr, result.stderr
