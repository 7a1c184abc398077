"""Run Headstrt's production topology on this machine: app servers and a worker on the local
PostgreSQL and Redis.

Usage: python tools/topology.py [--servers 2] [--workers 2] [--threads 4] [--port 8101]
                                [--database headstrt_topology] [--redis-db 3] [--fresh]

It creates the PostgreSQL database if it is missing (``--fresh`` drops it, empties the
Redis database and the data folder first: only a folder the topology created, which it
marks with a ``.headstrt-topology`` file), runs the release step once (``migrate``), then
starts ``--servers`` app servers (``headstrt serve --no-migrate``, one port each from
``--port`` on) one after the other, each once its predecessor answers ``/readyz``, and one
``headstrt worker``.
Everything runs with production settings: ``HEADSTRT_PRODUCTION=1``, a secret key kept in
the data folder, Redis for the cache, rate limits and the task queue, the built-in test
payment provider with a webhook secret of its own, and a local SMTP server that accepts
and discards mail (counting it) so notifications take the same path as in production.
Plain HTTP: the SSL redirect is off, as behind a TLS-terminating load balancer. Each
process logs to ``<data folder>/logs/``. Ctrl-C or SIGTERM stops everything: each process
leads a process group of its own, and the whole group is stopped (killed if still running
after 30 s). The groups started are listed in ``<data folder>/processes.json``; if a run
was cut short (SIGKILL), the next run on that folder first stops those still running,
after checking their command line is still the one it started.

From Python (``benchmarks/load.py`` does this)::

    with Topology() as topology:
        topology.urls           # one base URL per app server, to spread requests over
        topology.manage("shell", "-c", "...")   # a command in the servers' environment
"""

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379"
STARTUP_SECONDS = 120
STOP_SECONDS = 30
MARKER = ".headstrt-topology"  # in a data folder this script created: --fresh may delete it
PIDFILE = "processes.json"  # process groups started, to stop them if a run was cut short


class TopologyError(RuntimeError):
    """The topology could not start; the message says why."""


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        # As the servers bind: a port a stopped run left in TIME_WAIT is free to them.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _command_line(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return raw.decode(errors="replace").rstrip("\0").split("\0")


def _group_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[2])  # the fields after the command's name


def _ours(command: list[str], recorded: list[str]) -> bool:
    """Whether a running command is one a topology started: the same command line, or
    gunicorn's retitled processes of Headstrt's server."""
    return command == recorded or (
        bool(command) and command[0].startswith("gunicorn:") and "headstrt" in command[0]
    )


def _signal_group(group: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, number)


