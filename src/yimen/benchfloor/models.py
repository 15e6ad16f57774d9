from django.db import models


class FloorRow(models.Model):
    """One row per floor request: the cheapest write the stack can do (bench/case_submit.py)."""

    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"floor row {self.pk}"
