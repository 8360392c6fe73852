import json
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shanzhi.territory.services import FeatureImportError, grids_import


def read_feature_collection(text: str) -> tuple[list, list[int | None]]:
    """The features of a GeoJSON FeatureCollection and the line each one starts on."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"第 {error.lineno} 行第 {error.colno} 列：JSON 格式错误 ({error.msg})"
        ) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise CommandError("文件必须是 GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise CommandError("FeatureCollection 缺少 features 数组")
    return features, _feature_lines(text, len(features))


def read_feature_file(file: str) -> tuple[list, list[int | None]]:
    """The features of a UTF-8 GeoJSON file and the line each one starts on."""
    path = Path(file)
    if not path.is_file():
        raise CommandError(f"文件不存在：{path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CommandError("文件不是 UTF-8 编码") from None
    return read_feature_collection(text)


def _feature_lines(text: str, count: int) -> list[int | None]:
    """Decode the features array element by element to learn where each starts."""
    match = re.search(r'"features"\s*:\s*\[', text)
    if match is None:
        return [None] * count
    decoder = json.JSONDecoder()
    position, lines = match.end(), []
    while len(lines) < count:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        try:
            _value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            return [None] * count
        lines.append(text.count("\n", 0, position) + 1)
        position = end
    return lines


class Command(BaseCommand):
    help = (
        "Import or update grids from a GeoJSON FeatureCollection whose features carry `code` "
        "(15 digits) and `name`. Nothing is imported if any feature is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--overlap-tolerance",
            type=float,
            default=None,
            help="allowed overlap as a share of the smaller grid "
            "(default: SHANZHI_GRID_OVERLAP_TOLERANCE, 0.01)",
        )

    def handle(self, *args, file=None, overlap_tolerance=None, **options):
        features, lines = read_feature_file(file)
        try:
            result = grids_import(
                actor="cli", features=features, lines=lines, overlap_tolerance=overlap_tolerance
            )
        except FeatureImportError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(error.problems)} 个要素有误，未导入任何网格。"
                f" ({len(error.problems)} invalid feature(s); nothing was imported.)"
            ) from None
        self.stdout.write(
            f"新增 {result.created}，更新 {result.updated}，未变 {result.unchanged} "
            f"(created {result.created}, updated {result.updated}, unchanged {result.unchanged})"
        )
