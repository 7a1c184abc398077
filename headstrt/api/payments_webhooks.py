"""Payment providers' webhooks: no sign-in, the provider's signature is the proof."""

from django.http import HttpRequest
from ninja import Field, Router, Schema

from headstrt.payments.webhooks import webhook_receive, webhook_signature_header

router = Router(tags=["Payments"])


class WebhookOut(Schema):
    status: str = Field(
        description="applied, unchanged (already so), ignored (not about anything here) "
        "or duplicate (received before)."
    )


@router.post("/{provider}", response=WebhookOut, auth=None)
def webhook(request: HttpRequest, provider: str):
    """Receive an event from the payment provider ``provider`` (``stripe`` or ``test``).

    The raw body is checked against the provider's signature header (``Stripe-Signature``
    for Stripe): a bad signature answers 400 ``bad_signature`` and changes nothing. Each
    event is applied once; a redelivery answers ``duplicate``.
    """
    header = webhook_signature_header(provider)
    status = webhook_receive(
        provider_name=provider,
        payload=request.body,
        signature=request.headers.get(header, ""),
    )
    return {"status": status}
