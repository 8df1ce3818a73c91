"""The package's own tests use the installed plugin's fixtures, and pytester for the README.
They follow emulator-defined events too (chat_ended, chat_resumed, ...), which are opt-in:
the emulators they start send every event."""

import os

os.environ.setdefault("CCAI_EMU_WEBHOOK_EVENTS", "all")

pytest_plugins = ["pytester"]
