from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from shanzhi.core.services import api_token_create


class Command(BaseCommand):
    help = "API tokens: `token create USERNAME` prints a new token for Authorization: Bearer."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, action=None, username=None, name="", **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {username!r}")
        self.stdout.write(api_token_create(user=user, name=name))
