"""Text message providers behind one interface, chosen by the setting YIMEN_SMS_PROVIDER.

    provider = providers.sms_provider()
    result = provider.send("13800138000", "【禅城政务】您好……")   # ProviderResult(ok, provider_ref, error, retryable)

`file` appends one JSON line per message to YIMEN_SMS_OUTBOX (the demo's gateway: the text a phone
would receive); `console` writes it to the log with the number masked; `failing` fails each message a
set number of times (YIMEN_SMS_FAIL_TIMES, default 2) before it succeeds, for tests of the retries.
A real gateway (a carrier's or a cloud SMS API) is a class with `send` and, for throughput, `send_many`,
named by its dotted path. An invalid number is a permanent failure; a gateway error a retryable one.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

from yimen.common.masking import mask_phone

logger = logging.getLogger(__name__)

MOBILE = re.compile(r"1[3-9][0-9]{9}")


@dataclass(frozen=True)
class ProviderResult:
    ok: bool
    provider_ref: str = ""
    error: str = ""
    retryable: bool = False


class SmsProvider:
    """The interface. Subclasses implement `send`; `send_many` may batch (one call per message here)."""

    name = "sms"

    def send(self, phone: str, text: str) -> ProviderResult:
        raise NotImplementedError

    def send_many(self, messages: Sequence[tuple[str, str]]) -> list[ProviderResult]:
        return [self.send(phone, text) for phone, text in messages]


def _invalid(phone: str) -> ProviderResult | None:
    if not MOBILE.fullmatch(phone or ""):
        return ProviderResult(ok=False, error="号码不是有效的手机号码 (not a mainland mobile number)")
    return None


def _ref() -> str:
    return uuid.uuid4().hex[:20]


class FileSmsProvider(SmsProvider):
    """Appends JSON lines {"ref", "at", "phone", "text"} to a file; one write per batch."""

    name = "file"

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path or settings.YIMEN_SMS_OUTBOX)
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> ProviderResult:
        return self.send_many([(phone, text)])[0]

    def send_many(self, messages: Sequence[tuple[str, str]]) -> list[ProviderResult]:
        results: list[ProviderResult] = []
        lines: list[str] = []
        at = timezone.now().isoformat()
        for phone, text in messages:
            bad = _invalid(phone)
            if bad:
                results.append(bad)
                continue
            ref = _ref()
            lines.append(json.dumps({"ref": ref, "at": at, "phone": phone, "text": text}, ensure_ascii=False))
            results.append(ProviderResult(ok=True, provider_ref=ref))
        if lines:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self._lock, self.path.open("a", encoding="utf-8") as out:
                    out.write("\n".join(lines) + "\n")
            except OSError as exc:
                error = f"短信发件箱无法写入 ({exc.__class__.__name__})"
                return [
                    r if not r.ok else ProviderResult(ok=False, error=error, retryable=True) for r in results
                ]
        return results


class ConsoleSmsProvider(SmsProvider):
    """Logs each message (number masked); nothing leaves the machine."""

    name = "console"

    def send(self, phone: str, text: str) -> ProviderResult:
        bad = _invalid(phone)
        if bad:
            return bad
        ref = _ref()
        logger.info("SMS %s to %s: %s", ref, mask_phone(phone), text)
        return ProviderResult(ok=True, provider_ref=ref)


class FailingSmsProvider(SmsProvider):
    """Fails every message `fail_times` times (a retryable gateway error), then delivers it to `inner`."""

    name = "failing"

    def __init__(self, fail_times: int | None = None, inner: SmsProvider | None = None):
        self.fail_times = int(
            getattr(settings, "YIMEN_SMS_FAIL_TIMES", 2) if fail_times is None else fail_times
        )
        self.inner = inner or FileSmsProvider()
        self.calls: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> ProviderResult:
        with self._lock:
            seen = self.calls.get((phone, text), 0)
            self.calls[(phone, text)] = seen + 1
        if seen < self.fail_times:
            return ProviderResult(ok=False, error="短信网关暂时不可用 (gateway unavailable)", retryable=True)
        return self.inner.send(phone, text)


PROVIDERS: dict[str, type[SmsProvider]] = {
    "file": FileSmsProvider,
    "console": ConsoleSmsProvider,
    "failing": FailingSmsProvider,
}

_cache: dict[tuple, SmsProvider] = {}
_cache_lock = threading.Lock()


def sms_provider() -> SmsProvider:
    """The configured provider; one instance per configuration, so a provider may keep state."""
    name = settings.YIMEN_SMS_PROVIDER
    key = (name, str(settings.YIMEN_SMS_OUTBOX), getattr(settings, "YIMEN_SMS_FAIL_TIMES", None))
    with _cache_lock:
        provider = _cache.get(key)
        if provider is None:
            if name in PROVIDERS:
                cls = PROVIDERS[name]
            else:
                try:
                    cls = import_string(name)
                except ImportError as exc:
                    raise ImproperlyConfigured(
                        f"YIMEN_SMS_PROVIDER={name!r}: use one of {sorted(PROVIDERS)} or a dotted class path"
                    ) from exc
            provider = _cache[key] = cls()
        return provider


def providers_reset() -> None:
    """Forget the provider instances (tests: a failing provider's counts start again)."""
    with _cache_lock:
        _cache.clear()
