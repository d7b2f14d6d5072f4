from django.apps import AppConfig


class PeerConfig(AppConfig):
    name = "bench.peers.django"
    label = "peer"
    default_auto_field = "django.db.models.AutoField"
