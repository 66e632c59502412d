from django.apps import AppConfig


class CaseNotesConfig(AppConfig):
    name = "casenotes"
    verbose_name = "Case notes"
