from django.apps import AppConfig


class MissingEpisodesConfig(AppConfig):
    name = "missing_episodes"
    verbose_name = "Children, placements, flags and missing episodes"
