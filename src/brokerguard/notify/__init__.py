"""Notifications: the outbox behind :class:`brokerguard.kernel.notices.NoticeSink`,
channels (e-mail, webhook, syslog/CEF), routes, and delivery with retries."""
