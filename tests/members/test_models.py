import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from sessions.models import Attendance
from tests.factories import AdvocateFactory, AttendanceFactory, BargainingUnitFactory

pytestmark = pytest.mark.django_db


def test_one_advocate_attends_many_sessions():
    advocate = AdvocateFactory(name="Sarah Singleton")
    AttendanceFactory(advocate=advocate)
    AttendanceFactory(advocate=advocate)
    assert advocate.sessions.count() == 2


def test_an_advocate_is_listed_once_per_session():
    attendance = AttendanceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(session=attendance.session, advocate=attendance.advocate)
    with pytest.raises(ValidationError) as error:
        Attendance(session=attendance.session, advocate=attendance.advocate).full_clean()
    assert "already listed for this session" in str(error.value)


def test_advocate_who_attended_cannot_be_deleted():
    attendance = AttendanceFactory()
    with pytest.raises(ProtectedError):
        attendance.advocate.delete()


def test_unit_with_advocates_cannot_be_deleted():
    unit = BargainingUnitFactory(code="008")
    AdvocateFactory(unit=unit)
    with pytest.raises(ProtectedError):
        unit.delete()


def test_advocate_changes_are_kept_in_history():
    advocate = AdvocateFactory(classification="")
    advocate.classification = "Social Worker"
    advocate.save()
    assert advocate.history.count() == 2
