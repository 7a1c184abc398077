"""``headstrt serve``: gunicorn with threaded workers, its settings, and the deploy checks.

One real production server (DEBUG off, hashed static files, JSON logs) is started on a fresh
database: it migrates, collects the static files, forks its workers, serves, logs through
Django's logging and stops cleanly on SIGTERM.
"""

import gc
import json
import subprocess
import time
from types import SimpleNamespace

import pytest
from django.core.checks import run_checks

from headstrt import cli
from headstrt.operations import checks, metrics, server
from headstrt.operations.server import ServerOptions, gunicorn_config, serve
from headstrt.web.views.conversations import _StreamSlot
from tests.live_server import GOOD_CARD, OBJECTIVE, LiveServer, stop_process

PRODUCTION = {
    "HEADSTRT_PRODUCTION": "1",
    "HEADSTRT_SECRET_KEY": "live-server-" + "k" * 50,
    "HEADSTRT_ALLOWED_HOSTS": "127.0.0.1",
    "HEADSTRT_SSL_REDIRECT": "0",  # plain HTTP on the loopback, no proxy in front
    "HEADSTRT_ALLOW_TEST_PROVIDER": "1",
    "HEADSTRT_TEST_PROVIDER_WEBHOOK_SECRET": "live-server-webhook-secret",
    "HEADSTRT_LOG_FORMAT": "json",
    "HEADSTRT_STREAM_SECONDS": "4",  # a live conversation stream lasts 4 s
}


# --- the real server ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def production(smtp_server):
    # Production sends email over SMTP: to the tests' loopback server.
    email = {"EMAIL_HOST": smtp_server.host, "EMAIL_PORT": str(smtp_server.port)}
    email["EMAIL_USE_TLS"] = "0"
    with LiveServer(kind="serve", workers=2, threads=2, env=PRODUCTION | email) as live:
        yield live


def worker_pids(live) -> set[int]:
    found = subprocess.run(["pgrep", "-P", str(live.process.pid)], capture_output=True, text=True)
    return {int(pid) for pid in found.stdout.split()}


@pytest.fixture(scope="module")
def conversation(production):
    """A session booked over HTTP, and its mentee's web session on the conversation."""
    seeded = production.run("seed", mentors=1, mentees=1, days=3)
    mentor, mentee = seeded["mentors"][0], seeded["mentees"][0]
    booked = production.request(
        "POST",
        "/api/v1/bookings",
        token=mentee["token"],
        body={
            "mentor": mentor["id"],
            "start": mentor["slots"]["30"][8],
            "minutes": 30,
            "objective": OBJECTIVE,
            "source": GOOD_CARD,
        },
    )
    assert booked.status == 201, booked.body
    login = production.run("stream_login", booking=booked.body["id"])
    return SimpleNamespace(token=mentee["token"], **login)


def stream_open(live, conversation):
    """A live stream of ``conversation`` opened: its connection and response (headers read)."""
    connection = live.connection()
    connection.request(
        "GET",
        f"/conversations/{conversation.conversation}/events/",
        headers={"Cookie": f"sessionid={conversation.session}"},
    )
    return connection, connection.getresponse()


def test_the_production_server_forks_its_workers_and_answers(production):
    assert len(worker_pids(production)) == 2
    answer = production.request("GET", "/healthz")
    assert (answer.status, answer.body) == (200, {"status": "ok"})
    # The metrics folder of this server, prepared before the workers started.
    assert (production.folder / "metrics" / f"127.0.0.1_{production.port}").is_dir()


