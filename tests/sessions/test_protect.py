"""Deleting what the record refers to is refused, with a message that says so, never cascaded."""

import pytest
from django.urls import reverse

from members.demo import load_demo
from sessions.models import Advocate, AgendaItem, Attendance, BargainingUnit, Session, Topic
from tests.factories import BargainingUnitFactory, TopicFactory

pytestmark = pytest.mark.django_db


def record_size() -> tuple[int, int, int]:
    return Session.objects.count(), AgendaItem.objects.count(), Attendance.objects.count()


@pytest.mark.parametrize(
    ("model", "url_name", "lookup", "advice"),
    [
        (BargainingUnit, "admin:confer_bargainingunit_delete", {"code": "008"}, "Untick"),
        (Topic, "admin:confer_topic_delete", {"name": "CARES testing"}, "“closed”"),
        (Advocate, "admin:confer_advocate_delete", {"name": "Jeannine Lopez"}, "Untick"),
    ],
)
def test_deleting_what_the_record_refers_to_is_refused_with_a_message(
    admin_client, model, url_name, lookup, advice
):
    load_demo()
    target = model.objects.get(**lookup)
    before = record_size()
    response = admin_client.post(reverse(url_name, args=[target.pk]), {"post": "yes"})
    assert response.status_code == 200
    assert "Cannot delete" in response.text
    assert "Nothing was deleted: the meet-and-confer record refers to this" in response.text
    assert advice in response.text
    assert model.objects.filter(pk=target.pk).exists()
    assert record_size() == before


@pytest.mark.parametrize(
    ("model", "changelist"),
    [
        (BargainingUnit, "admin:confer_bargainingunit_changelist"),
        (Topic, "admin:confer_topic_changelist"),
        (Advocate, "admin:confer_advocate_changelist"),
    ],
)
def test_bulk_delete_of_what_the_record_refers_to_is_refused(admin_client, model, changelist):
    load_demo()
    before = (model.objects.count(), record_size())
    response = admin_client.post(
        reverse(changelist),
        {
            "action": "delete_selected",
            "_selected_action": list(model.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 200
    assert "Nothing was deleted" in response.text
    assert (model.objects.count(), record_size()) == before


def test_deleting_what_nothing_refers_to_still_works(admin_client):
    unit, topic = BargainingUnitFactory(code="777"), TopicFactory(name="Unused")
    admin_client.post(reverse("admin:confer_bargainingunit_delete", args=[unit.pk]), {"post": "1"})
    admin_client.post(reverse("admin:confer_topic_delete", args=[topic.pk]), {"post": "yes"})
    assert not BargainingUnit.objects.filter(code="777").exists()
    assert not Topic.objects.filter(name="Unused").exists()
