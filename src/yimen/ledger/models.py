"""The ledger's tables: entries, the Merkle tree's perfect-subtree hashes, the head, signed checkpoints.

Rows are only ever inserted, except `Head`, which one append at a time updates under a row lock. Nothing
here holds personal data: an entry is a reference and a digest (see `yimen.common.audit`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from yimen.ledger import canonical, merkle


class Entry(models.Model):
    """One append-only ledger entry; its leaf hash is SHA-256(0x00 || canonical bytes)."""

    index = models.BigIntegerField(_("序号"), primary_key=True)
    kind = models.CharField(_("类型"), max_length=64)
    subject = models.CharField(_("对象"), max_length=200)
    actor = models.CharField(_("操作者"), max_length=64)
    time = models.DateTimeField(_("时间"))
    digest = models.CharField(_("内容摘要"), max_length=128, blank=True)

    class Meta:
        db_table = "ledger_entry"
        ordering = ["index"]
        verbose_name = _("留痕记录")
        verbose_name_plural = _("留痕记录")
        indexes = [models.Index(fields=["subject", "-index"], name="ledger_entry_subject")]

    def __str__(self) -> str:
        return f"#{self.index} {self.kind} {self.subject}"

    def canonical(self) -> bytes:
        return canonical.entry_bytes(
            kind=self.kind, subject=self.subject, actor=self.actor, time=self.time, digest=self.digest
        )

    def leaf_hash(self) -> bytes:
        return merkle.leaf_hash(self.canonical())


class Node(models.Model):
    """The hash of a perfect subtree: level 0 are leaf hashes, (l, i) covers leaves [i*2^l, (i+1)*2^l)."""

    pk = models.CompositePrimaryKey("level", "index")
    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        db_table = "ledger_node"

    def __str__(self) -> str:
        return f"node ({self.level}, {self.index})"


class Head(models.Model):
    """The one row every append locks: tree size, right-border hashes (a `merkle.Frontier`) and root."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    frontier = models.BinaryField(default=b"")
    root = models.BinaryField(max_length=32, default=b"")  # empty while size is 0

    class Meta:
        db_table = "ledger_head"

    def __str__(self) -> str:
        return f"head at size {self.size}"


class Checkpoint(models.Model):
    """A signed tree head. The primary key on `size` is what keeps two roots from ever being signed at
    one size: a second signature at a size can only repeat the first root."""

    size = models.BigIntegerField(_("树大小"), primary_key=True)
    root = models.BinaryField(_("根哈希"), max_length=32)
    body = models.TextField(_("检查点正文"))
    signature = models.TextField(_("日志签名行"))
    created_at = models.DateTimeField(_("签名时间"), auto_now_add=True)

    class Meta:
        db_table = "ledger_checkpoint"
        ordering = ["-size"]
        verbose_name = _("签名检查点")
        verbose_name_plural = _("签名检查点")

    def __str__(self) -> str:
        return f"checkpoint {self.size}"

    def note(self) -> str:
        """The signed note: body, blank line, the log's signature, then witness cosignatures."""
        lines = [self.signature, *(c.line for c in self.cosignatures.order_by("created_at", "id"))]
        return self.body + "\n" + "".join(lines)


class Cosignature(models.Model):
    """A witness's cosignature line on a checkpoint, given after it verified consistency."""

    checkpoint = models.ForeignKey(Checkpoint, models.PROTECT, related_name="cosignatures")
    witness = models.CharField(_("见证方"), max_length=200)
    line = models.TextField(_("联署签名行"))
    created_at = models.DateTimeField(_("联署时间"), auto_now_add=True)

    class Meta:
        db_table = "ledger_cosignature"
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="ledger_one_cosignature")
        ]
        verbose_name = _("见证联署")
        verbose_name_plural = _("见证联署")

    def __str__(self) -> str:
        return f"{self.witness} on checkpoint {self.checkpoint_id}"
