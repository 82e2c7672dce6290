"""biway-mock's harness: a mock server and a webhook receiver for tests, and the pytest plugin."""

from .fuzzing import ConsumerFailure, FuzzReport, fuzz_webhooks
from .mock import ControlClient, MockServer, SubAccount
from .receiver import ReceivedWebhook, WebhookReceiver

__all__ = [
    "ConsumerFailure",
    "ControlClient",
    "FuzzReport",
    "MockServer",
    "ReceivedWebhook",
    "SubAccount",
    "WebhookReceiver",
    "fuzz_webhooks",
]
