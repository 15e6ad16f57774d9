from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "yimen.places"
    label = "places"
    verbose_name = "区划与网格"
