"""The situations API: create, read, change, delete, matches, sharing, blocks, who may do what."""

from datetime import UTC, datetime

import pytest

from headstrt.core import clock
from headstrt.matching.models import MentorBlock, Situation, SituationShare
from headstrt.matching.query import MAX_PERSPECTIVES
from tests.api.conftest import assert_error, client_for
from tests.factories import (
    ExpertiseEntryFactory,
    MentorProfileFactory,
    SituationFactory,
    TopicFactory,
    UserFactory,
)
from tests.matching.fake_ranking import use_fake_ranking

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)
TEXT = "I have a salary negotiation on Friday and want to ask for fifteen percent more."


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    use_fake_ranking(monkeypatch)


@pytest.fixture
def negotiator(db):
    mentor = MentorProfileFactory(
        user__display_name="Nia Negotiator",
        headline="Former recruiter",
        bio="Twenty years of hiring in technology companies.",
        offers={30: 4000},
        user__languages=["en"],
    )
    ExpertiseEntryFactory(
        mentor=mentor, topic=TopicFactory(name="Salary"), description="Salary negotiation"
    )
    return mentor


def create(api, **body):
    response = api.post("/situations", {"text": TEXT, **body})
    assert response.status_code == 201, response.content
    return response.json()


def test_create_and_read_a_situation(api, person):
    TopicFactory(slug="test-salary", name="Salary", parent=TopicFactory(name="Career"))

    body = create(
        api,
        title="Salary talk",
        area="professional",
        topic="test-salary",
        budget={"minor": 5000, "currency": "eur"},
        session_minutes=30,
        window_start="2030-03-08T09:00:00",  # no offset: read in the person's time zone
        window_end="2030-03-08T11:00:00+01:00",
        perspectives=2,
    )

    assert body["title"] == "Salary talk" and body["text"] == TEXT
    assert body["mentee"] == {"id": person.public_id, "display_name": "Ada Example"}
    assert body["topic"] == {"slug": "test-salary", "name": "Salary", "path": "Career › Salary"}
    assert body["budget"] == {"minor": 5000, "currency": "EUR", "display": "€50.00"}
    assert body["languages"] == ["en"]  # the person's own by default
    assert body["window_start"] == "2030-03-08T08:00:00Z"  # factory users live in Paris
    assert body["window_end"] == "2030-03-08T10:00:00Z"
    assert (body["perspectives"], body["perspectives_requested"]) == (2, 2)
    assert body["notices"] == [] and body["shared_with"] == []
    assert api.get(f"/situations/{body['id']}").json() == body


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": ""}, 400, "required"),
        ({"text": "x" * 20000}, 400, "too_long"),
        ({"text": "lone \ud800 surrogate"}, 400, "invalid_text"),
        ({"title": "t" * 121}, 400, "too_long"),
        ({"languages": ["xx"]}, 400, "unknown_language"),
        ({"budget": {"minor": 0, "currency": "EUR"}}, 400, "invalid_budget"),
        ({"budget": {"minor": -100, "currency": "EUR"}}, 400, "invalid_budget"),
        ({"budget": {"minor": 100, "currency": "ABC"}}, 400, "unknown_currency"),
        ({"session_minutes": 25}, 400, "invalid_session_length"),
        (
            {"window_start": "2030-03-01T09:00:00Z", "window_end": "2030-03-01T10:00:00Z"},
            400,
            "window_in_past",
        ),
        ({"window_start": "2030-03-09T09:00:00Z"}, 400, "incomplete_window"),
        ({"perspectives": 0}, 400, "out_of_range"),
        ({"topic": "no-such-topic"}, 400, "unknown_topic"),
        ({"area": "spiritual"}, 400, "unknown_area"),
        ({"colour": "blue"}, 422, "invalid"),
        ({"perspectives": "many"}, 422, "invalid"),
    ],
)
def test_bad_input_is_refused_in_the_house_format_and_nothing_saved(api, body, status, code):
    response = api.post("/situations", {"text": TEXT, **body})

    error = assert_error(response, status, code)
    if status == 400 and code != "unknown_currency":
        assert error["field"] in {
            "text",
            "title",
            "languages",
            "budget",
            "session_minutes",
            "window_start",
            "window_end",
            "perspectives",
            "topic",
            "area",
        }
    assert not Situation.objects.exists()


