from django.contrib import admin
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from sessions.admin import ExplainRefusedDeletionMixin

from .models import Advocate, Attendance


@admin.register(Advocate)
class AdvocateAdmin(ExplainRefusedDeletionMixin, SimpleHistoryAdmin):
    instead_of_deleting = "Untick “active” instead: the record keeps who attended."
    list_display = ["name", "unit", "classification", "active", "session_count"]
    list_filter = ["active", "unit"]
    list_select_related = ["unit"]
    search_fields = ["name", "classification", "unit__code"]
    autocomplete_fields = ["unit"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_count=Count("attendances"))

    @admin.display(description="sessions attended", ordering="session_count")
    def session_count(self, advocate: Advocate) -> int:
        return advocate.session_count


@admin.register(Attendance)
class AttendanceAdmin(SimpleHistoryAdmin):
    list_display = ["advocate", "session"]
    list_filter = ["advocate__unit"]
    list_select_related = ["advocate", "session"]
    search_fields = ["advocate__name"]
    autocomplete_fields = ["advocate", "session"]
