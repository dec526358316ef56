"""One module per SES v2 resource kind: how a manifest spec and a live SES object map onto the
same normalized form, how to read the live objects, and how to create/update/delete them.
The registry KINDS (a literal dict) lives in reconciler/kinds/registry.py."""
