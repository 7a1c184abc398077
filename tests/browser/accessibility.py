"""axe-core checks: a page with serious or critical accessibility violations fails the test."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()
BLOCKING_IMPACTS = {"serious", "critical"}


def assert_accessible(page) -> None:
    """Run axe-core on the current page and fail on serious or critical violations."""
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
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} @ {targets}")
        raise AssertionError("\n".join(lines))
