import re

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from members.models import Delivery, SiteConfiguration, Update
from tests.factories import BargainingUnitFactory, SessionFactory, UpdateFactory, member_account

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [3, 30])
def test_update_changelist_runs_a_constant_number_of_queries(
    admin_client, django_assert_max_num_queries, count
):
    unit = BargainingUnitFactory(code="008")
    for _ in range(count):
        UpdateFactory(units=[unit])
    # 15: on PostgreSQL the list is counted by the planner's estimate, then exactly within a
    # time limit (EXPLAIN, SAVEPOINT, SET, COUNT, SET, RELEASE: upe_confer/pagination.py).
    with django_assert_max_num_queries(15):
        response = admin_client.get(reverse("admin:members_update_changelist"))
    assert response.status_code == 200
    assert "Write an update from a session" in response.text


def test_site_configuration_is_one_record_staff_can_change(admin_client):
    config = SiteConfiguration.current()
    url = reverse("admin:members_siteconfiguration_change", args=[config.pk])
    response = admin_client.post(
        url,
        {
            "union_name": "United Public Employees",
            "address": "1 Main Street\nSacramento, CA 95814",
            "phone": "916-555-0100",
            "fax": "",
            "email": "info@upe.example",
            "website": "",
        },
    )
    assert response.status_code == 302
    assert SiteConfiguration.current().phone == "916-555-0100"
    assert SiteConfiguration.objects.count() == 1
    add = admin_client.get(reverse("admin:members_siteconfiguration_add"))
    assert add.status_code == 403


def test_member_account_pages_render(admin_client):
    assert admin_client.get(reverse("admin:members_memberaccount_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:members_memberaccount_add")).status_code == 200
    page = admin_client.get(reverse("admin:members_memberaccount_import"))
    assert page.status_code == 200
    assert "email,first_name,last_name" in page.text or "first_name" in page.text


def test_held_session_page_has_a_write_update_button(admin_client):
    from members.models import Update
    from tests.factories import SessionFactory

    session = SessionFactory(status="held")
    page = admin_client.get(reverse("admin:confer_session_change", args=[session.pk]))
    button_url = reverse("members:generate", args=[session.pk])
    assert f'action="{button_url}"' in page.text
    response = admin_client.post(button_url)
    assert response.status_code == 302
    assert Update.objects.filter(session=session).exists()

    scheduled = SessionFactory(status="scheduled")
    page = admin_client.get(reverse("admin:confer_session_change", args=[scheduled.pk]))
    assert reverse("members:generate", args=[scheduled.pk]) not in page.text


def test_attendance_added_in_the_admin_makes_open_session_forms_stale(admin_client):
    from django.urls import reverse

    from sessions.models import Session
    from tests.factories import AdvocateFactory, SessionFactory

    session = SessionFactory()
    advocate = AdvocateFactory()
    response = admin_client.post(
        reverse("admin:confer_attendance_add"), {"session": session.pk, "advocate": advocate.pk}
    )
    assert response.status_code == 302
    assert Session.objects.get(pk=session.pk).version == session.version + 1


@pytest.mark.parametrize("kind", ["unit", "topic"])
def test_a_unit_or_topic_named_only_by_a_published_update_is_not_deleted(admin_client, kind):
    from members.models import Update
    from sessions.models import BargainingUnit, Topic
    from tests.factories import TopicFactory

    unit = BargainingUnitFactory(code="077")
    topic = TopicFactory(name="Telework stipend")
    UpdateFactory(units=[unit], topics=[topic], title="Telework stipend agreed")
    target, model = (unit, BargainingUnit) if kind == "unit" else (topic, Topic)
    opts = model._meta
    delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[target.pk])

    response = admin_client.post(delete, {"post": "yes"})

    assert response.status_code == 200
    assert "Nothing was deleted" in response.text
    assert "Published update: Telework stipend agreed" in response.text
    assert model.objects.filter(pk=target.pk).exists()
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"}
    )
    assert model.objects.filter(pk=target.pk).exists()
    assert Update.objects.get().units.get() == unit


