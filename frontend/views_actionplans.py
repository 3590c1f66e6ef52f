"""Pages of the action plan: for now, the Collaborative's priorities and where each came from."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from actionplans.selectors import priorities_of
from collab import selectors
from frontend.views import _collaborative_context, page


@page
def collaborative_priorities(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = selectors.collaborative_get(request.user, slug=slug)
    context = _collaborative_context(request, collaborative, "priorities")
    context["priorities"] = priorities_of(request.user, collaborative)
    return render(request, "frontend/actionplans/priorities.html", context)
