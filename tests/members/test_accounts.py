import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import MemberAccount
from members.operations import create_member_account
from upe_confer.roles import Role

pytestmark = pytest.mark.django_db

User = get_user_model()
IMPORT_URL = "admin:members_memberaccount_import"


def roster(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("roster.csv", text.encode(), content_type="text/csv")


def test_staff_create_a_member_account_in_the_admin(staff_client):
    response = staff_client.post(
        reverse("admin:members_memberaccount_add"),
        {"email": "ann@example.org", "first_name": "Ann", "last_name": "Lee"},
    )
    assert response.status_code == 302, response.text
    user = User.objects.get(email="ann@example.org")
    assert user.username == "ann@example.org"
    assert user.groups.filter(name=Role.MEMBER).exists()
    assert not user.is_staff and not user.is_superuser
    assert user.has_usable_password()  # random: the member sets their own by email


def test_duplicate_member_email_is_refused_with_a_message(staff_client):
    create_member_account("ann@example.org")
    response = staff_client.post(
        reverse("admin:members_memberaccount_add"),
        {"email": "ANN@example.org", "first_name": "", "last_name": ""},
    )
    assert response.status_code == 200
    assert "An account with this email already exists." in response.text


def test_roster_import_creates_every_member(staff_client):
    response = staff_client.post(
        reverse(IMPORT_URL),
        {
            "roster": roster(
                "email,first_name,last_name\na@example.org,A,One\nb@example.org,B,Two\n"
            )
        },
    )
    assert response.status_code == 302
    assert set(MemberAccount.objects.values_list("email", flat=True)) == {
        "a@example.org",
        "b@example.org",
    }


def test_roster_import_is_all_or_nothing_and_reports_each_bad_row(staff_client):
    create_member_account("taken@example.org")
    text = (
        "email,first_name,last_name\n"
        "good@example.org,G,Ood\n"
        "not-an-email,N,O\n"
        "taken@example.org,T,Aken\n"
        "twice@example.org,T,W\n"
        "twice@example.org,T,W\n"
    )
    response = staff_client.post(reverse(IMPORT_URL), {"roster": roster(text)})
    assert response.status_code == 200
    assert "Nothing was imported" in response.text
    assert "Line 3: “not-an-email” is not an email address." in response.text
    assert "Line 4: an account for taken@example.org already exists." in response.text
    assert "Line 6: twice@example.org appears more than once in the file." in response.text
    assert not User.objects.filter(email="good@example.org").exists()


def test_roster_without_the_right_columns_is_refused(staff_client):
    response = staff_client.post(reverse(IMPORT_URL), {"roster": roster("name\nAnn\n")})
    assert "missing: email, first_name, last_name" in response.text


def test_member_account_list_shows_members_only(staff_client, communications):
    create_member_account("ann@example.org")
    response = staff_client.get(reverse("admin:members_memberaccount_changelist"))
    assert "ann@example.org" in response.text
    assert communications.username not in response.text


def test_business_agents_cannot_import_members(client, business_agent):
    business_agent.is_staff = True
    business_agent.save()
    client.force_login(business_agent)
    response = client.post(reverse(IMPORT_URL), {"roster": roster("email\nx@example.org\n")})
    assert response.status_code == 403
    assert not User.objects.filter(email="x@example.org").exists()


def test_member_resets_password_by_email_and_signs_in(client, roles):
    member = create_member_account("ann@example.org", "Ann")
    response = client.post(reverse("password_reset"), {"email": "ann@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ann@example.org"]
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.text
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"},
    )
    assert done.status_code == 302
    signed_in = client.post(
        reverse("login"), {"username": member.username, "password": "a long new passphrase"}
    )
    assert signed_in.status_code == 302 and signed_in.wsgi_request.user == member


def reset_answer(email: str):
    """The view's answer, before the server has sent it (and closed it)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    from members.views import PasswordResetView

    request = RequestFactory().post(reverse("password_reset"), {"email": email})
    request.session = SessionStore()
    request._dont_enforce_csrf_checks = True
    return PasswordResetView.as_view()(request)


def test_the_reset_mail_goes_out_only_after_the_answer(roles):
    create_member_account("ann@example.org", "Ann")
    answer = reset_answer("ann@example.org")
    assert answer.status_code == 302 and mail.outbox == []  # the visitor is answered first
    answer.close()  # what the WSGI server does once the response is sent
    assert [message.to for message in mail.outbox] == [["ann@example.org"]]


def test_known_and_unknown_addresses_get_the_same_answer(roles):
    create_member_account("ann@example.org", "Ann")
    known, unknown = reset_answer("ann@example.org"), reset_answer("nobody@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known.content == unknown.content
    unknown.close()
    assert mail.outbox == []


def test_signed_in_member_reads_members_only_updates(client, roles):
    from tests.factories import UpdateFactory

    update = UpdateFactory(visibility="members", title="For members zebra")
    create_member_account("ann@example.org")
    user = User.objects.get(email="ann@example.org")
    user.set_password("a long new passphrase")
    user.save()
    response = client.post(
        reverse("login"),
        {"username": "ann@example.org", "password": "a long new passphrase"},
    )
    assert response.status_code == 302
    assert "For members zebra" in client.get(update.get_absolute_url()).text
