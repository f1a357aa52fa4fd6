"""Flask web app (built in the web app issue)."""
