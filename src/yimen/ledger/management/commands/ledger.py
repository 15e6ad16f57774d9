"""`yimen ledger ...`: sign checkpoints and verify the log.

    yimen ledger checkpoint                       sign the current tree head and print the signed note
    yimen ledger public-key                       print the verifier keys to publish
    yimen ledger verify --checkpoint cp.txt       signature of a saved checkpoint (with the published key)
    yimen ledger verify --checkpoint new.txt --against old.txt      consistency: old is a prefix of new
    yimen ledger verify --entry 41                inclusion of stored entry 41 in the latest checkpoint
    yimen ledger verify --bundle receipt.json     a receipt's bundle, offline
    yimen ledger verify --audit                   recompute the whole tree: finds an edited entry by index
    yimen ledger tiles [--full]                   fill the local proof tiles up to the last complete one

Verification uses the local published key unless `--key` gives one (a key string or a file holding it).
Any failed check prints why and exits with status 1.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from yimen.common.errors import DomainError
from yimen.ledger import auditor, bundle, keys, merkle, note, selectors, services


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"无法读取文件 {path} (cannot read: {exc.strerror})") from exc


class Command(BaseCommand):
    help = (
        "防篡改留痕账本：签名检查点、验证签名/一致性/包含性、全量审计 (sign checkpoints, verify the ledger)"
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("checkpoint", help="签名并打印当前检查点 (sign and print the current checkpoint)")
        sub.add_parser("public-key", help="打印公钥 (print the verifier keys)")
        fill = sub.add_parser("tiles", help="补齐本地证明瓦片 (fill the local proof tiles)")
        fill.add_argument("--full", action="store_true", help="检查全部瓦片 (check every tile again)")
        verify = sub.add_parser("verify", help="验证账本 (verify the ledger)")
        verify.add_argument("--key", help="日志公钥字符串或文件 (log verifier key, or a file holding it)")
        verify.add_argument("--witness-key", action="append", default=[], help="见证方公钥 (witness key)")
        verify.add_argument(
            "--checkpoint", metavar="FILE", help="已保存的签名检查点 (a saved signed checkpoint)"
        )
        verify.add_argument(
            "--against", metavar="OLD_CHECKPOINT_FILE", help="与旧检查点的一致性 (consistency)"
        )
        verify.add_argument(
            "--entry", type=int, metavar="INDEX", help="某条记录的包含性 (inclusion of an entry)"
        )
        verify.add_argument("--bundle", metavar="FILE.json", help="回执中的验证包 (a receipt's bundle)")
        verify.add_argument("--audit", action="store_true", help="重算整棵树 (recompute the whole tree)")
        verify.add_argument("--batch-size", type=int, default=5000, help="审计批大小 (audit batch size)")

    def handle(self, *args, action: str, **options) -> None:
        try:
            if action == "checkpoint":
                self.stdout.write(services.checkpoint_sign().note(), ending="")
            elif action == "public-key":
                self.stdout.write("\n".join(selectors.public_keys()))
            elif action == "tiles":
                written, complete = services.tiles_fill(full=options["full"])
                self.stdout.write(
                    f"写入瓦片 {written} 个，共 {complete} 个完整瓦片 ({written} written, {complete} complete)"
                )
            else:
                self._verify(**options)
        except DomainError as exc:
            raise CommandError(exc.message, returncode=1) from exc

    # --- verify ------------------------------------------------------------------------------------

    def _verify(
        self, *, key, witness_key, checkpoint, against, entry, bundle, audit, batch_size, **_
    ) -> None:
        if not any((checkpoint, against, entry is not None, bundle, audit)):
            raise CommandError(
                "请指定 --checkpoint/--against/--entry/--bundle/--audit 之一 (nothing to verify)"
            )
        log = self._log_verifier(key)
        witnesses = tuple(note.Verifier.from_vkey(v) for v in witness_key)
        if keys.witness_enabled() and not witnesses:
            witnesses = (note.Verifier.from_vkey(keys.witness_signer().vkey()),)
        current, current_note = None, ""
        if checkpoint:
            current_note = _read(checkpoint)
            current = self._open(current_note, log, witnesses, checkpoint)
        if against:
            if current is None:
                latest = selectors.checkpoint_latest() or services.checkpoint_sign()
                current = self._open(latest.note(), log, witnesses, "latest")
            self._consistency(self._open(_read(against), log, witnesses, against), current)
        if entry is not None:
            self._inclusion(entry, current_note, log, witnesses)
        if bundle:
            self._bundle(bundle, log, witnesses)
        if audit:
            self._audit(batch_size)

    def _log_verifier(self, key: str | None) -> note.Verifier:
        if not key:
            return keys.log_verifier()
        text = _read(key).strip() if Path(key).is_file() else key
        try:
            return note.Verifier.from_vkey(text)
        except note.NoteError as exc:
            raise CommandError(f"公钥无效 (bad --key: {exc})") from exc

    def _open(self, signed: str, log, witnesses, label: str) -> note.Checkpoint:
        try:
            cp, opened = note.checkpoint_open(signed, log, witnesses=witnesses)
        except note.NoteError as exc:
            raise CommandError(
                f"✗ 检查点签名验证失败 {label} (checkpoint signature: {exc})", returncode=1
            ) from exc
        by = ", ".join(opened.verified_by)
        self.stdout.write(f"✓ 检查点签名有效 {label}: size {cp.size}, signed by {by}")
        return cp

    def _consistency(self, old: note.Checkpoint, new: note.Checkpoint) -> None:
        try:
            proof = selectors.consistency_proof(size1=old.size, size2=new.size) if old.size else []
            merkle.verify_consistency(
                size1=old.size, size2=new.size, root1=old.root, root2=new.root, proof=proof
            )
        except (merkle.ProofError, DomainError) as exc:
            msg = exc.message if isinstance(exc, DomainError) else str(exc)
            raise CommandError(
                f"✗ 一致性验证失败 {old.size} -> {new.size} (consistency: {msg})", returncode=1
            ) from exc
        self.stdout.write(f"✓ 一致性已验证 (consistent): {old.size} -> {new.size}")

    def _inclusion(self, index: int, signed: str, log, witnesses) -> None:
        """Entry `index` from the database, proved against the given checkpoint or the latest signed one."""
        if not signed:
            data = selectors.inclusion_bundle(index)
        else:
            size = note.checkpoint_parse(note.note_parse(signed).text).size
            view = selectors.entry_view(selectors.entry_get(index=index))
            proof = selectors.inclusion_proof(index=index, tree_size=size)
            data = {
                "format": bundle.FORMAT,
                "index": index,
                "entry": view["entry"],
                "tree_size": size,
                "proof": [selectors.b64(h) for h in proof],
                "checkpoint": signed,
            }
        self._check_bundle(data, log, witnesses, f"entry {index}")

    def _bundle(self, path: str, log, witnesses) -> None:
        try:
            data = json.loads(_read(path))
        except json.JSONDecodeError as exc:
            raise CommandError(f"✗ 验证包不是 JSON (bundle is not JSON: {exc})", returncode=1) from exc
        self._check_bundle(data, log, witnesses, path)

    def _check_bundle(self, data, log, witnesses, label: str) -> None:
        try:
            result = bundle.bundle_verify(data, log, witnesses=witnesses)
        except ValueError as exc:
            raise CommandError(f"✗ 包含性验证失败 {label} (inclusion: {exc})", returncode=1) from exc
        self.stdout.write(
            f"✓ 记录已包含在签名检查点中 (included): entry {result.index} in tree {result.tree_size}, "
            f"{result.entry['kind']} {result.entry['subject']}, signed by {', '.join(result.verified_by)}"
        )

    def _audit(self, batch_size: int) -> None:
        size = selectors.log_size()
        columns = (TextColumn("审计 audit"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        console = Console(stderr=True)
        with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
            task = progress.add_task("audit", total=size)
            report = auditor.tree_audit(batch_size=batch_size, progress=lambda n: progress.advance(task, n))
        if not report.ok:
            where = f" at index {report.first_bad_index}" if report.first_bad_index is not None else ""
            raise CommandError(f"✗ 审计发现篡改{where}: {report.problem}", returncode=1)
        self.stdout.write(
            f"✓ 审计通过 (audit passed): {report.checked} entries, {report.checkpoints} signed checkpoints match"
        )
