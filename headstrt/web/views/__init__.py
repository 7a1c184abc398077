"""Views of the web app: parse input, call services and selectors, render templates."""
