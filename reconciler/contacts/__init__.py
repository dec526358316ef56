"""Contacts of SES contact lists (personal data: operational, never in git)."""
