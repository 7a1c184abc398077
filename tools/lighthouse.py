"""Lighthouse scores of Headstrt's key pages, served by the production server on demo data.

Run ``python tools/lighthouse.py`` from the repository root. It needs Node 20 or later and
Chromium (``CHROME_PATH``, default ``/usr/bin/chromium``); the pinned Lighthouse is installed
into ``tools/lighthouse/node_modules`` with ``npm ci`` on first use. The runner:

1. generates the demo marketplace in a temporary data folder (SQLite), as ``headstrt demo``;
2. starts the production server (``headstrt serve``: gunicorn, DEBUG off, compressed
   manifest static files) with production settings, HTTPS redirect off as there is no TLS;
3. logs the demo mentee in through the log-in form and hands the session cookie to
   Lighthouse for the pages that need it (the booking page);
4. audits home, the mentor directory, the demo mentor's page and their booking page, mobile
   and desktop, one run at a time (scores depend on the CPU Lighthouse gets); a run whose
   trace of the page load came out incomplete is run again.

It prints the four category scores of each page and form factor, the audits that cost points,
and a last line ``RESULT performance=... accessibility=... best_practices=... seo=...`` with
the lowest score of each category. Performance varies with the CPU left to the browser:
``--runs 3`` audits each page three times and keeps the median run, as Lighthouse advises.
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE_DIR = Path(__file__).resolve().parent / "lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
FORM_FACTORS = ("mobile", "desktop")
PAGE_NAMES = ("home", "directory", "mentor", "booking")
TARGETS = {"performance": 90, "accessibility": 95, "best-practices": 95}
DEMO_MENTEE = "demo.mentee@headstrt.test"
DEMO_MENTOR = "demo.mentor@headstrt.test"
DEMO_PASSWORD = "headstrt-demo"
STARTUP_SECONDS = 60
# Runtime errors by which Lighthouse asks to be run again: the browser's trace of the page
# load came out incomplete (now and then with newer Chromium); such a run is repeated.
TRACE_FAULTS = {"NO_TRACING_STARTED", "NO_RESOURCE_REQUEST", "NO_NAVSTART", "NO_DCL", "NO_FMP"}
TRACE_ATTEMPTS = 3


@dataclass(frozen=True)
class Page:
    """A page to audit: a short name, its path, and whether it needs the demo mentee."""

    name: str
    path: str
    logged_in: bool = False


@dataclass(frozen=True)
class Reply:
    """An HTTP answer of the server: status, Set-Cookie headers and body."""

    status: int
    set_cookies: list[str]
    text: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _lighthouse_installed() -> None:
    """Install the pinned Lighthouse from the lock file when it is not there yet."""
    if LIGHTHOUSE.exists():
        return
    print("Installing the pinned Lighthouse (npm ci in tools/lighthouse) ...", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=LIGHTHOUSE_DIR, check=True)


def _environments(folder: Path, port: int) -> tuple[dict, dict]:
    """The environment that seeds the demo (development settings: demo logins are refused in
    production) and the one the production server runs with, on the same data folder."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HEADSTRT_", "DATABASE_URL", "REDIS_URL", "EMAIL_"))
    }
    base |= {
        "HEADSTRT_DATA_DIR": str(folder),
        "DJANGO_SETTINGS_MODULE": "headstrt.settings",
        "PYTHONUNBUFFERED": "1",
    }
    production = base | {
        "HEADSTRT_PRODUCTION": "1",
        "HEADSTRT_SECRET_KEY": secrets.token_urlsafe(64),
        "HEADSTRT_ALLOWED_HOSTS": "127.0.0.1",
        "HEADSTRT_SITE_URL": f"http://127.0.0.1:{port}",
        "HEADSTRT_SSL_REDIRECT": "0",  # no TLS on this machine; a proxy terminates it in production
        "HEADSTRT_ALLOW_TEST_PROVIDER": "1",
        "HEADSTRT_TEST_PROVIDER_WEBHOOK_SECRET": secrets.token_urlsafe(32),
    }
    return base, production


