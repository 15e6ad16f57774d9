from django.conf import settings


def district(request) -> dict:
    return {"district_name": settings.YIMEN_DISTRICT_NAME}
