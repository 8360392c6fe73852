from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "shanzhi.org"
    label = "org"
    verbose_name = _("单位与人员")