def _wait_group_gone(group: int, seconds: float, leader: subprocess.Popen | None = None) -> bool:
    """Whether every process of ``group`` ended within ``seconds``; ``leader``, our child,
    is reaped on the way (a zombie still counts as a member)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if leader is not None:
            leader.poll()
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailSink:
    """An SMTP server on a free local port that accepts every message and only counts it."""

    def __init__(self):
        self.messages = 0
        self.port = _free_port()
        self._controller = None

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages += 1
        return "250 Message accepted"

    def start(self) -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            raise TopologyError(
                "aiosmtpd is needed for the local mail server: pip install -e '.[test]'"
            ) from None
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class Topology:
    """``servers`` app servers (``workers`` processes of ``threads`` threads each) and one
    task worker, on PostgreSQL database ``database`` and Redis database ``redis_db``."""

    def __init__(
        self,
        *,
        servers: int = 2,
        workers: int = 2,
        threads: int = 4,
        port: int = 8101,
        database: str = "headstrt_topology",
        redis_db: int = 3,
        fresh: bool = False,
        data_dir: Path | None = None,
        postgres_url: str = POSTGRES_URL,
        redis_url: str = REDIS_URL,
    ):
        self.servers, self.workers, self.threads = servers, workers, threads
        self.ports = [port + index for index in range(servers)]
        self.database, self.redis_db, self.fresh = database, redis_db, fresh
        self.data_dir = Path(data_dir or ROOT / "var" / "topology")
        self.postgres_admin = postgres_url
        self.database_url = urlunsplit(urlsplit(postgres_url)._replace(path=f"/{database}"))
        self.redis_url = f"{redis_url.rstrip('/')}/{redis_db}"
        self.mail = MailSink()
        self.processes: dict[str, subprocess.Popen] = {}
        self.env: dict[str, str] = {}

    @property
    def urls(self) -> list[str]:
        """The base URL of each app server (a load balancer would spread requests over them)."""
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    @property
    def logs(self) -> Path:
        return self.data_dir / "logs"

    # --- life cycle ---------------------------------------------------------------------

    def __enter__(self) -> "Topology":
        # SIGTERM (e.g. from ``timeout``) unwinds like Ctrl-C does, so the processes stop.
        self._previous_sigterm = None
        if threading.current_thread() is threading.main_thread():
            self._previous_sigterm = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            self.start()
        except BaseException:
            self.stop()
            self._restore_sigterm()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.stop()
        finally:
            self._restore_sigterm()

    def _restore_sigterm(self) -> None:
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None

    def start(self) -> None:
        """Prepare the database, run the release step, then start servers and the worker."""
        self._stop_stale()
        busy = [port for port in self.ports if not _port_free(port)]
        if busy:
            raise TopologyError(f"port {busy[0]} is in use; choose others with --port")
        self._data_dir_prepare()
        self._database_prepare()
        self._redis_prepare()
        self.mail.start()
        self.env = self._environment()
        self.manage("migrate", "--noinput", "--verbosity", "0")
        # One after the other: each server collects the static files as it starts.
        for number, port in enumerate(self.ports, start=1):
            self._spawn(f"app{number}", self._server_command(port))
            self._wait_ready(f"app{number}", f"http://127.0.0.1:{port}")
        self._spawn("worker", [sys.executable, "-m", "headstrt", "worker"])

    def stop(self) -> None:
        """Stop every process group gracefully (SIGTERM), the worker first, then the mail
        server; a group still running after ``STOP_SECONDS`` is killed."""
        # Each process leads a session (and so a process group) of its own: signal the
        # group, so a server's worker processes stop even if its master is gone.
        for name in sorted(self.processes, key=lambda name: name != "worker"):
            _signal_group(self.processes[name].pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes.values():
            left = max(0.1, deadline - time.monotonic())
            if not _wait_group_gone(process.pid, left, leader=process):
                _signal_group(process.pid, signal.SIGKILL)
            process.wait()
        self.processes.clear()
        self._pidfile_write()
        self.mail.stop()

    def drop_database(self) -> None:
        """Drop the PostgreSQL database (once the topology is stopped)."""
        import psycopg

        with psycopg.connect(self.postgres_admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def exited(self) -> list[str]:
        """The processes that stopped on their own, with their exit codes."""
        return [
            f"{name} (exit code {process.returncode})"
            for name, process in self.processes.items()
            if process.poll() is not None
        ]

    def manage(self, *arguments: str, capture: bool = False) -> str:
        """Run ``headstrt <arguments>`` in the servers' environment; its output if ``capture``."""
        finished = subprocess.run(
            [sys.executable, "-m", "headstrt", *arguments],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if finished.returncode:
            raise TopologyError(
                f"headstrt {' '.join(arguments[:2])} failed:\n{finished.stderr[-4000:]}"
            )
        return finished.stdout if capture else ""

    def server_pids(self) -> dict[str, int]:
        """The process id of each app server's master and of the worker."""
        return {name: process.pid for name, process in self.processes.items()}

    # --- the pieces ---------------------------------------------------------------------

    def _data_dir_prepare(self) -> None:
        """Create the data folder (marked as the topology's); with ``fresh``, empty it first,
        but only a folder a topology created: never an arbitrary ``--data-dir``."""
        marker = self.data_dir / MARKER
        # Folders of earlier versions have no marker, but the webhook secret only it writes.
        ours = marker.exists() or (self.data_dir / "test_provider_webhook_secret").exists()
        if self.fresh and self.data_dir.exists():
            if not ours and any(self.data_dir.iterdir()):
                raise TopologyError(
                    f"{self.data_dir} was not created by the topology (no {MARKER} in it): "
                    "not emptying it; choose another --data-dir"
                )
            shutil.rmtree(self.data_dir)
        self.logs.mkdir(parents=True, exist_ok=True)
        marker.touch()

    @property
    def _pidfile(self) -> Path:
        return self.data_dir / PIDFILE

    def _pidfile_write(self) -> None:
        if not self.data_dir.exists():
            return
        started = {
            name: {"pid": process.pid, "command": process.args}
            for name, process in self.processes.items()
        }
        if started:
            self._pidfile.write_text(json.dumps(started))
        else:
            self._pidfile.unlink(missing_ok=True)

    def _stop_stale(self) -> None:
        """Stop the process groups a previous run on this data folder left running (its
        pidfile says which), if their processes are still a topology's."""
        try:
            recorded = json.loads(self._pidfile.read_text())
        except (OSError, ValueError):
            return
        groups = []
        for name, entry in recorded.items():
            group = entry["pid"]
            members = [
                int(path.name)
                for path in Path("/proc").iterdir()
                if path.name.isdigit() and _group_of(int(path.name)) == group
            ]
            if any(_ours(_command_line(pid), entry["command"]) for pid in members):
                print(f"Stopping {name} (process group {group}) left by an earlier run.")
                _signal_group(group, signal.SIGTERM)
                groups.append(group)
        for group in groups:
            if not _wait_group_gone(group, STOP_SECONDS):
                _signal_group(group, signal.SIGKILL)
        self._pidfile.unlink(missing_ok=True)

    def _environment(self) -> dict[str, str]:
        secret_file = self.data_dir / "secret_key"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(50))
            secret_file.chmod(0o600)
        webhook_file = self.data_dir / "test_provider_webhook_secret"
        if not webhook_file.exists():
            webhook_file.write_text("whsec_" + secrets.token_urlsafe(24))
            webhook_file.chmod(0o600)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("HEADSTRT_", "EMAIL_", "STRIPE_")) and key != "DATABASE_URL"
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "headstrt.settings",
                "PYTHONUNBUFFERED": "1",
                "HEADSTRT_PRODUCTION": "1",
                "HEADSTRT_SSL_REDIRECT": "0",  # plain HTTP on this machine
                "HEADSTRT_SECRET_KEY": secret_file.read_text().strip(),
                "HEADSTRT_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "HEADSTRT_SITE_URL": self.urls[0],
                "HEADSTRT_DATA_DIR": str(self.data_dir),
                "HEADSTRT_PAYMENT_PROVIDER": "test",
                "HEADSTRT_ALLOW_TEST_PROVIDER": "1",
                "HEADSTRT_TEST_PROVIDER_WEBHOOK_SECRET": webhook_file.read_text().strip(),
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(self.mail.port),
                "EMAIL_USE_TLS": "0",
            }
        )
        return env

    def _database_prepare(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.postgres_admin, autocommit=True) as connection:
                if self.fresh:
                    connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
                exists = connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [self.database]
                ).fetchone()
                if not exists:
                    connection.execute(f'CREATE DATABASE "{self.database}"')
        except psycopg.OperationalError as error:
            raise TopologyError(
                f"PostgreSQL is not reachable at {self.postgres_admin}: {error}"
            ) from None

    def _redis_prepare(self) -> None:
        import redis

        try:
            client = redis.Redis.from_url(self.redis_url)
            client.ping()
            if self.fresh:
                client.flushdb()  # this database only: others belong to other users
        except redis.RedisError as error:
            raise TopologyError(f"Redis is not reachable at {self.redis_url}: {error}") from None

    def _server_command(self, port: int) -> list[str]:
        return [
            *(sys.executable, "-m", "headstrt", "serve", "--no-migrate"),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--workers", str(self.workers), "--threads", str(self.threads)),
        ]

    def _spawn(self, name: str, command: list[str]) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            # A session of its own: Ctrl-C reaches only this script, which stops them in order.
            self.processes[name] = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._pidfile_write()

    def _wait_ready(self, name: str, url: str) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        process = self.processes[name]
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise TopologyError(f"{name} exited on start:\n{self.log_tail(name)}")
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                pass
            time.sleep(0.2)
        raise TopologyError(f"{name} was not ready in {STARTUP_SECONDS} s:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _exit_on_sigterm(number, frame) -> None:
    raise SystemExit(128 + number)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run app servers and a worker on the local PostgreSQL and Redis, "
        "with production settings, until Ctrl-C."
    )
    parser.add_argument("--servers", type=int, default=2, help="app servers (default: 2)")
    parser.add_argument(
        "--workers", type=int, default=2, help="worker processes per server (default: 2)"
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default: 4)")
    parser.add_argument(
        "--port", type=int, default=8101, help="first server's port; the next ones follow"
    )
    parser.add_argument("--database", default="headstrt_topology", help="PostgreSQL database")
    parser.add_argument("--redis-db", type=int, default=3, help="Redis database number")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="drop the database, empty the Redis database and the data folder first (only "
        "a data folder the topology created)",
    )
    parser.add_argument("--data-dir", type=Path, help="default: var/topology")
    return parser.parse_args()


