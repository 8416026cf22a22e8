"""The reports' addresses, mounted once at /admin/reports/ (upe_confer/urls.py)."""

from django.urls import path

from upe_confer.admin_site import admin_page

from . import views

app_name = "reports"
report = admin_page("confer.run_reports")


urlpatterns = [
    path("", report(views.report_index), name="index"),
    path("scorecard/", report(views.scorecard), name="scorecard"),
    path("scorecard/print/", report(views.scorecard_print), name="scorecard_print"),
    path("scorecard/csv/", report(views.scorecard_csv), name="scorecard_csv"),
    path("topics/", report(views.topic_list), name="topics"),
    path("topics/<int:pk>/", report(views.topic_history), name="topic"),
    path("topics/<int:pk>/print/", report(views.topic_history_print), name="topic_print"),
    path("topics/<int:pk>/csv/", report(views.topic_history_csv), name="topic_csv"),
    # Open, overdue, due soon, awaiting a trigger: queries.REPORTS, by slug.
    path("<slug:slug>/", report(views.commitment_report), name="commitments"),
    path("<slug:slug>/print/", report(views.commitment_report_print), name="commitments_print"),
    path("<slug:slug>/csv/", report(views.commitment_report_csv), name="commitments_csv"),
]
