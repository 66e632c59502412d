"""The Redis broker transport, with one guard against a worker that dies for good when Redis goes away.

Celery 5.7.0's consumer, on a lost broker connection, calls ``connection.collect()`` and then
``connection.close()`` on the same connection (``Consumer.on_connection_error_after_connected``). The first
close tries to put the worker's unacknowledged messages back and fails (Redis is down), so they are still
listed; ``collect()`` then clears the transport's client; the second close tries again and kombu reads the
cleared client (``_connparams``: ``'NoneType' object has no attribute 'hostname'``). That ``AttributeError`` is
not a connection error, so it escapes Celery's ``ignore_errors`` and the worker stops with "Unrecoverable
error" (tests/reliability/test_worker_survives_broker_loss.py reproduces it on a busy worker). A task that
finishes after the loss meets the same cleared client when it is acknowledged (``'NoneType' object has no
attribute 'client'``); the channel below turns that into a connection error.

With no client left there is nothing to restore through, and nothing is lost by not trying: kombu keeps every
unacknowledged message in Redis's unacked hash until it is acknowledged, and puts it back after the visibility
timeout. For this product even that is a convenience: the database is the source of truth and the sweeps find
every due alert, e-mail, webhook and import again (docs/decisions/0002-deadlines-by-database-sweep.md).
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.transport import redis as kombu_redis
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)


class QoS(kombu_redis.QoS):
    def restore_unacked(self, client: Any = None) -> None:
        transport = getattr(self.channel, "connection", None)
        if client is None and getattr(transport, "client", None) is None:
            # They stay in Redis's unacked hash (see the module's docstring).
            logger.warning(
                "Broker connection already closed: %d unacknowledged message(s) left for Redis to restore "
                "after the visibility timeout.",
                len(self._delivered or ()),
            )
            self._delivered.clear()  # type: ignore[union-attr]
            return
        super().restore_unacked(client)


class Channel(kombu_redis.Channel):
    QoS = QoS

    def _connparams(self, asynchronous: bool = False) -> Any:
        # Any other Redis operation on a channel whose connection was collected (e.g. acknowledging a task that
        # finished after the broker was lost) reads the same cleared client. Answer with a connection error,
        # which Celery and kombu handle ("Couldn't ack", reconnect), instead of an AttributeError that stops
        # the worker; the message stays unacknowledged in Redis and is delivered again after the visibility
        # timeout (tasks are idempotent).
        transport = getattr(self, "connection", None)
        if getattr(transport, "client", None) is None:
            raise redis_errors.ConnectionError("broker connection already closed")
        return super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]


class Transport(kombu_redis.Transport):
    Channel = Channel
