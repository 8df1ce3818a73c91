"""Python support for ccai-emulator, a local CCAI Platform chat Apps API.

- :class:`AppsClient`: the Apps API as one tenant; :class:`AdminClient`: the control plane.
- :class:`WebhookReceiver`: a local receiver that verifies signatures and records events.
- :func:`start_emulator`: the binary on a free port (or ``$CCAI_EMULATOR_URL``).
- :class:`TestTenant`: a tenant of a test's own with wait helpers and assertions; the pytest
  plugin's ``ccai_tenant`` fixture.
"""

from ._http import EmulatorError, Exchange, Observer, WaitTimeout
from .admin import AdminClient
from .apps import AppsClient, MediaDownload
from .launcher import Emulator, EmulatorStartError, find_binary, start_emulator
from .receiver import ReceivedWebhook, WebhookReceiver, WebhookTimeout
from .signing import parse_signature_header, sign, signature_header, verify
from .testing import TestTenant, message_texts, unique_tenant_name
from .uploads import StorageError, StoredUpload, upload_file

__all__ = [
    "AdminClient",
    "AppsClient",
    "Emulator",
    "EmulatorError",
    "EmulatorStartError",
    "Exchange",
    "MediaDownload",
    "Observer",
    "ReceivedWebhook",
    "StorageError",
    "StoredUpload",
    "TestTenant",
    "WaitTimeout",
    "WebhookReceiver",
    "WebhookTimeout",
    "find_binary",
    "message_texts",
    "parse_signature_header",
    "sign",
    "signature_header",
    "start_emulator",
    "unique_tenant_name",
    "upload_file",
    "verify",
]
