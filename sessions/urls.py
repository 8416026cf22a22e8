from django.urls import path

from . import views

app_name = "sessions"

urlpatterns = [
    path("", views.agent_home, name="agent_home"),
    path("search/", views.record_search, name="record_search"),
    path("sessions/new/", views.session_form, name="session_new"),
    path("sessions/new/autosave/", views.session_autosave, name="session_autosave_new"),
    path("sessions/<int:pk>/autosave/", views.session_autosave, name="session_autosave"),
    path("drafts/<int:pk>/discard/", views.draft_discard, name="draft_discard"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_form, name="session_edit"),
    path("sessions/<int:pk>/held/", views.session_mark_held, name="session_mark_held"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/follow-up/", views.session_follow_up, name="session_follow_up"),
    path("sessions/<int:pk>/documents/", views.session_attach, name="session_attach"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
    path("documents/<int:pk>/delete/", views.document_delete, name="document_delete"),
    path("packets/", views.packet_page, name="packet"),
    path("packets/<int:pk>/download/", views.packet_download, name="packet_download"),
]
