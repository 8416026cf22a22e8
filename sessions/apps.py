from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # "sessions" is taken by django.contrib.sessions; the label names our tables and permissions.
    label = "confer"
    verbose_name = "Meet and confer record"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the receivers)
        from .reports import queries

        queries.RECORD_COUNTS.watch(*queries.COUNTED)
