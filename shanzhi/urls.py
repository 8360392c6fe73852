from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from shanzhi.api import api
from shanzhi.interop import delivery_views, hotline_views
from shanzhi.knowledge import views as knowledge_views
from shanzhi.org import views as org_views
from shanzhi.web import views as web_views
from shanzhi.web.forms import LoginForm

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("metrics", web_views.metrics, name="metrics"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("territory/", org_views.territory_map, name="territory-map"),
    path("territory/grids/<str:code>/", org_views.grid_page, name="grid-page"),
    path("knowledge/search/", knowledge_views.search, name="knowledge-search"),
    path(
        "territory/grids/<str:code>/households/<int:household_id>/visit/",
        org_views.household_visit,
        name="household-visit",
    ),
    path("", include("shanzhi.workorders.urls")),
    path("", include("shanzhi.command.urls")),
    path("", include("shanzhi.mediation.urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("shanzhi.interop.urls")),
    path("deliveries/", delivery_views.delivery_list, name="delivery-list"),
    path("hotline/", hotline_views.hotline_list, name="hotline-list"),
    re_path(
        r"^deliveries/(?P<delivery_id>[0-9]{1,18})/retry/$",
        delivery_views.delivery_retry,
        name="delivery-retry",
    ),
    path("admin/", admin.site.urls),
]

# A database outage is 503 with Retry-After, not a 500 (pages, Open311; the API answers itself).
handler500 = "shanzhi.web.views.server_error"

admin.site.site_header = "善治 · 系统管理"
admin.site.site_title = "善治"
admin.site.index_title = "配置与数据"
# Django's own home page, with the working-day calendar's gaps on top (web/templates/admin).
admin.site.index_template = "admin/shanzhi_index.html"
