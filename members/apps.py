from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members and updates"

    def ready(self) -> None:
        from . import freshness

        freshness.MEMBER_PAGES.watch(*freshness.AROUND)