def test_a_20000_character_text_gets_a_message_with_the_counts(api):
    error = assert_error(api.post("/situations", {"text": "y" * 20000}), 400, "too_long")

    assert "20000" in error["message"] and "5000" in error["message"]


def test_50_perspectives_are_capped_with_a_notice(api, negotiator):
    body = create(api, perspectives=50)

    assert (body["perspectives"], body["perspectives_requested"]) == (MAX_PERSPECTIVES, 50)
    [notice] = body["notices"]
    assert "50 perspectives" in notice
    matches = api.get(f"/situations/{body['id']}/matches").json()
    assert matches["notices"][0] == notice


def test_matches_are_explained(api, negotiator):
    situation = create(api, session_minutes=30)

    response = api.get(f"/situations/{situation['id']}/matches")

    assert response.status_code == 200
    body = response.json()
    assert body["situation"] == situation["id"] and body["relaxations"] == []
    [match] = body["matches"]
    assert match["rank"] == 1 and 0 < match["score"] <= 1
    assert match["mentor"] == {
        "id": negotiator.user.public_id,
        "display_name": "Nia Negotiator",
        "headline": "Former recruiter",
        "photo_url": None,
        "time_zone": "Europe/Paris",
        "languages": ["en"],
    }
    assert match["price"] == {"minor": 4000, "currency": "EUR", "display": "€40.00"}
    assert match["rating"] == 4.6 and match["reviews"] == 3 and match["outcome_rate"] == 0.75
    assert match["next_free_slot"] == "2030-03-05T10:00:00Z"
    [reason] = match["reasons"]
    assert reason["kind"] == "expertise"
    assert sorted(reason["matched_terms"]) == ["negotiation", "salary"]
    assert_error(api.get(f"/situations/{situation['id']}/matches", {"limit": 0}), 400)


def test_no_mentor_passing_the_filters_says_which_filter_to_relax(api, negotiator):
    situation = create(api, languages=["is"], budget={"minor": 5000, "currency": "EUR"})

    body = api.get(f"/situations/{situation['id']}/matches").json()

    assert body["matches"] == []
    [relaxation] = body["relaxations"]
    assert relaxation["filter"] == "language" and "Icelandic" in relaxation["message"]
    assert relaxation["mentors"] == 1


def test_patch_changes_only_what_is_sent_and_null_clears_a_filter(api):
    situation = create(
        api, title="Kept", budget={"minor": 3000, "currency": "EUR"}, session_minutes=45
    )

    response = api.patch(
        f"/situations/{situation['id']}", {"budget": None, "perspectives": 3, "languages": None}
    )

    body = response.json()
    assert response.status_code == 200, body
    assert body["title"] == "Kept" and body["session_minutes"] == 45
    assert body["budget"] is None and body["perspectives"] == 3 and body["languages"] == []
    refused = api.patch(f"/situations/{situation['id']}", {"title": "New", "text": ""})
    assert_error(refused, 400, "required")
    assert api.get(f"/situations/{situation['id']}").json()["title"] == "Kept"


def test_delete(api):
    situation = create(api)

    assert api.delete(f"/situations/{situation['id']}").status_code == 204
    assert_error(api.get(f"/situations/{situation['id']}"), 404, "not_found")


def test_share_and_unshare(api, negotiator):
    situation = create(api)
    path = f"/situations/{situation['id']}/shares/{negotiator.user.public_id}"

    body = api.put(path).json()
    again = api.put(path)

    assert body["shared_with"] == [
        {"id": negotiator.user.public_id, "display_name": "Nia Negotiator"}
    ]
    assert again.status_code == 200 and SituationShare.objects.count() == 1
    paused = MentorProfileFactory(is_active=False).user
    assert_error(api.put(f"/situations/{situation['id']}/shares/{paused.public_id}"), 404)
    assert api.delete(path).status_code == 204
    assert not SituationShare.objects.exists()


