"""Money pages: a mentor's earnings, a mentee's payments, their CSV downloads, and the staff's
reconciliation of the ledger."""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from headstrt.payments import statements


def _csv_download(rows, filename: str) -> HttpResponse:
    response = HttpResponse(statements.statement_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@never_cache
def earnings(request):
    """A mentor's earnings: available, in escrow, paid out, and every line."""
    context = {
        "statement": statements.mentor_statement(user=request.user),
        "dispute_window_hours": settings.HEADSTRT_DISPUTE_WINDOW_HOURS,
    }
    return render(request, "web/payments/earnings.html", context)


@login_required
@never_cache
def earnings_csv(request):
    """The mentor's statement lines as a CSV download."""
    lines = statements.mentor_statement(user=request.user).lines
    return _csv_download(lines, "headstrt-earnings.csv")


@login_required
@never_cache
def payments(request):
    """A mentee's payments and refunds."""
    context = {"statement": statements.mentee_statement(user=request.user)}
    return render(request, "web/payments/payments.html", context)


@login_required
@never_cache
def payments_csv(request):
    """The mentee's statement lines as a CSV download."""
    lines = statements.mentee_statement(user=request.user).lines
    return _csv_download(lines, "headstrt-payments.csv")


@staff_member_required
@never_cache
def staff_ledger(request):
    """Whether the ledger balances: per-currency sums, drifted balances, unbalanced postings."""
    return render(
        request, "web/payments/staff_ledger.html", {"overview": statements.ledger_overview()}
    )
