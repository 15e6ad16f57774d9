"""The benchmark floor: an authenticated POST through the same middleware (session, CSRF, auth) that
inserts one row and answers a small JSON body. Only routed by `yimen.config.bench_urls`."""

from django.http import HttpResponseNotAllowed, JsonResponse

from yimen.benchfloor.models import FloorRow


def floor(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return JsonResponse({"code": "not_authenticated"}, status=403)
    row = FloorRow.objects.create(note=request.headers.get("Idempotency-Key", "")[:64])
    return JsonResponse({"id": row.pk}, status=201)
