import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create (or reset) a superuser for local use and print its login. Never in production."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", help="Default: a new random password.")

    @transaction.atomic
    def handle(self, *args, username: str, password: str | None, **options) -> None:
        if not username.strip():
            raise CommandError("The username cannot be empty.")
        password = password or secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@localhost"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        verb = "Created" if created else "Reset"
        self.stdout.write(f"{verb} the local admin login: user {username!r}, password {password!r}")
