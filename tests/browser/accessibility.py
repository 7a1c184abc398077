"""axe-core checks: a page with serious or critical accessibility violations fails the test."""

import time

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()
BLOCKING_IMPACTS = {"serious", "critical"}


_SETTLED = """() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')
    && document.getAnimations().every(a => a.playState !== 'running')"""


def wait_until_settled(page, timeout: float = 5.0) -> None:
    """Wait for htmx swaps and CSS transitions to finish, so axe sees the page as people do."""
    # Polled from here: Playwright's in-page polling evaluates strings, which the CSP forbids.
    deadline = time.monotonic() + timeout
    while not page.evaluate(_SETTLED):
        if time.monotonic() > deadline:
            raise AssertionError(f"{page.url} did not settle within {timeout} s")
        page.wait_for_timeout(50)


def assert_accessible(page) -> None:
    """Run axe-core on the current page and fail on serious or critical violations."""
    wait_until_settled(page)
    results = _axe.run(page)
    blocking = [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in BLOCKING_IMPACTS
    ]
    if blocking:
        lines = [f"{page.url}: {len(blocking)} serious/critical accessibility violations"]
        for violation in blocking:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']} @ {targets}"
            )
        raise AssertionError("\n".join(lines))
