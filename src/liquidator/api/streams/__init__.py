"""The WebSocket streams: connections, names, the market and user data messages, schedules."""
