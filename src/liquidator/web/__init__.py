"""The web pages: the live dashboard served by ``liquidator serve`` at ``/`` (static files, vendored
chart library) and the shared chart assets the replay report inlines."""
