"""Factories with minimal defaults: a test sets every field it depends on."""

import datetime

import factory
from django.contrib.auth import get_user_model

from members.models import Update
from sessions.models import (
    Advocate,
    AgendaItem,
    Attendance,
    BargainingUnit,
    Commitment,
    Party,
    Position,
    Session,
    Topic,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class BargainingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BargainingUnit
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{n + 100:03d}")
    name = factory.LazyAttribute(lambda unit: f"Bargaining Unit {unit.code}")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session
        skip_postgeneration_save = True

    date = datetime.date(2024, 3, 1)
    status = Session.Status.HELD

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create:
            self.units.set(extracted if extracted is not None else [BargainingUnitFactory()])


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    session = factory.SubFactory(SessionFactory)
    topic = factory.SubFactory(TopicFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Agenda item {n}")


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    agenda_item = factory.SubFactory(AgendaItemFactory)
    order = factory.Sequence(lambda n: n + 1)
    party = Party.COUNTY
    statement = "The County proposed something."


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    agenda_item = factory.SubFactory(AgendaItemFactory)
    order = factory.Sequence(lambda n: n + 1)
    party = Party.COUNTY
    description = "Do what was promised."
    due_date = datetime.date(2024, 4, 1)


class AdvocateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Advocate

    name = factory.Sequence(lambda n: f"Advocate {n}")
    unit = factory.SubFactory(BargainingUnitFactory)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(SessionFactory)
    advocate = factory.SubFactory(AdvocateFactory)


class UpdateFactory(factory.django.DjangoModelFactory):
    """A published public update unless the test says otherwise."""

    class Meta:
        model = Update
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Update {n}")
    slug = factory.Sequence(lambda n: f"update-{n}")
    body = "What happened at the table."
    status = Update.Status.PUBLISHED
    visibility = Update.Visibility.PUBLIC
    publish_at = datetime.datetime(2024, 3, 2, 12, 0, tzinfo=datetime.UTC)

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create and extracted:
            self.units.set(extracted)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


def member_account(email: str, units=None, email_updates: bool = True):
    """A member (the Member group) with an email; `units` chooses their update units (default:
    no choice made, i.e. every unit)."""
    from members.operations import create_member_account, set_subscription

    user = create_member_account(email)
    if units is not None or not email_updates:
        set_subscription(user, email_updates, all_units=units is None, units=units or [])
    return user


def pdf_upload(name: str = "proposal.pdf", text: str = "The County's proposal"):
    """A small valid PDF as a browser would upload it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from members.demo import pdf_with_text

    return SimpleUploadedFile(name, pdf_with_text([text]), "application/pdf")


def attach(
    session, name: str = "proposal.pdf", text: str = "The County's proposal", by=None, **kwargs
):
    """A document attached through the operation the pages use."""
    from sessions import operations
    from sessions.documents import check_upload

    checked = check_upload(pdf_upload(name, text))
    new = operations.NewDocument(checked=checked, **kwargs)
    return operations.attach_documents(session, [new], by=by)[0]
