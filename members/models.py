"""People who speak for members at the table, and (later) what members read."""

from django.db import models
from simple_history.models import HistoricalRecords

from sessions.models import BargainingUnit, Session


class AdvocateQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Advocate(models.Model):
    """A member who speaks for the unit's members at meet-and-confer sessions."""

    name = models.CharField(max_length=200)
    unit = models.ForeignKey(BargainingUnit, on_delete=models.PROTECT, related_name="advocates")
    classification = models.CharField(
        max_length=200, blank=True, help_text="e.g. Social Worker, Clerical."
    )
    active = models.BooleanField(default=True)
    sessions = models.ManyToManyField(
        Session, through="Attendance", related_name="advocates", blank=True
    )

    history = HistoricalRecords()
    objects = AdvocateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "unit"],
                name="members_advocate_name_unit_unique",
                violation_error_message="This unit already has an advocate with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Attendance(models.Model):
    """An advocate present at a session."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    advocate = models.ForeignKey(Advocate, on_delete=models.PROTECT, related_name="attendances")

    history = HistoricalRecords()

    class Meta:
        ordering = ["session", "advocate__name"]
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "advocate"],
                name="members_attendance_once_per_session",
                violation_error_message="This advocate is already listed for this session.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.advocate} at {self.session}"
