"""What the health checks read: when periodic work last finished, kept in the database (the source of truth),
so any process on any machine can tell whether the scheduler and the workers are doing their job."""

from django.db import models


class Heartbeat(models.Model):
    name = models.CharField(max_length=64, unique=True, help_text="The periodic job, e.g. 'deadline-sweep'.")
    last_at = models.DateTimeField(help_text="When it last finished.")

    def __str__(self) -> str:
        return f"{self.name} at {self.last_at:%Y-%m-%d %H:%M:%S}"
