"""Forms of the web app; they validate shape and hand the rest to services."""

from django import forms


class SignupDetailsForm(forms.Form):
    """Extra sign-up fields: the name others see and the person's time zone."""

    display_name = forms.CharField(max_length=80, label="Display name")
    time_zone = forms.CharField(max_length=64, label="Time zone", initial="UTC")

    def signup(self, request, user) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["display_name", "time_zone"])
