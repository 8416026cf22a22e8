from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class UpeConferConfig(AppConfig):
    """The project's own basics: roles, backups and the local admin login (management commands)."""

    name = "upe_confer"
    verbose_name = "UPE Confer"


class ConferAdminConfig(AdminConfig):
    """Django's admin with our hardened site (upe_confer/admin_site.py) as `admin.site`."""

    default_site = "upe_confer.admin_site.ConferAdminSite"
