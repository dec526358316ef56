"""A/B template experiments: statistics, verdicts and results read from the event store."""
