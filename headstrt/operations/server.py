"""The production web server: gunicorn with threaded workers, run from ``headstrt serve``.

Threaded workers (``gthread``) because a live conversation page holds its server-sent event
stream open: a thread waits on it, not a whole process. The application is loaded once in
the arbiter before the workers fork, so they start fast and share its memory.
"""

import gc
import logging
import os
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

logger = logging.getLogger(__name__)

# Half of them at most hold live streams (HEADSTRT_STREAMS_PER_PROCESS); the rest answer.
THREADS = 8
# A worker is replaced after this many requests (give or take the jitter, so they are not
# all replaced at once): it bounds what a slow leak can hold.
MAX_REQUESTS = 10_000
MAX_REQUESTS_JITTER = 1_000
# How long an idle client connection is kept open: longer than the load balancer's own idle
# timeout, so the balancer never sends a request on a connection the server is closing.
KEEPALIVE_SECONDS = 75
# gunicorn's own default: the proxy on the same machine.
FORWARDED_ALLOW_IPS = "127.0.0.1,::1"
# New containers between two collections of the youngest generation in a worker.
GC_YOUNGEST_THRESHOLD = 10_000


def default_workers() -> int:
    """Two worker processes per CPU core, at least two."""
    return max(2, 2 * (os.cpu_count() or 1))


@dataclass(frozen=True)
class ServerOptions:
    """Where the server listens and how many workers and threads it runs."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 0  # 0: default_workers()
    threads: int = THREADS

    @property
    def bind(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def name(self) -> str:
        """Unique among the servers of one machine (it names the metrics folder)."""
        return f"{self.host.replace(':', '-')}_{self.port}"


def _logging_config() -> dict:
    """Django's LOGGING with gunicorn's loggers sent to it, so the arbiter's and workers'
    lines (start, stop, a worker killed on timeout) look like the application's."""
    config = dict(settings.LOGGING)
    # No handler of its own: each line goes up to the root logger's handlers, at its level
    # (HEADSTRT_LOG_LEVEL).
    level = settings.LOGGING.get("root", {}).get("level", "INFO")
    gunicorn_error = {"level": level, "handlers": [], "propagate": True}
    config["loggers"] = {**settings.LOGGING.get("loggers", {}), "gunicorn.error": gunicorn_error}
    return config


class QuietAccessLogger(glogging.Logger):
    """gunicorn's logger without its access log: the application logs each request itself,
    so the access line's fields are not even gathered."""

    access_log_enabled = False


def _pre_fork(server, worker) -> None:
    # The loaded application is never freed: keep the garbage collector off its objects, so
    # a worker neither copies the memory pages it shares with the arbiter by scanning them
    # nor spends seconds collecting them as it exits.
    gc.freeze()
    # A request leaves thousands of containers alive for a moment: collecting the youngest
    # generation every 700 of them (Python's default) runs it a dozen times a request and
    # moves many of them to the older generations, whose collections cost the most.
    gc.set_threshold(GC_YOUNGEST_THRESHOLD, *gc.get_threshold()[1:])


def _child_exit(server, worker) -> None:
    from headstrt.operations.metrics import worker_exited

    worker_exited(worker.pid)


def gunicorn_config(options: ServerOptions) -> dict:
    """gunicorn's settings for ``options``."""
    return {
        "bind": [options.bind],
        "worker_class": "gthread",
        "workers": options.workers or default_workers(),
        "threads": options.threads,
        "preload_app": True,
        "max_requests": MAX_REQUESTS,
        "max_requests_jitter": MAX_REQUESTS_JITTER,
        "keepalive": int(os.environ.get("HEADSTRT_KEEPALIVE_SECONDS", KEEPALIVE_SECONDS)),
        # On SIGTERM the workers finish their requests first; a live stream ends by itself
        # within HEADSTRT_STREAM_SECONDS, so give that long before killing.
        "graceful_timeout": max(30, int(settings.HEADSTRT_STREAM_SECONDS) + 5),
        "forwarded_allow_ips": os.environ.get("HEADSTRT_FORWARDED_ALLOW_IPS", FORWARDED_ALLOW_IPS),
        "accesslog": None,
        "logger_class": QuietAccessLogger,
        "logconfig_dict": _logging_config(),
        "proc_name": f"headstrt-{options.name}",
        # Several servers may run on one machine: no shared control socket to fight over.
        "control_socket_disable": True,
        "pre_fork": _pre_fork,
        "child_exit": _child_exit,
    }


class ProductionServer(BaseApplication):
    """gunicorn serving ``headstrt.wsgi`` with the settings of ``gunicorn_config``."""

    def __init__(self, config: dict):
        self.config = config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.config.items():
            self.cfg.set(key, value)

    def load(self):
        from headstrt.wsgi import application

        preload_matching()
        return application


def preload_matching() -> None:
    """Load the saved matching index and its embedding model before the workers fork, so
    every worker (a recycled one too) has them from the start, shared copy-on-write,
    instead of spending seconds on its first ranking.

    Only a saved index is loaded here: building one afresh trains the vector index with
    threads, whose pool a forked worker must not inherit; without a saved index each worker
    builds its own on first use, as it would without preloading. The database connections
    opened here are closed before the fork."""
    from headstrt.matching.indexing import index_path, mentor_index

    # The tokenizer's thread pool does not survive a fork; one text at a time needs none.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        if not index_path().exists():
            logger.info("no saved matching index: each worker loads one on its first ranking")
            return
        started = time.perf_counter()
        index = mentor_index()
        logger.info(
            "matching index loaded before forking: %d mentors in %.1f s",
            len(index.mentor_ids),
            time.perf_counter() - started,
        )
    except Exception:
        # Serving comes first: a worker loads the index on its first ranking instead.
        logger.exception("could not preload the matching index")
    finally:
        connections.close_all()


def serve(options: ServerOptions, *, migrate: bool = True) -> None:
    """Prepare the metrics folder, migrate (unless ``migrate`` is false: with several
    servers, migrations run once as a release step), collect static files, then serve until
    SIGTERM (graceful) or SIGINT."""
    from headstrt.operations.metrics import metrics_directory_prepare

    # First: the metrics library picks its multi-process mode when it is first imported,
    # which the checks run by migrate would do.
    metrics_directory_prepare(options.name)
    if migrate:
        call_command("migrate", interactive=False, verbosity=1)
    # Hashed file names in production need the manifest collectstatic writes.
    call_command("collectstatic", interactive=False, verbosity=0)
    # The workers fork from this process: none may inherit its database connections.
    connections.close_all()
    config = gunicorn_config(options)
    logger.info(
        "serving on http://%s with %d workers of %d threads",
        options.bind,
        config["workers"],
        config["threads"],
    )
    ProductionServer(config).run()
