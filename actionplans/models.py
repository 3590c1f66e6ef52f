"""Priorities: what a Collaborative agrees to work on, each keeping where it came from.

Issue-scale note: the full action plan (versions, items, outcomes, strategic alignment) builds on this.
"""

from django.conf import settings
from django.db import models


class Priority(models.Model):
    collaborative = models.ForeignKey("collab.Collaborative", on_delete=models.PROTECT, related_name="priorities")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, max_length=5000)
    # Where it came from on a workshop board, kept so the plan can always show its origin.
    source_board = models.ForeignKey("collab.Board", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_card = models.ForeignKey("collab.Card", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_group = models.ForeignKey(
        "collab.CardGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "priorities"

    def __str__(self) -> str:
        return self.title
