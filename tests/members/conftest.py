import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from tests.factories import UserFactory
from upe_confer.roles import Role, setup_roles


@pytest.fixture
def roles(db):
    return setup_roles()


def user_with_role(roles, role: str, **fields):
    user = UserFactory(**fields)
    user.groups.add(roles[role])
    return user


@pytest.fixture
def member(roles):
    return user_with_role(roles, Role.MEMBER)


@pytest.fixture
def communications(roles):
    return user_with_role(roles, Role.COMMUNICATIONS)


@pytest.fixture
def staff_user(roles):
    return user_with_role(roles, Role.STAFF, is_staff=True)


@pytest.fixture
def business_agent(roles):
    return user_with_role(roles, Role.BUSINESS_AGENT)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def communications_client(client, communications):
    client.force_login(communications)
    return client


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def anonymous_client():
    """A second browser, signed out, next to a signed-in `client`."""
    from django.test import Client

    return Client()


class SmtpServer:
    """A real SMTP server on a free loopback port (aiosmtpd), keeping what it receives; it
    refuses any recipient whose address starts with "bounce"."""

    def __init__(self):
        with socket.socket() as probe:  # a free port (aiosmtpd checks it can connect to it)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.messages: list = []
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (
                envelope.rcpt_tos,
                email.message_from_bytes(envelope.content, policy=email.policy.SMTP),
            )
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


@pytest.fixture
def smtp_mailer(settings, smtp_server):
    """Django's SMTP backend pointed at `smtp_server`."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_server.port, "use_tls": False},
        }
    }
    return smtp_server
