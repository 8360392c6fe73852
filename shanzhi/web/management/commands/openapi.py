import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_PATH = Path(settings.BASE_DIR).parent / "docs" / "openapi.json"


def generate() -> str:
    from shanzhi.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Write docs/openapi.json, or with --check fail when it differs from the code."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")
        parser.add_argument("--path", default=str(DEFAULT_PATH))

    def handle(self, *args, check=False, path=None, **options):
        target = Path(path)
        text = generate()
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                raise CommandError(
                    f"{target} is out of date with the API: run `shanzhi manage openapi`"
                )
            self.stdout.write("openapi.json is up to date")
            return
        target.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {target}")
