import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shanzhi.core.admin_mixins import ReadOnlyAdmin, ServiceAdmin
from shanzhi.territory.models import Grid, Region, RegionOutline
from shanzhi.territory.services import (
    FeatureImportError,
    grids_import,
    grids_validate,
    region_save,
)


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "lon", "lat"]


@admin.register(Region)
class RegionAdmin(ServiceAdmin):
    """Townships and villages are entered here; level and parent follow from the code, and
    `region_save` refuses a code without its parent region."""

    form = RegionForm
    list_display = ["code", "name", "level", "parent", "lon", "lat"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def save_model(self, request, obj, form, change):
        region_save(actor=request.user, code=obj.code, name=obj.name, lon=obj.lon, lat=obj.lat)

    def has_delete_permission(self, request, obj=None):
        return False  # regions are referenced by everything; rename instead


@admin.register(RegionOutline)
class RegionOutlineAdmin(ReadOnlyAdmin):
    """Outlines come from `shanzhi manage load_outlines` (a package or a surveying office's file,
    docs/territory.md): shown here so that the administrator sees what each map draws and from
    where."""

    list_display = ["region", "source", "updated_at"]
    list_filter = ["region__level", "source"]
    search_fields = ["region__code", "region__name"]
    list_select_related = ["region"]
    exclude = ["geometry"]


class GridForm(forms.ModelForm):
    geometry = forms.CharField(
        label=_("边界 (GeoJSON)"), widget=forms.Textarea(attrs={"rows": 8, "cols": 80})
    )

    class Meta:
        model = Grid
        fields = ["code", "name", "geometry"]

    def clean_geometry(self):
        try:
            return json.loads(self.cleaned_data["geometry"])
        except json.JSONDecodeError as error:
            raise ValidationError(_("GeoJSON 格式错误：%(msg)s") % {"msg": error.msg}) from None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        code = self.instance.code if self.instance.pk else data.get("code")
        self.feature = {
            "type": "Feature",
            "properties": {"code": code, "name": data.get("name")},
            "geometry": data.get("geometry"),
        }
        return data


@admin.register(Grid)
class GridAdmin(ServiceAdmin):
    """Saving runs the same checks as `import_grids` (geometry, village, overlaps)."""

    form = GridForm
    list_display = ["code", "name", "village", "updated_at"]
    search_fields = ["code", "name", "village__name"]
    list_select_related = ["village"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class Checked(form_class):
            def clean(self):
                data = super().clean()
                if not self.errors:
                    try:
                        grids_validate(features=[self.feature])
                    except FeatureImportError as error:
                        raise ValidationError([p.message for p in error.problems]) from None
                return data

        return Checked

    def save_model(self, request, obj, form, change):
        grids_import(actor=request.user, features=[form.feature])

    def has_delete_permission(self, request, obj=None):
        return False  # households and work orders point at grids: redraw instead
