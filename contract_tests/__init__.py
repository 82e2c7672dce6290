"""biway-mock's harness: a mock server and a webhook receiver for tests, and the pytest plugin."""

from .mock import MockServer, SubAccount
from .receiver import ReceivedWebhook, WebhookReceiver

__all__ = [
    "MockServer",
    "ReceivedWebhook",
    "SubAccount",
    "WebhookReceiver",
]
