// Small progressive enhancements; every page works without this script.
"use strict";

// Suggest the browser's time zone in a fresh sign-up form instead of UTC.
function suggestTimeZone() {
  const inputs = document.querySelectorAll("[data-detect-time-zone]");
  if (!inputs.length) {
    // The first Intl call loads the browser's locale data, a long task on a slow phone:
    // only the pages with a time zone field pay for it.
    return;
  }
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  for (const input of inputs) {
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

// Availability editor: "Add a range" and "Remove" buttons for rows of start and end times.
// Without the script each day shows one blank row to fill in instead.
function rangeRowsEditable() {
  const template = document.getElementById("range-row-template");
  if (!template) {
    return;
  }
  for (const list of document.querySelectorAll("[data-ranges]")) {
    const label = list.dataset.rangesLabel || "";
    const rows = [...list.querySelectorAll(".range-row")];
    const blank = rows.filter((row) => [...row.querySelectorAll("input")].every((input) => !input.value));
    const keepOne = list.hasAttribute("data-ranges-keep-one") && blank.length === rows.length;
    for (const row of keepOne ? blank.slice(1) : blank) {
      row.remove();
    }
    for (const row of list.querySelectorAll(".range-row")) {
      addRemoveButton(row, label);
    }
    const add = document.createElement("button");
    add.type = "button";
    add.className = "button button--secondary button--small ranges__add";
    add.append("Add a range");
    const hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.textContent = ` (${label})`;
    add.append(hint);
    add.addEventListener("click", () => {
      const row = template.content.firstElementChild.cloneNode(true);
      for (const input of row.querySelectorAll("[data-range-part]")) {
        input.name = `${list.dataset.ranges}_${input.dataset.rangePart}`;
      }
      for (const span of row.querySelectorAll("[data-range-label]")) {
        span.textContent = `${label} `;
      }
      addRemoveButton(row, label);
      list.append(row);
      row.querySelector("input").focus();
    });
    const none = list.nextElementSibling;
    (none && none.classList.contains("ranges__none") ? none : list).after(add);
  }
}

function addRemoveButton(row, label) {
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "button button--quiet button--small";
  remove.append("Remove");
  const hint = document.createElement("span");
  hint.className = "visually-hidden";
  hint.textContent = ` a range (${label})`;
  remove.append(hint);
  remove.addEventListener("click", () => {
    const list = row.parentElement;
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    // Keep keyboard focus nearby: the next row, else the day's "Add a range" button.
    const target = next ? next.querySelector("input") : list.parentElement.querySelector(".ranges__add");
    if (target) {
      target.focus();
    }
  });
  row.append(remove);
}

// A live "time left" for holds and session starts: [data-countdown-to] holds an ISO time.
function formatDuration(milliseconds) {
  const total = Math.max(0, Math.floor(milliseconds / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) {
    return `${days} day${days === 1 ? "" : "s"} ${hours} h`;
  }
  if (hours > 0) {
    return `${hours} h ${minutes} min`;
  }
  return `${minutes} min ${String(seconds).padStart(2, "0")} s`;
}

function countdowns() {
  const timers = [...document.querySelectorAll("[data-countdown-to]")];
  const joins = [...document.querySelectorAll("[data-join-at]")];
  if (!timers.length && !joins.length) {
    return;
  }
  const tick = () => {
    const now = Date.now();
    for (const timer of timers) {
      const left = Date.parse(timer.dataset.countdownTo) - now;
      if (Number.isNaN(left)) {
        continue;
      }
      const before = timer.dataset.countdownBefore || "";
      const after = timer.dataset.countdownAfter || "";
      timer.textContent = left > 0 ? before + formatDuration(left) + after : timer.dataset.countdownDone;
    }
    // The video room opens shortly before the start: the waiting button becomes usable.
    for (const button of joins) {
      if (button.disabled && Date.parse(button.dataset.joinAt) <= now) {
        button.disabled = false;
      }
    }
  };
  tick();
  window.setInterval(tick, 1000);
}

document.addEventListener("DOMContentLoaded", rangeRowsEditable);
document.addEventListener("DOMContentLoaded", countdowns);
