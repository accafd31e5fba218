"""Alert channels: a command, a webhook, and every chat and e-mail service apprise supports."""
