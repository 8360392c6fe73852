from django.db import models
from django.utils.translation import gettext_lazy as _


class Entry(models.Model):
    """An answer the hotline gives to a common question (答复口径), valid for a period: the
    operator finds it while the caller is on the line and may answer from it (直办)."""

    question = models.CharField(_("问题"), max_length=200)
    answer = models.TextField(_("答复口径"), max_length=4000)
    category = models.CharField(_("分类"), max_length=50, blank=True)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(
        _("失效日期"), null=True, blank=True, help_text=_("含当天；留空为长期有效")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("知识库条目")
        verbose_name_plural = _("知识库条目")
        ordering = ["category", "question"]

    def __str__(self):
        return self.question
