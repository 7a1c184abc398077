"""The one error type: stable codes, HTTP statuses and the API's JSON body."""

from datetime import UTC

from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied


def test_domain_error_body_names_the_field_only_when_there_is_one():
    with_field = DomainError("too_long", "Too long.", field="headline")
    without = DomainError("conflict", "Already done.", status=409)

    assert with_field.as_dict() == {"code": "too_long", "message": "Too long.", "field": "headline"}
    assert with_field.status == 400
    assert without.as_dict() == {"code": "conflict", "message": "Already done."}
    assert without.status == 409
    assert str(without) == "Already done."


def test_not_found_and_forbidden_have_their_codes_and_statuses():
    assert (NotFound().code, NotFound().status) == ("not_found", 404)
    assert (PermissionDenied().code, PermissionDenied().status) == ("forbidden", 403)
    assert isinstance(NotFound(), DomainError)
    assert NotFound("No such mentor.").as_dict()["message"] == "No such mentor."


def test_the_clock_gives_aware_utc_times():
    now = clock.now()

    assert now.tzinfo is not None
    assert now.utcoffset() == UTC.utcoffset(now)
