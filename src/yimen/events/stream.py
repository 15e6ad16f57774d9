"""The department inbox's server-sent event stream: a plain Django streaming response.

The browser opens it once with EventSource (no polling); each dispatch to the department arrives as
one `event: dispatched` message whose data is the rendered inbox row. The stream ends after
`YIMEN_EVENTS_STREAM_SECONDS` and the browser reconnects with Last-Event-ID, so nothing is missed.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.http import StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from yimen.events import live, selectors

KEEPALIVE_SECONDS = 15.0
# A dispatch whose history id was taken before another's but whose transaction committed after it is
# still streamed if it commits within this many seconds of being written (rows are sent once each; the
# page replaces a row it already shows).
LOOKBACK_SECONDS = 10.0


def _cursor(request) -> int:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or ""
    try:
        return max(int(raw), 0)
    except ValueError:
        return selectors.last_history_id()


def inbox_response(request) -> StreamingHttpResponse:
    department_id = request.user.department_id
    after = _cursor(request)
    lifetime = float(getattr(settings, "YIMEN_EVENTS_STREAM_SECONDS", 300))

    live.listener_ensure()  # dispatches committed in other worker processes wake this stream at once

    def messages():
        nonlocal after
        started = last_sent = time.monotonic()
        seen = live.generation()
        sent: dict[int, float] = {}  # ids streamed within the look-back window, and when
        yield "retry: 1000\n\n"
        try:
            while time.monotonic() - started < lifetime:
                now = time.monotonic()
                since = timezone.now() - dt.timedelta(seconds=LOOKBACK_SECONDS)
                # The look-back window holds every dispatch of the last seconds (hundreds on a busy
                # day): read their ids only, and the rows themselves only for what was not sent yet.
                window = selectors.inbox_dispatches_since(department_id, after, since)
                new = [pk for pk in window.values_list("id", flat=True) if pk not in sent]
                rows = list(window.filter(id__in=new)) if new else []
                for pk in [pk for pk, at in sent.items() if now - at > 2 * LOOKBACK_SECONDS]:
                    del sent[pk]
                for row in rows:
                    sent[row.pk] = now
                    after = max(after, row.pk)
                    html = render_to_string("events/_inbox_row.html", {"e": row.event, "live": True})
                    data = "\n".join(f"data: {line}" for line in html.strip().splitlines())
                    yield f"id: {row.pk}\nevent: dispatched\n{data}\n\n"
                    last_sent = time.monotonic()
                if time.monotonic() - last_sent > KEEPALIVE_SECONDS:
                    yield ": keep-alive\n\n"
                    last_sent = time.monotonic()
                seen = live.wait(seen)
        except GeneratorExit:  # the browser went away
            return

    response = StreamingHttpResponse(messages(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
