from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Tooling, not domain: the deterministic demo data (``seed_demo``, ``make_demo_history``). It imports the
    domain apps to write their rows; no domain app imports it (docs/architecture.md)."""

    name = "demo"
    verbose_name = "Demo data"
