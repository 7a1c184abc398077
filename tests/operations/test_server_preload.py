"""The production server loads the saved matching index before forking its workers: each
worker ranks with it from its first request, and answers correctly after the fork."""

from headstrt.matching import indexing
from headstrt.operations import server
from tests.live_server import LiveServer, stop_process
from tests.operations.test_server import PRODUCTION

SAVE_INDEX = (
    "from headstrt.matching.indexing import mentor_index_rebuild, mentor_index_save; "
    "mentor_index_rebuild(); mentor_index_save()"
)


def test_workers_rank_with_the_index_loaded_before_the_fork():
    with LiveServer(kind="serve", workers=2, threads=2, env=PRODUCTION) as live:
        seeded = live.run("seed", mentors=2, mentees=1, days=1)
        live.headstrt("shell", "-c", SAVE_INDEX)
        stop_process(live.process)  # started again on the saved index
        live.start()
        token = seeded["mentees"][0]["token"]
        situation = live.request(
            "POST",
            "/api/v1/situations",
            token=token,
            body={"text": "Negotiation of my next career move", "languages": []},
        )
        assert situation.status == 201, situation.body

        # A new connection each time: both workers end up answering.
        path = f"/api/v1/situations/{situation.body['id']}/matches"
        answers = [live.request("GET", f"{path}?limit={n}", token=token) for n in range(1, 9)]

        assert {answer.status for answer in answers} == {200}
        mentors = {mentor["id"] for mentor in seeded["mentors"]}
        for n, answer in enumerate(answers, start=1):
            assert {m["mentor"]["id"] for m in answer.body["matches"]} <= mentors
            assert len(answer.body["matches"]) == min(n, 2)
        assert "matching index loaded before forking: 2 mentors" in live.log.read_text()


def test_without_a_saved_index_nothing_is_built_before_the_fork(settings, tmp_path, monkeypatch):
    # Building trains the vector index with threads a forked worker must not inherit.
    settings.DATA_DIR = tmp_path
    loaded, closed = [], []
    monkeypatch.setattr(indexing, "mentor_index", lambda: loaded.append(True))
    monkeypatch.setattr(server.connections, "close_all", lambda: closed.append(True))

    server.preload_matching()

    assert (loaded, closed) == ([], [True])
