"""Evidence files as HTTP downloads, shared by the web app and the API."""

from django.http import FileResponse

from headstrt.accounts.models import User
from headstrt.core.errors import NotFound
from headstrt.disputes import selectors


def evidence_download(*, dispute_id: str, evidence_id: object, user: User) -> FileResponse:
    """An evidence file of the case for those who may see it: always an attachment, never
    shown inline (so a file cannot run as a page of the site), never cached. ``NotFound``
    for anyone else, or a file that is gone."""
    evidence = selectors.evidence_file_for_viewer(evidence_id=evidence_id, user=user)
    if evidence.dispute.public_id != dispute_id:
        raise NotFound("No such file.")
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound("No such file.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.file_name or "evidence",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