def _headstrt(*args: str, env: dict, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "headstrt", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def _demo_seed(env: dict, *, mentors: int, mentees: int) -> str:
    """Migrate and generate the demo marketplace; return the demo mentor's public id."""
    _headstrt("migrate", "--verbosity", "0", env=env)
    # The demo's emails go to the console (development settings): keep only the summary.
    seeded = _headstrt(
        *("seed_demo", "--verbosity", "0", "--mentors", str(mentors), "--mentees", str(mentees)),
        env=env,
        capture=True,
    )
    print(next(line for line in seeded.splitlines() if line.startswith("Demo population")))
    lookup = (
        "from headstrt.accounts.models import User; "
        f"print(User.objects.get(email={DEMO_MENTOR!r}).public_id)"
    )
    return _headstrt("shell", "-c", lookup, env=env, capture=True).split()[-1]


class Server:
    """``headstrt serve`` on ``port`` with the production environment, two workers."""

    def __init__(self, env: dict, port: int, log: Path):
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        command = [
            *(sys.executable, "-m", "headstrt", "serve", "--no-migrate"),
            *("--port", str(self.port), "--workers", "2"),
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited on start; see {self.log}")
            try:
                self.request("GET", "/")
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"the server did not answer in {STARTUP_SECONDS} s; see {self.log}")

    def __exit__(self, *exc_info) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                # Graceful: gunicorn lets open connections finish, for up to 30 seconds.
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(
        self, method: str, path: str, *, body: str = "", headers: dict | None = None
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            return Reply(response.status, response.headers.get_all("Set-Cookie") or [], text)
        finally:
            connection.close()


def _cookies(reply: Reply) -> dict[str, str]:
    found = {}
    for header in reply.set_cookies:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def _log_in(server: Server, email: str, password: str) -> str:
    """Log ``email`` in through the log-in form; return the Cookie header of the session."""
    page = server.request("GET", "/accounts/login/")
    cookies = _cookies(page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if token is None or "csrftoken" not in cookies:
        raise RuntimeError("the log-in page has no CSRF token")
    answer = server.request(
        "POST",
        "/accounts/login/",
        body=urlencode(
            {"csrfmiddlewaretoken": token.group(1), "login": email, "password": password}
        ),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": server.url("/accounts/login/"),
        },
    )
    session = _cookies(answer).get("sessionid")
    if answer.status != 302 or not session:
        raise RuntimeError(f"logging {email} in failed with HTTP {answer.status}")
    return f"sessionid={session}; csrftoken={cookies['csrftoken']}"


def _audit(url: str, *, form_factor: str, cookie: str, report: Path) -> dict:
    """Run Lighthouse once on ``url``; return its JSON result."""
    chrome_flags = "--headless=new --disable-gpu --disable-dev-shm-usage"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        chrome_flags += " --no-sandbox"  # Chromium refuses to run its sandbox as root
    command = [
        str(LIGHTHOUSE),
        url,
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        "--output=html",
        f"--output-path={report}",
        f"--chrome-flags={chrome_flags}",
        "--quiet",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    env = os.environ | {"CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    saved = report.with_suffix(".report.json")
    saved.unlink(missing_ok=True)
    finished = subprocess.run(command, env=env, cwd=LIGHTHOUSE_DIR)
    if not saved.exists():  # a run ending in a runtime error still saves its report
        raise subprocess.CalledProcessError(finished.returncode, command)
    return json.loads(saved.read_text())


def _audit_until_traced(url: str, *, form_factor: str, cookie: str, report: Path) -> dict:
    """``_audit``, repeated while Lighthouse reports an incomplete trace (``TRACE_FAULTS``),
    at most ``TRACE_ATTEMPTS`` times; any other runtime error fails at once."""
    for _ in range(TRACE_ATTEMPTS):
        result = _audit(url, form_factor=form_factor, cookie=cookie, report=report)
        error = result.get("runtimeError")
        if not error or error.get("code") not in TRACE_FAULTS:
            break
        print(f"{url}: {error['code']}, running Lighthouse again", file=sys.stderr)
    if error:
        raise RuntimeError(f"{url}: {error['message']}")
    return result


def _median_audit(url: str, *, form_factor: str, cookie: str, report: Path, runs: int) -> dict:
    """Audit ``url`` ``runs`` times; return the run with the median performance score.

    Accessibility, best practices and SEO do not change between runs; performance does, with
    the CPU time other processes leave to the browser.
    """
    results = []
    for run in range(1, runs + 1):
        stem = report.with_name(f"{report.name}-{run}") if runs > 1 else report
        result = _audit_until_traced(url, form_factor=form_factor, cookie=cookie, report=stem)
        if result["finalDisplayedUrl"] != url:
            raise RuntimeError(f"{url} ended on {result['finalDisplayedUrl']}")
        results.append(result)
    results.sort(key=lambda result: result["categories"]["performance"]["score"] or 0)
    return results[len(results) // 2]


def _scores(result: dict) -> dict[str, int]:
    return {name: round((result["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def _losses(result: dict) -> list[str]:
    """The weighted audits that did not pass, with the category they cost points in."""
    lines = []
    for name in CATEGORIES:
        for reference in result["categories"][name]["auditRefs"]:
            audit = result["audits"][reference["id"]]
            if reference["weight"] and audit["score"] is not None and audit["score"] < 1:
                shown = audit.get("displayValue", "")
                lines.append(
                    f"      {name}: {audit['id']} (score {audit['score']:.2f}) {shown}".rstrip()
                )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentors", type=int, default=200, help="demo mentors (default: 200)")
    parser.add_argument("--mentees", type=int, default=400, help="demo mentees (default: 400)")
    parser.add_argument(
        "--pages", default=",".join(PAGE_NAMES), help="which pages (default: all four)"
    )
    parser.add_argument(
        "--form-factors", default="mobile,desktop", help="mobile, desktop or both (default)"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="runs per page and form factor; the median performance run counts (default: 1)",
    )
    parser.add_argument(
        "--reports", type=Path, help="keep the HTML and JSON reports in this folder"
    )
    options = parser.parse_args()
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    wanted = options.pages.split(",")
    form_factors = options.form_factors.split(",")
    if unknown := (set(wanted) - set(PAGE_NAMES)) | (set(form_factors) - set(FORM_FACTORS)):
        parser.error(f"unknown page or form factor: {', '.join(sorted(unknown))}")
    # A plain kill stops the server and removes the data folder too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    _lighthouse_installed()
    folder = Path(tempfile.mkdtemp(prefix="headstrt-lighthouse-"))
    reports = (options.reports or folder / "reports").resolve()
    reports.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    seed_env, production_env = _environments(folder, port)
    try:
        started = time.monotonic()
        mentor = _demo_seed(seed_env, mentors=options.mentors, mentees=options.mentees)
        print(f"Demo data ready in {time.monotonic() - started:.0f} s.", flush=True)
        pages = [
            Page("home", "/"),
            Page("directory", "/mentors/"),
            Page("mentor", f"/mentors/{mentor}/"),
            Page("booking", f"/mentors/{mentor}/book/", logged_in=True),
        ]
        pages = [page for page in pages if page.name in wanted]
        lowest = dict.fromkeys(CATEGORIES, 100)
        with Server(production_env, port, folder / "server.log") as server:
            cookie = _log_in(server, DEMO_MENTEE, DEMO_PASSWORD)
            header = f"{'page':<10} {'form':<8}" + "".join(f"{name:>16}" for name in CATEGORIES)
            if options.runs > 1:
                print(f"Each row: the median of {options.runs} runs by performance score.")
            print(header, flush=True)
            for page in pages:
                for form_factor in form_factors:
                    result = _median_audit(
                        server.url(page.path),
                        form_factor=form_factor,
                        cookie=cookie if page.logged_in else "",
                        report=reports / f"{page.name}-{form_factor}",
                        runs=options.runs,
                    )
                    scores = _scores(result)
                    for name, score in scores.items():
                        lowest[name] = min(lowest[name], score)
                    row = "".join(f"{scores[name]:>16}" for name in CATEGORIES)
                    print(f"{page.name:<10} {form_factor:<8}{row}", flush=True)
                    for line in _losses(result):
                        print(line, flush=True)
        if options.reports:
            print(f"Reports: {options.reports}")
        missed = [name for name, target in TARGETS.items() if lowest[name] < target]
        if missed:
            print(f"Below target: {', '.join(missed)} (targets: {TARGETS})")
        print(
            "RESULT " + " ".join(f"{name.replace('-', '_')}={lowest[name]}" for name in CATEGORIES)
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if missed:
        sys.exit(1)  # so that a check script can rely on the exit status


if __name__ == "__main__":
    main()