def main() -> None:
    options = _arguments()
    topology = Topology(
        servers=options.servers,
        workers=options.workers,
        threads=options.threads,
        port=options.port,
        database=options.database,
        redis_db=options.redis_db,
        fresh=options.fresh,
        data_dir=options.data_dir,
    )
    try:
        with topology:
            print(
                "\n".join(
                    [
                        f"Headstrt topology ({options.workers} workers × {options.threads} "
                        "threads per server):",
                        *(f"  app{n}    {url}/" for n, url in enumerate(topology.urls, 1)),
                        "  worker  headstrt worker (task queue on Redis)",
                        f"  database {topology.database_url}",
                        f"  redis    {topology.redis_url}",
                        f"  mail     smtp://127.0.0.1:{topology.mail.port} (accepted, discarded)",
                        f"  logs     {topology.logs}/",
                        "Ctrl-C stops everything.",
                    ]
                ),
                flush=True,
            )
            while True:
                time.sleep(1)
                gone = topology.exited()
                if gone:
                    print(f"Stopped on its own: {', '.join(gone)}; stopping the rest.")
                    break
    except (KeyboardInterrupt, SystemExit):  # Ctrl-C, or SIGTERM (see Topology.__enter__)
        pass
    except TopologyError as error:
        sys.exit(f"topology: {error}")
    print(f"Stopped. Mail accepted and discarded: {topology.mail.messages}.")


if __name__ == "__main__":
    main()
