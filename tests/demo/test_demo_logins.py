"""The named demo logins: real passwords, verified emails, full profiles, never in production."""

import pytest
from allauth.account.models import EmailAddress

from headstrt.accounts.models import MenteeProfile, MentorProfile, User
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.demo.services import demo_logins_create
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

    [session] = Booking.objects.filter(mentee__email="demo.mentee@headstrt.test")
    assert session.mentor.user.email == "demo.mentor@headstrt.test"
    assert session.status == BookingStatus.CONFIRMED and session.objective
    assert session.start > clock.now()
    [payment] = session.payments.all()
    assert payment.status == "succeeded" and payment.amount_minor == session.price_minor > 0


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