def test_a_unit_named_only_by_a_draft_can_be_deleted(admin_client):
    from members.models import Update
    from sessions.models import BargainingUnit

    unit = BargainingUnitFactory(code="078")
    UpdateFactory(units=[unit], status=Update.Status.DRAFT)
    delete = reverse("admin:confer_bargainingunit_delete", args=[unit.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not BargainingUnit.objects.filter(code="078").exists()


def test_staff_see_what_was_sent_and_what_failed_and_resend_the_failed(
    staff_client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    update = UpdateFactory(title="CPS pilot")
    sent = Delivery.objects.create(
        update=update,
        user=member_account("a@example.org"),
        email="a@example.org",
        status=Delivery.Status.SENT,
    )
    failed = Delivery.objects.create(
        update=update,
        user=member_account("bounce@example.org"),
        email="bounce@example.org",
        status=Delivery.Status.FAILED,
        error="SMTPRecipientsRefused: 550 No such user",
    )
    url = reverse("admin:members_delivery_changelist")
    with django_assert_max_num_queries(15):  # see the first test
        page = staff_client.get(url)
    assert page.status_code == 200
    assert "550 No such user" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url, {"action": "resend", "_selected_action": [sent.pk, failed.pk]}
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, sent.status) == (Delivery.Status.PENDING, Delivery.Status.SENT)
    assert DBTaskResult.objects.filter(task_path="members.tasks.deliver_update").count() == 1


def test_the_admin_front_page_says_which_updates_are_waiting(staff_client):
    UpdateFactory(status=Update.Status.DRAFT, publish_at=None)
    UpdateFactory()  # published
    SessionFactory()  # held, nothing written from it yet
    page = staff_client.get(reverse("admin:index")).content.decode()
    assert "Member updates: what is waiting" in page
    assert re.search(r"Drafts not yet published</a></th><td>1</td>", page)
    assert re.search(r"Held sessions with no update yet</a></th><td>1</td>", page)


def test_the_deliveries_update_filter_offers_the_latest_emailed_updates_in_constant_queries(
    staff_client, django_assert_max_num_queries
):
    member = member_account("a@example.org")
    updates = [UpdateFactory(title=f"Update number {n:02}") for n in range(25)]
    for update in updates:
        Delivery.objects.create(update=update, user=member, email=member.email)
    UpdateFactory(title="Never emailed")
    url = reverse("admin:members_delivery_changelist")
    with django_assert_max_num_queries(15):
        page = staff_client.get(url).content.decode()
    filters = page[page.index('id="changelist-filter"') :]
    filters = filters[: filters.index("</nav>")]
    assert len(re.findall(r"Update number \d\d", filters)) == 20  # the latest, not all 25
    assert "Never emailed" not in filters

    oldest = min(updates, key=lambda update: (update.publish_at, update.pk))
    page = staff_client.get(url, {"update": oldest.pk}).content.decode()
    assert "1 delivery" in page and oldest.title in page  # an older one can still be picked

    assert staff_client.get(url, {"update": "x"}).status_code == 302  # Django's "?e=1" page


def test_the_update_list_search_finds_words_of_the_title_summary_and_text(staff_client):
    by_title = UpdateFactory(title="Telework stipend")
    by_summary = UpdateFactory(summary="Parking at the downtown garage")
    by_body = UpdateFactory(body="The County agreed to report-writing training.")
    UpdateFactory(title="Something else")
    url = reverse("admin:members_update_changelist")

    def found(words: str) -> set:
        return set(staff_client.get(url, {"q": words}).context["cl"].result_list)

    assert found("telework") == {by_title}
    assert found("garage") == {by_summary}
    assert found("report-writing") == {by_body}
    edited = Update.objects.get(pk=by_body.pk)
    edited.body = "Nothing about training now."
    edited.save()
    assert found("report-writing") == set()