def test_blocks(api, person, negotiator):
    situation = create(api)
    api.put(f"/situations/{situation['id']}/shares/{negotiator.user.public_id}")

    response = api.post(f"/blocks/{negotiator.user.public_id}")

    assert response.status_code == 200
    assert response.json()["mentor"]["id"] == negotiator.user.public_id
    assert not SituationShare.objects.exists()  # blocking withdraws the shares
    assert api.get(f"/situations/{situation['id']}/matches").json()["matches"] == []
    listing = api.get("/blocks").json()
    assert (
        listing["total"] == 1 and listing["items"][0]["mentor"]["display_name"] == "Nia Negotiator"
    )
    assert_error(
        api.put(f"/situations/{situation['id']}/shares/{negotiator.user.public_id}"),
        409,
        "mentor_blocked",
    )
    assert_error(api.post(f"/blocks/{UserFactory().public_id}"), 404, "not_found")

    assert api.delete(f"/blocks/{negotiator.user.public_id}").status_code == 204
    assert not MentorBlock.objects.exists()
    assert len(api.get(f"/situations/{situation['id']}/matches").json()["matches"]) == 1


def test_anonymous_callers_are_refused(anonymous):
    situation = SituationFactory()

    assert_error(anonymous.get("/situations"), 401, "unauthenticated")
    assert_error(anonymous.get(f"/situations/{situation.public_id}"), 401, "unauthenticated")
    assert_error(anonymous.post("/blocks/someone"), 401, "unauthenticated")


# --- who may see what ---------------------------------------------------------------------------


def every_call(situation_id: str, mentor_id: str) -> list[tuple[str, str, dict | None]]:
    base = f"/situations/{situation_id}"
    return [
        ("get", base, None),
        ("get", f"{base}/matches", None),
        ("patch", base, {"title": "Hijacked"}),
        ("delete", base, None),
        ("put", f"{base}/shares/{mentor_id}", None),
        ("delete", f"{base}/shares/{mentor_id}", None),
    ]


def call(api, method: str, path: str, body):
    if method == "get":
        return api.get(path)
    return getattr(api, method)(path, body)


def snapshot(situation_id: str) -> tuple:
    fresh = Situation.objects.get(public_id=situation_id)
    return fresh.title, fresh.updated_at, list(fresh.shares.values_list("mentor_id", flat=True))


def test_another_person_gets_404_for_everything_and_changes_nothing(api, client, negotiator):
    situation = create(api, title="Private matter")
    api.put(f"/situations/{situation['id']}/shares/{negotiator.user.public_id}")
    before = snapshot(situation["id"])
    stranger = client_for(client, UserFactory())

    for method, path, body in every_call(situation["id"], negotiator.user.public_id):
        response = call(stranger, method, path, body)
        assert_error(response, 404, "not_found")
        assert "Private matter" not in response.content.decode()
    assert snapshot(situation["id"]) == before
    assert stranger.get("/situations").json()["total"] == 0
    assert stranger.get("/situations/shared-with-me").json()["total"] == 0


def test_a_mentor_it_is_shared_with_reads_it_but_cannot_change_it(api, client, negotiator):
    situation = create(api, title="Private matter")
    api.put(f"/situations/{situation['id']}/shares/{negotiator.user.public_id}")
    before = snapshot(situation["id"])
    mentor = client_for(client, negotiator.user)

    body = mentor.get(f"/situations/{situation['id']}").json()
    shared = mentor.get("/situations/shared-with-me").json()

    assert body["title"] == "Private matter" and body["shared_with"] is None
    assert [item["id"] for item in shared["items"]] == [situation["id"]]
    for method, path, payload in every_call(situation["id"], negotiator.user.public_id)[1:]:
        assert_error(call(mentor, method, path, payload), 403, "forbidden")
    assert snapshot(situation["id"]) == before


@pytest.mark.parametrize("count", [1, 15])
def test_the_list_costs_a_fixed_number_of_queries(api, person, django_assert_num_queries, count):
    mentor = MentorProfileFactory().user
    topic = TopicFactory(parent=TopicFactory())
    for _ in range(count):
        SituationFactory(mentee=person, topic=topic, languages=["en", "fr"], shared_with=[mentor])

    # token and its last use; count, page with topic paths and share counts, languages,
    # shares with their mentors
    with django_assert_num_queries(6):
        response = api.get("/situations")

    body = response.json()
    assert body["total"] == count and len(body["items"]) == count
    assert all(item["shared_with"][0]["id"] == mentor.public_id for item in body["items"])
