"""The web app: server-rendered pages with htmx. Thin: calls services and selectors only."""
