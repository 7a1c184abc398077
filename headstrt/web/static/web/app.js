// Small progressive enhancements; every page works without this script.
"use strict";

// Suggest the browser's time zone in a fresh sign-up form instead of UTC.
function suggestTimeZone() {
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  for (const input of document.querySelectorAll("[data-detect-time-zone]")) {
    if (zone && input.value === "UTC") {
      input.value = zone;
    }
  }
}

// When an htmx swap removes the focused control (a "Remove" button, a page link), move focus
// to the start of the new content so keyboard and screen reader users keep their place.
function keepFocusAfterSwap(event) {
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) {
    return;
  }
  const id = event.detail.target && event.detail.target.id;
  const region = id ? document.getElementById(id) : null;
  if (!region) {
    return;
  }
  const heading = region.querySelector("[data-swap-focus], h2");
  if (heading) {
    if (!heading.hasAttribute("tabindex")) {
      heading.setAttribute("tabindex", "-1");
    }
    heading.focus();
  }
}

document.addEventListener("DOMContentLoaded", suggestTimeZone);
document.addEventListener("htmx:afterSettle", keepFocusAfterSwap);
