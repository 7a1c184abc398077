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

// A choice among many options (languages, topics): the chosen ones as buttons that remove
// them, and a field that suggests the others by name. The <select multiple> stays in the
// form, hidden, and holds the choice; without the script it is the list to Ctrl-click, and
// the help text's "Hold Ctrl" sentence ([data-pick-many-hint]) is only for that list.
function pickManyLists(root) {
  for (const select of root.querySelectorAll("select[multiple][data-pick-many]")) {
    if (select.hidden) {
      continue; // done already
    }
    const named = new Map();
    for (const option of select.options) {
      const group = option.parentElement.tagName === "OPTGROUP" ? option.parentElement.label : "";
      option.dataset.name = group ? `${group} › ${option.text}` : option.text;
      named.set(option.dataset.name.toLowerCase(), option);
    }
    const suggestions = document.createElement("datalist");
    suggestions.id = `${select.id}_suggestions`;
    suggestions.append(...[...select.options].map((option) => new Option(option.dataset.name)));
    const input = document.createElement("input");
    input.type = "text";
    input.autocomplete = "off";
    input.placeholder = `Type a ${select.dataset.pickMany} to add it`;
    input.setAttribute("list", suggestions.id);
    // The field's label and help now name the input.
    input.id = select.id;
    select.id = `${input.id}_options`;
    for (const attribute of ["aria-describedby", "aria-invalid"]) {
      if (select.hasAttribute(attribute)) {
        input.setAttribute(attribute, select.getAttribute(attribute));
      }
    }
    const chosen = document.createElement("ul");
    chosen.className = "tags pick-many__chosen";

    const show = () => {
      chosen.replaceChildren(
        ...[...select.selectedOptions].map((option) => {
          const remove = document.createElement("button");
          remove.type = "button";
          remove.className = "tag pick-many__remove";
          remove.setAttribute("aria-label", `Remove ${option.dataset.name}`);
          remove.append(option.dataset.name, " ");
          const cross = document.createElement("span");
          cross.setAttribute("aria-hidden", "true");
          cross.textContent = "×";
          remove.append(cross);
          remove.addEventListener("click", () => {
            option.selected = false;
            show();
            input.focus();
          });
          const item = document.createElement("li");
          item.append(remove);
          return item;
        }),
      );
    };
    const add = () => {
      const option = named.get(input.value.trim().toLowerCase());
      if (option) {
        option.selected = true;
        input.value = "";
        show();
      }
    };
    input.addEventListener("input", (event) => {
      // A suggestion picked from the list; a name typed in full waits for Enter or leaving
      // the field, as it may begin a longer one (Malay, Malayalam).
      if (!(event instanceof InputEvent) || event.inputType === "insertReplacementText") {
        add();
      }
    });
    input.addEventListener("change", add);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && input.value.trim()) {
        event.preventDefault(); // adds the name instead of sending the form
        add();
      }
    });
    const help = document.getElementById(`${input.id}_helptext`);
    for (const hint of help ? help.querySelectorAll("[data-pick-many-hint]") : []) {
      hint.remove();
    }
    select.hidden = true;
    select.after(chosen, input, suggestions);
    show();
  }
}

document.addEventListener("DOMContentLoaded", () => pickManyLists(document));
document.addEventListener("htmx:load", (event) => pickManyLists(event.detail.elt));

// On a phone, a member's nav is folded behind the Menu button (app.css): open and close it.
function foldableMenu() {
  const toggle = document.querySelector(".site-menu-toggle");
  const nav = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (!nav) {
    return;
  }
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("site-nav--open", open);
  });
}

document.addEventListener("DOMContentLoaded", foldableMenu);
