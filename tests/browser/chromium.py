"""Where the browser tests find Chromium, and the flags that keep it off the network."""

import os

CHROMIUM = os.environ.get("HEADSTRT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_available() -> bool:
    """True when the Chromium binary exists and can be run."""
    return os.access(CHROMIUM, os.X_OK)
