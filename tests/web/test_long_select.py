"""The one-pass <select> writes what Django's own Select widget writes."""

import pytest
from django import forms
from django.test.html import parse_html

from headstrt.web.forms import LongSelect

CHOICES = [("", "Any"), ('Group & "<b>"', [("a", "A & b"), ('b"x', "B <i>")]), ("c", "C")]


@pytest.mark.parametrize("value", ["", "a", 'b"x', "not offered"])
def test_it_renders_as_the_select_widget_does(value):
    attrs = {"id": "id_topic", "aria-describedby": "id_topic_help", "required": True}

    expected = forms.Select(choices=CHOICES).render("topic", value, attrs)
    written = LongSelect(choices=CHOICES).render("topic", value, attrs)

    assert parse_html(written) == parse_html(expected)
    assert "<b>" not in written and "<i>" not in written
