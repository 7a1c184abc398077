"""The ``headstrt`` command: ``demo``, ``serve``, ``worker`` and every Django management command."""

import argparse
import os
import subprocess
import sys

import django
from django.core.management import call_command, execute_from_command_line

from headstrt.core.errors import DomainError
from headstrt.operations.server import THREADS, ServerOptions, serve

EPILOG = (
    "Any other command is a Django management command, e.g. `headstrt migrate`, "
    "`headstrt createsuperuser` or `headstrt help` for the full list."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="headstrt",
        description="Headstrt, the open-source micro-mentorship platform.",
        epilog=EPILOG,
    )
    commands = parser.add_subparsers(dest="command", metavar="{demo,serve,worker,...}")
    demo = commands.add_parser(
        "demo",
        help="migrate, generate the demo marketplace and its logins, then run the server",
        description="Migrate the database, generate the demo marketplace (re-running adds only "
        "what is missing), create the demo logins and run the development server with the "
        "background worker beside it.",
    )
    demo.add_argument("--mentors", type=int, default=1000, help="demo mentors (default: 1000)")
    demo.add_argument("--mentees", type=int, default=3000, help="demo mentees (default: 3000)")
    demo.add_argument("--seed", type=int, default=7, help="generator seed (default: 7)")
    serve = commands.add_parser(
        "serve",
        help="run the production server (gunicorn, several worker processes)",
        description="Migrate the database (unless --no-migrate), collect the static files, "
        "then run the production server: gunicorn with threaded worker processes. SIGTERM "
        "stops it gracefully (requests in progress finish first).",
    )
    for command in (demo, serve):
        command.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
        command.add_argument("--port", type=int, default=8000, help="default: 8000")
    serve.add_argument(
        "--workers",
        type=_positive,
        default=0,
        help="worker processes (default: 2 per CPU core, at least 2)",
    )
    serve.add_argument(
        "--threads",
        type=_positive,
        default=THREADS,
        help=f"threads per worker process (default: {THREADS})",
    )
    serve.add_argument(
        "--no-migrate",
        dest="migrate",
        action="store_false",
        help="do not migrate first (with several servers, migrate once as a release step)",
    )
    worker = commands.add_parser(
        "worker",
        help="run background tasks (reminders, request deadlines) as they fall due",
        description="Run the background worker: it sends session reminders and expires "
        "unanswered requests when their time comes, and sweeps up every 10 minutes (lapsed "
        "deadlines, old idempotency keys). Tasks come from Redis when REDIS_URL is set, "
        "else from the database (HEADSTRT_TASK_QUEUE). Run one or more beside the web "
        "servers; SIGTERM lets the task at hand finish.",
    )
    worker.add_argument(
        "--batch", action="store_true", help="run the tasks due now, then exit (for cron)"
    )
    worker.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="database queue: seconds to wait when no task is due (default: 1)",
    )
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    return f"http://{_address(shown, port)}/"


def _serve(options: argparse.Namespace, *, with_worker: bool = False) -> None:
    """Run Django's development server; ``with_worker`` runs the background worker beside it
    (reminders, request deadlines) and stops it with the server."""
    worker = subprocess.Popen([sys.executable, "-m", "headstrt", "worker"]) if with_worker else None
    try:
        call_command("runserver", _address(options.host, options.port), use_reloader=False)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)


def _migrate() -> None:
    call_command("migrate", interactive=False, verbosity=1)


def _demo(options: argparse.Namespace) -> None:
    # Imported here: models can be imported only once Django is set up.
    from headstrt.demo.services import demo_logins_create, population_generate
    from headstrt.matching.indexing import mentor_index_rebuild, mentor_index_save

    _migrate()
    summary = population_generate(
        mentors=options.mentors, mentees=options.mentees, seed=options.seed
    )
    logins = demo_logins_create()
    mentor_index_rebuild()
    mentor_index_save()
    url = _url(options.host, options.port)
    width = max(len(login.email) for login in logins)
    lines = [
        "",
        f"Headstrt demo: {summary.mentors:,} mentors and {summary.mentees:,} mentees "
        f"({summary.mentors_added:,} and {summary.mentees_added:,} added now).",
        f"Open {url}  (admin: {url}admin/); the background worker runs beside the server.",
        "Demo logins:",
        *(
            f"  {login.role:<7} {login.email:<{width}}  password: {login.password}"
            for login in logins
        ),
        "",
    ]
    print("\n".join(lines), flush=True)
    _serve(options, with_worker=True)


def main(argv: list[str] | None = None) -> None:
    """Run the ``headstrt`` command with ``argv`` (default: the process arguments)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headstrt.settings")
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] in {"demo", "serve", "worker", "-h", "--help"}:
        options = _parser().parse_args(args)
        if options.command is None:
            _parser().print_help()
            return
        if options.command == "serve":
            # Read by the settings (the live streams a process may hold open), so set first.
            os.environ["HEADSTRT_SERVER_THREADS"] = str(options.threads)
        django.setup()
        # Imported once Django is set up: it imports models.
        from headstrt.operations.worker import worker_run

        try:
            if options.command == "demo":
                _demo(options)
            elif options.command == "worker":
                worker_run(batch=options.batch, interval=options.interval)
            else:
                serve(
                    ServerOptions(options.host, options.port, options.workers, options.threads),
                    migrate=options.migrate,
                )
        except DomainError as error:
            sys.exit(f"headstrt: {error.message}")
        return
    execute_from_command_line(["headstrt", *args])