def test_static_files_are_collected_hashed_and_cached_for_ever(production):
    manifest = json.loads((production.folder / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["web/app.css"]
    assert hashed != "web/app.css"

    connection = production.connection()
    connection.request("GET", f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    response.read()
    connection.close()

    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert "immutable" in response.getheader("Cache-Control")


def test_live_streams_never_take_every_thread_so_the_server_keeps_answering(
    production, conversation
):
    # 2 workers of 2 threads: each process holds at most 1 stream open. More streams than
    # the server has threads: the ones over the limit are told to poll instead (204), and
    # health checks and API calls are answered at once all the same.
    opened = [stream_open(production, conversation) for _ in range(2 * 2 + 1)]
    try:
        statuses = sorted(response.status for _, response in opened)
        health = production.request("GET", "/healthz", timeout=5)
        me = production.request("GET", "/api/v1/me", token=conversation.token, timeout=5)
    finally:
        for connection, _ in opened:
            connection.close()

    assert statuses.count(200) <= 2 and set(statuses) == {200, 204}, statuses
    assert (health.status, me.status) == (200, 200)
    assert health.seconds < 1 and me.seconds < 1, (health.seconds, me.seconds)


def test_sigterm_lets_a_live_stream_finish_then_stops_cleanly(production, conversation):
    # The last test of the running server: a mentee's conversation stream is open when it
    # is told to stop. The streams of the test before have ended (or been closed).
    deadline = time.monotonic() + 10
    while True:
        connection, stream = stream_open(production, conversation)
        if stream.status == 200 or time.monotonic() > deadline:
            break
        connection.close()
        time.sleep(0.2)
    assert stream.status == 200
    assert stream.getheader("Content-Type").startswith("text/event-stream")

    started = time.monotonic()
    production.process.terminate()
    stream.read()  # the stream runs to its end: STREAM_SECONDS after it opened
    streamed = time.monotonic() - started
    connection.close()
    code = stop_process(production.process)

    assert code == 0 and streamed > 1
    lines = [json.loads(line) for line in production.log_tail(300).splitlines() if line[:1] == "{"]
    said = {line["message"].split(":")[0] for line in lines if line["logger"] == "gunicorn.error"}
    assert {"Listening at", "Handling signal", "Shutting down"} <= said
    # No access log of gunicorn's own: the application logs each request.
    assert not [line for line in lines if line["logger"] == "gunicorn.access"]
    assert "Traceback" not in production.log_tail(1000)


def test_a_process_holds_no_more_live_streams_than_its_slots(settings):
    settings.HEADSTRT_STREAMS_PER_PROCESS = 2
    first, second = _StreamSlot.take(), _StreamSlot.take()

    assert first and second and _StreamSlot.take() is None
    first.release()
    first.release()  # given back once only
    third = _StreamSlot.take()
    assert third and _StreamSlot.take() is None
    del second  # a stream whose response was dropped unread gives its slot back too
    assert _StreamSlot.take() is not None


# --- its settings -------------------------------------------------------------------------


@pytest.mark.parametrize(("cores", "workers"), [(1, 2), (2, 4), (None, 2)])
def test_workers_default_to_two_per_core_and_at_least_two(monkeypatch, cores, workers):
    monkeypatch.setattr(server.os, "cpu_count", lambda: cores)

    assert gunicorn_config(ServerOptions())["workers"] == workers
    assert gunicorn_config(ServerOptions(workers=3))["workers"] == 3


def test_gunicorn_runs_threaded_workers_recycled_with_jitter_and_a_graceful_stop(settings):
    settings.HEADSTRT_STREAM_SECONDS = 55
    config = gunicorn_config(ServerOptions(host="::1", port=9000, threads=8))

    assert config["bind"] == ["[::1]:9000"]
    assert (config["worker_class"], config["threads"]) == ("gthread", 8)
    assert config["max_requests"] > 0 and 0 < config["max_requests_jitter"] < config["max_requests"]
    # A live stream ends by itself before the workers are killed.
    assert config["graceful_timeout"] > 55
    assert config["accesslog"] is None and config["control_socket_disable"]


def test_trusted_proxies_come_from_the_environment(monkeypatch):
    assert gunicorn_config(ServerOptions())["forwarded_allow_ips"] == "127.0.0.1,::1"
    monkeypatch.setenv("HEADSTRT_FORWARDED_ALLOW_IPS", "10.0.0.5,10.0.0.6")

    assert gunicorn_config(ServerOptions())["forwarded_allow_ips"] == "10.0.0.5,10.0.0.6"


def test_gunicorn_logs_go_to_the_root_handlers_of_django_logging_at_its_level(settings):
    settings.LOGGING = {**settings.LOGGING, "root": {**settings.LOGGING["root"], "level": "DEBUG"}}
    config = gunicorn_config(ServerOptions())
    logging = config["logconfig_dict"]

    assert logging["root"] == settings.LOGGING["root"]
    assert logging["handlers"] == settings.LOGGING["handlers"]
    assert logging["loggers"]["gunicorn.error"] == {
        "level": "DEBUG",
        "handlers": [],
        "propagate": True,
    }
    for name, logger in settings.LOGGING["loggers"].items():
        assert logging["loggers"][name] == logger
    # No access log: its fields are not even gathered.
    assert config["logger_class"].access_log_enabled is False


def test_keep_alive_outlasts_a_load_balancer_and_comes_from_the_environment(monkeypatch):
    assert gunicorn_config(ServerOptions())["keepalive"] == 75
    monkeypatch.setenv("HEADSTRT_KEEPALIVE_SECONDS", "120")

    assert gunicorn_config(ServerOptions())["keepalive"] == 120


def test_an_exited_worker_is_forgotten_by_the_metrics(monkeypatch):
    exited = []
    monkeypatch.setattr(metrics, "worker_exited", exited.append)

    class Worker:
        pid = 4321

    gunicorn_config(ServerOptions())["child_exit"](None, Worker())

    assert exited == [4321]


@pytest.fixture
def collector():
    """The garbage collector's settings, put back afterwards."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_a_worker_forks_with_the_loaded_objects_frozen_and_collects_less_often(collector):
    gc.set_threshold(700, 10, 10)

    gunicorn_config(ServerOptions())["pre_fork"](None, None)

    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (server.GC_YOUNGEST_THRESHOLD, 10, 10)
    assert server.GC_YOUNGEST_THRESHOLD > 700


@pytest.fixture
def steps(monkeypatch):
    """What ``serve`` does, in order, without doing it."""
    done = []
    monkeypatch.setattr(metrics, "metrics_directory_prepare", lambda name: done.append(name))
    monkeypatch.setattr(server, "call_command", lambda name, **options: done.append(name))
    monkeypatch.setattr(
        server.ProductionServer, "run", lambda self: done.append(("run", self.config["bind"]))
    )
    return done


def test_serve_prepares_metrics_migrates_collects_static_then_runs(steps):
    serve(ServerOptions(port=8123))

    assert steps == ["127.0.0.1_8123", "migrate", "collectstatic", ("run", ["127.0.0.1:8123"])]


def test_serve_without_migrate_leaves_migrations_to_the_release_step(steps):
    serve(ServerOptions(port=8123), migrate=False)

    assert "migrate" not in steps and steps[-1][0] == "run"


def test_the_serve_command_passes_its_options(monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "serve", lambda options, migrate: calls.append((options, migrate)))

    monkeypatch.setenv("HEADSTRT_SERVER_THREADS", "1")  # restored after the test
    cli.main(["serve", "--host", "0.0.0.0", "--port", "9001", "--workers", "3", "--threads", "6"])
    # The settings learn the thread count (the live streams a process may hold).
    assert cli.os.environ["HEADSTRT_SERVER_THREADS"] == "6"
    cli.main(["serve", "--no-migrate"])

    assert calls == [
        (ServerOptions("0.0.0.0", 9001, 3, 6), True),
        (ServerOptions("127.0.0.1", 8000, 0, server.THREADS), False),
    ]
    assert server.THREADS == 8


def test_the_serve_command_refuses_no_workers(capsys):
    with pytest.raises(SystemExit):
        cli.main(["serve", "--workers", "0"])

    assert "must be 1 or more" in capsys.readouterr().err


# --- deploy checks ------------------------------------------------------------------------


LOCAL = {"default": {"BACKEND": checks.LOCAL_CACHE}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}


@pytest.mark.parametrize(
    ("in_production", "caches", "site_url", "expected"),
    [
        (True, LOCAL, "https://mentors.example.org", {"headstrt.W001"}),
        (True, REDIS, "https://mentors.example.org", set()),
        (True, REDIS, "http://127.0.0.1:8000", {"headstrt.W002"}),
        (False, LOCAL, "http://127.0.0.1:8000", set()),
    ],
)
def test_deploy_checks_warn_of_a_per_process_cache_and_a_site_url_without_https(
    monkeypatch, in_production, caches, site_url, expected
):
    # Settings stand-ins: swapping the real cache for Redis would let a test's cache
    # clearing empty a Redis database.
    configured = SimpleNamespace(PRODUCTION=in_production, CACHES=caches, SITE_URL=site_url)
    monkeypatch.setattr(checks, "settings", configured)

    found = checks.cache_shared_check(None) + checks.site_url_check(None)

    assert {message.id for message in found} == expected


def test_the_deploy_checks_run_with_check_deploy(settings):
    settings.PRODUCTION, settings.SITE_URL = True, "http://127.0.0.1:8000"

    found = {message.id for message in run_checks(include_deployment_checks=True)}
    assert {"headstrt.W001", "headstrt.W002"} <= found
    assert not {"headstrt.W001", "headstrt.W002"} & {message.id for message in run_checks()}
