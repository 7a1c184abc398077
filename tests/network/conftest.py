"""A small network around Ana: her mentors Bo (two sessions on salary talks) and Cy (a
written answer on moving abroad), Bo's other mentee Dee, who also had a session with Eve."""

from dataclasses import dataclass

import pytest

from headstrt.accounts.models import MentorProfile, Topic, User
from tests.network.world import answer, mentor, person, review, session, topic


@dataclass
class Around:
    ana: User
    bo: MentorProfile
    cy: MentorProfile
    dee: User
    eve: MentorProfile
    career: Topic
    salary: Topic
    abroad: Topic


@pytest.fixture
def around(db) -> Around:
    career = topic("Career")
    salary = topic("Salary talks", parent=career)
    abroad = topic("Moving abroad")
    ana, dee = person("Ana Diaz"), person("Dee Park")
    bo, cy, eve = mentor("Bo Lund"), mentor("Cy Ode"), mentor("Eve Moss")
    first = session(bo, ana, about=salary)
    session(bo, ana, about=salary)
    review(first, stars=5)
    answer(cy, ana, about=abroad)
    session(bo, dee)
    review(session(eve, dee, about=salary), stars=5)
    return Around(
        ana=ana, bo=bo, cy=cy, dee=dee, eve=eve, career=career, salary=salary, abroad=abroad
    )
