from django.core.management.base import BaseCommand

from upe_confer.roles import setup_roles


class Command(BaseCommand):
    help = "Create or refresh the role groups (Business agent, Communications, Staff, Member)."

    def handle(self, *args, **options) -> None:
        for role, group in setup_roles().items():
            self.stdout.write(f"{role}: {group.permissions.count()} permissions")
