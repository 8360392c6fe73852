from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "shanzhi.territory"
    label = "territory"
    verbose_name = _("行政区划与网格")

    def ready(self):
        from shanzhi.core import labels

        labels.register(
            objects={"region": _("行政区划"), "grid": _("网格")},
            actions={
                "regions.load_national": _("导入全国行政区划"),
                "outlines.load": _("载入行政区划界线"),
            },
        )
