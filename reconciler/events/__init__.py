"""SES events: an embedded store of what happened to each message, the consumer that fills it
(SQS, Firehose objects in S3, files), analytics and alerts over it, and the HTML report.

Modules: ``records`` (envelopes and SES records -> facts), ``schema`` and ``store`` (SQLite,
migrations, retention, erasure), ``sources`` and ``consume`` (the consumer), ``analytics``,
``alerts``, ``report``. See docs/events.md.
"""
