"""Recognising an uploaded file by its content (its first bytes), never by its name or declared type.
Used by case materials (PDF, JPEG, PNG) and event photos (JPEG, PNG)."""

from __future__ import annotations

# (leading bytes, content type, file extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
HEAD_BYTES = max(len(magic) for magic, _, _ in SIGNATURES)


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) that a file's first bytes prove, or None."""
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None
