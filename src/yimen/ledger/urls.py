from django.urls import path

from yimen.ledger import api, views

app_name = "ledger"
urlpatterns = [
    path("", views.staff_page, name="staff"),
    path("checkpoint", api.CheckpointApi.as_view(), name="checkpoint"),
    path("public-key", api.PublicKeyApi.as_view(), name="public-key"),
    path("entries/<int:index>", api.EntryApi.as_view(), name="entry"),
    path("proofs/inclusion", api.InclusionProofApi.as_view(), name="inclusion-proof"),
    path("proofs/consistency", api.ConsistencyProofApi.as_view(), name="consistency-proof"),
    path("tile/entries/<path:tile>", api.EntryTileApi.as_view(), name="entry-tile"),
    path("tile/<int:level>/<path:tile>", api.HashTileApi.as_view(), name="hash-tile"),
]
