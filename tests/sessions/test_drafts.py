"""Nothing typed is lost: the logging page's autosave keeps a draft private to its author,
resumable from their home and discarded when the session is saved."""

import datetime

import pytest
from django.urls import reverse

from sessions.models import Session, SessionDraft
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db
AUTOSAVE_NEW = reverse("sessions:session_autosave_new")
NEW_URL = reverse("sessions:session_new")
HOME = reverse("sessions:agent_home")


def typed(**fields) -> dict:
    return {
        "date": "2026-11-20",
        "location": "County Administration Building",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-title": "Caseload caps",
        "items-0-discussion": "The County said forty cases",
        **fields,
    }


def autosave(client, url=AUTOSAVE_NEW, **fields):
    return client.post(url, typed(**fields))


def test_autosave_keeps_one_draft_per_page_and_says_when(client, agent_008):
    client.force_login(agent_008)
    first = autosave(client)
    assert first.status_code == 200
    answer = first.json()
    assert answer["saved_at"] and answer["resume"] == f"{NEW_URL}?draft={answer['draft']}"
    again = autosave(client, draft=str(answer["draft"]), **{"items-0-title": "Caseload caps 2"})
    assert again.json()["draft"] == answer["draft"]
    draft = SessionDraft.objects.get()
    assert draft.author == agent_008 and draft.session is None
    assert draft.data["items-0-title"] == ["Caseload caps 2"]
    assert "csrfmiddlewaretoken" not in draft.data and "draft" not in draft.data


def test_the_draft_is_resumed_from_home_with_everything_typed(client, agent_008):
    client.force_login(agent_008)
    resume = autosave(client).json()["resume"]
    home = client.get(HOME).content.decode()
    assert "Unsaved drafts" in home and resume in home
    assert "New session of 2026-11-20: Caseload caps" in home
    page = client.get(resume)
    assert page.status_code == 200
    content = page.content.decode()
    assert "The County said forty cases" in content and "is back" in content
    assert f'name="draft" value="{resume.rsplit("=", 1)[1]}"' in content
    assert not page.context["errors"]  # shown as typed, not judged


def test_a_draft_is_never_shown_to_another_agent(client, agent_008, agent_005):
    client.force_login(agent_008)
    answer = autosave(client).json()
    client.force_login(agent_005)
    assert client.get(answer["resume"]).status_code == 404
    assert "Caseload caps" not in client.get(HOME).content.decode()
    discard = reverse("sessions:draft_discard", args=[answer["draft"]])
    assert client.post(discard).status_code == 404
    # Naming another's draft while autosaving makes a draft of one's own; theirs is untouched.
    mine = autosave(client, draft=str(answer["draft"]), **{"items-0-title": "Mine"}).json()
    assert mine["draft"] != answer["draft"]
    theirs = SessionDraft.objects.get(pk=answer["draft"])
    assert theirs.author == agent_008 and theirs.data["items-0-title"] == ["Caseload caps"]


def test_a_draft_of_a_session_is_only_for_those_who_may_edit_it(client, agent_008, unit_005):
    other_unit = SessionFactory(units=[unit_005])
    client.force_login(agent_008)
    url = reverse("sessions:session_autosave", args=[other_unit.pk])
    assert autosave(client, url=url).status_code == 404
    assert not SessionDraft.objects.exists()


def test_signed_out_and_members_get_an_answer_the_page_understands(client, member):
    response = autosave(client)
    assert response.status_code == 401 and "expired" in response.json()["error"]
    client.force_login(member)
    assert autosave(client).status_code == 403
    assert client.get(AUTOSAVE_NEW).status_code == 405
    assert not SessionDraft.objects.exists()


def test_saving_the_session_discards_its_draft(client, agent_008, unit_008):
    client.force_login(agent_008)
    answer = autosave(client).json()
    SessionDraft.objects.create(author=agent_008, data={"items-0-title": ["another page"]})
    data = typed(
        units=[str(unit_008.pk)],
        draft=str(answer["draft"]),
        **{
            "advocates-TOTAL_FORMS": "0",
            "advocates-INITIAL_FORMS": "0",
            "items-0-new_topic": "Caseloads",
            "items-0-positions-TOTAL_FORMS": "0",
            "items-0-positions-INITIAL_FORMS": "0",
            "items-0-commitments-TOTAL_FORMS": "0",
            "items-0-commitments-INITIAL_FORMS": "0",
            "action": "save",
        },
    )
    response = client.post(NEW_URL, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Session.objects.get().date == datetime.date(2026, 11, 20)
    assert list(SessionDraft.objects.values_list("data", flat=True)) == [
        {"items-0-title": ["another page"]}
    ]
    # The session's page tells this browser to forget its copy of the logging page.
    page = client.get(response.url).content.decode()
    assert f'data-saved-form="{NEW_URL}"' in page
    assert 'data-saved-form="' not in client.get(response.url).content.decode()


def test_discarding_a_draft_from_home(client, agent_008):
    client.force_login(agent_008)
    answer = autosave(client).json()
    response = client.post(reverse("sessions:draft_discard", args=[answer["draft"]]))
    assert response.status_code == 302 and response.url == HOME
    assert not SessionDraft.objects.exists()


@pytest.mark.parametrize("drafts", [1, 15])
def test_home_lists_drafts_in_a_constant_number_of_queries(
    client, agent_008, drafts, django_assert_max_num_queries
):
    session = SessionFactory(units=list(agent_008.assigned_units.all()))
    for n in range(drafts):
        SessionDraft.objects.create(author=agent_008, session=session if n % 2 else None)
    client.force_login(agent_008)
    with django_assert_max_num_queries(14):
        assert client.get(HOME).status_code == 200
