"""The named demo logins: real passwords, verified emails, full profiles, never in production."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress

from headstrt.accounts.models import MenteeProfile, MentorProfile, User
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.demo.services import demo_logins_create, population_generate
from headstrt.reviews.models import Outcome, Review
from headstrt.scheduling.models import Booking, BookingStatus

pytestmark = pytest.mark.django_db


def test_each_demo_login_can_log_in(client):
    logins = demo_logins_create()

    assert [login.role for login in logins] == ["mentee", "mentor", "admin"]
    for login in logins:
        assert client.login(email=login.email, password=login.password), login.role
        client.logout()
        assert EmailAddress.objects.get(email=login.email).verified


def test_demo_people_have_full_profiles_and_the_admin_is_staff():
    demo_logins_create()

    mentor = MentorProfile.objects.get(user__email="demo.mentor@headstrt.test")
    assert mentor.is_active and mentor.offers.count() == 3
    assert mentor.expertise.count() >= 3
    for entry in mentor.expertise.select_related("topic"):
        assert entry.topic.name.lower() in mentor.bio.lower()
    mentee = MenteeProfile.objects.get(user__email="demo.mentee@headstrt.test")
    assert mentee.interests.exists() and mentee.goals
    admin = User.objects.get(email="demo.admin@headstrt.test")
    assert admin.is_staff and admin.is_superuser


def test_the_demo_mentee_has_a_confirmed_session_with_the_demo_mentor():
    demo_logins_create()
    demo_logins_create()

    [session] = Booking.objects.filter(
        mentee__email="demo.mentee@headstrt.test", status=BookingStatus.CONFIRMED
    )
    assert session.mentor.user.email == "demo.mentor@headstrt.test"
    assert session.objective
    assert session.start > clock.now()
    [payment] = session.payments.all()
    assert payment.status == "succeeded" and payment.amount_minor == session.price_minor > 0


def test_the_demo_mentee_has_a_done_session_awaiting_their_review_and_outcome():
    demo_logins_create()
    demo_logins_create()

    [done] = Booking.objects.filter(
        mentee__email="demo.mentee@headstrt.test", status=BookingStatus.COMPLETED
    )
    assert done.mentor.user.email == "demo.mentor@headstrt.test"
    assert clock.now() - timedelta(days=3) < done.end < clock.now()
    assert done.outcome.result == "" and done.outcome.topic.slug == "career-salary-negotiation"
    [review] = done.reviews.all()
    assert review.author == done.mentor.user and review.reveal_at > clock.now()


def test_with_a_population_the_demo_mentor_has_a_reviewed_past():
    population_generate(mentors=3, mentees=20, progress=False)
    demo_logins_create()
    sessions = Booking.objects.filter(mentor__user__email="demo.mentor@headstrt.test")
    reviews = Review.objects.filter(booking__in=sessions)

    demo_logins_create()

    assert sessions.filter(status=BookingStatus.COMPLETED).count() >= 8
    assert reviews.filter(subject_party="mentor", reveal_at__lte=clock.now()).exists()
    assert Outcome.objects.filter(booking__in=sessions).exclude(result="").exists()
    assert sessions.count() == 12 + 2  # the history, the done session and the upcoming one


def test_running_again_repairs_the_password_and_keeps_profile_edits(client):
    demo_logins_create()
    mentor = User.objects.get(email="demo.mentor@headstrt.test")
    mentor.set_password("something else entirely")
    mentor.save()
    MentorProfile.objects.filter(user=mentor).update(headline="Edited during the demo")
    users, addresses = User.objects.count(), EmailAddress.objects.count()

    logins = demo_logins_create()

    assert client.login(email=logins[1].email, password=logins[1].password)
    assert MentorProfile.objects.get(user=mentor).headline == "Edited during the demo"
    assert (User.objects.count(), EmailAddress.objects.count()) == (users, addresses)


def test_refused_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(DomainError) as refused:
        demo_logins_create()

    assert refused.value.code == "demo_in_production"
    assert not User.objects.exists()
