"""知识库 search for the staff who answer callers: a fragment the registration page loads."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shanzhi.knowledge import selectors
from shanzhi.org.access import Actor
from shanzhi.org.choices import SCOPED_ROLES


@login_required
@require_GET
def search(request):
    """/knowledge/search/?q=…: the entries valid today that match, with their answers."""
    if not Actor.of(request.user).has_role(SCOPED_ROLES):
        raise PermissionDenied
    text = (request.GET.get("q") or "")[:100]
    return render(
        request,
        "knowledge/_results.html",
        {"q": text, "entries": selectors.entries_search(text)},
    )
