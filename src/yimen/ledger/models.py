from django.db import models


class Entry(models.Model):
    """One append-only ledger entry (references and a digest only, never personal data)."""

    index = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=64)
    subject = models.CharField(max_length=128, db_index=True)
    actor = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["index"]
