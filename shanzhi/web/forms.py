"""Forms of the web app's own pages."""

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Django's login form, with the username's length checked on the server: Django sets only
    the widget's maxlength, so a 5,000-character name reached authentication, and the failed
    login that django-axes records (a 255-character column) failed on PostgreSQL with a 500. A
    name longer than any account's is the usual wrong-login answer, without authenticating."""

    def clean(self):
        username = self.data.get("username") or ""
        limit = get_user_model()._meta.get_field("username").max_length or 150
        if len(username) > limit:
            raise self.get_invalid_login_error()
        return super().clean()
