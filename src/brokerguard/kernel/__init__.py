"""The kernel: what every domain builds on and no domain owns.

Settings, the clock, errors, the audit event and its sink, the unit of work, the
typed application context and the domain manifest live here (issue 14). This
package starts with the two contracts the job worker and the alert outbox share
with the domains: :mod:`brokerguard.kernel.jobs` and :mod:`brokerguard.kernel.notices`.
"""
