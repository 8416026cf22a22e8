from django.apps import AppConfig


class UpeConferConfig(AppConfig):
    """The project's own basics: roles, backups and the local admin login (management commands)."""

    name = "upe_confer"
    verbose_name = "UPE Confer"
