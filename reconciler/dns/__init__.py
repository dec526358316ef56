"""DNS for SES identities: the records to publish (DKIM, MAIL FROM, SPF, DMARC) in the formats
of common DNS tools, and a check that they resolve. See docs/identities-dns.md."""
