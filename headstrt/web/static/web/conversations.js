// A conversation page without reloading: new messages arrive through server-sent events, or
// by asking every few seconds where the browser has no EventSource or the stream fails. The
// page works without this script (reload to see new messages).
"use strict";

const POLL_MILLISECONDS = 5000;

function liveConversation() {
  const chat = document.querySelector("[data-conversation]");
  if (!chat) {
    return;
  }
  const list = chat.querySelector(".chat__messages");
  // The token comes with the conversation itself, so read state is sent even where the
  // person cannot write (a resolved dispute) and the page has no message form.
  const token = chat.dataset.csrfToken;
  let lastId = Number(chat.dataset.lastId) || 0;
  let readId = lastId;
  let unreadId = 0;

  // Tell the server what the person has seen, only while the page is in view.
  function markRead() {
    if (!unreadId || unreadId <= readId || document.visibilityState !== "visible" || !token) {
      return;
    }
    const upTo = unreadId;
    const body = new URLSearchParams({ up_to: String(upTo) });
    fetch(chat.dataset.readUrl, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token },
    }).then((response) => {
      if (response.ok) {
        readId = Math.max(readId, upTo);
      }
    }).catch(() => {});
  }

  // Add messages (rendered by the server, escaped there) that are not on the page yet.
  function append(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    let added = false;
    for (const item of template.content.querySelectorAll("[data-message-id]")) {
      const id = Number(item.dataset.messageId);
      if (id <= lastId || document.getElementById(item.id)) {
        continue;
      }
      list.append(item);
      lastId = id;
      added = true;
      if (!item.hasAttribute("data-mine")) {
        unreadId = id;
      }
    }
    if (added) {
      const empty = chat.querySelector("[data-chat-empty]");
      if (empty) {
        empty.remove();
      }
      markRead();
    }
  }

  let polling = 0;
  function poll() {
    if (polling) {
      return;
    }
    const ask = () => {
      fetch(`${chat.dataset.pollUrl}?after=${lastId}`, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.text() : ""))
        .then(append)
        .catch(() => {});
    };
    polling = window.setInterval(ask, POLL_MILLISECONDS);
    ask();
  }

  if (window.EventSource) {
    // The browser reconnects when a stream ends, sending the last event's id.
    const stream = new EventSource(`${chat.dataset.eventsUrl}?after=${lastId}`);
    stream.addEventListener("message", (event) => append(event.data));
    stream.addEventListener("error", () => {
      if (stream.readyState === EventSource.CLOSED) {
        poll();
      }
    });
  } else {
    poll();
  }
  document.addEventListener("visibilitychange", markRead);
}

document.addEventListener("DOMContentLoaded", liveConversation);
