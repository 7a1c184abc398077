"""Payment providers behind one interface; ``provider()`` returns the configured one."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from headstrt.core.errors import NotFound
from headstrt.payments.providers.base import PaymentProvider

# Imported only when used, so a platform on the test provider never loads the Stripe library.
PROVIDERS = {
    "test": "headstrt.payments.providers.test.TestProvider",
    "stripe": "headstrt.payments.providers.stripe.StripeProvider",
}


def provider_named(name: str) -> PaymentProvider:
    """The provider called ``name``; ``NotFound`` for a name no provider has.

    The test provider is refused in production unless ``HEADSTRT_ALLOW_TEST_PROVIDER`` is
    on: settings refuse to start that way, and this guards against a changed setting too.
    """
    if name not in PROVIDERS:
        raise NotFound("There is no such payment provider.")
    if name == "test" and settings.PRODUCTION and not settings.HEADSTRT_ALLOW_TEST_PROVIDER:
        raise ImproperlyConfigured("The test payment provider is not allowed in production.")
    return import_string(PROVIDERS[name])()


def provider() -> PaymentProvider:
    """The provider the platform charges with (setting ``HEADSTRT_PAYMENT_PROVIDER``)."""
    return provider_named(settings.HEADSTRT_PAYMENT_PROVIDER)
