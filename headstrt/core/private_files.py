"""Storage for files that only a view checking who asks may serve (dispute evidence,
message attachments)."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateFileStorage(FileSystemStorage):
    """Files kept under ``DATA_DIR/private``, outside the public media folder: they have no
    URL and are only ever served by a view that checks who asks."""

    @property
    def base_location(self) -> str:
        # Read each time, so a changed DATA_DIR (each test has its own) is followed.
        return str(settings.DATA_DIR / "private")

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:
        return None
