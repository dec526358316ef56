"""The reconcile engine: desired + live -> Plan (planner), Plan -> outcomes (applier).

plan.py       the Plan as frozen data, its JSON form, checksum and live fingerprint
diff.py       normalized dicts in, FieldChange(path, op, before, after) out
planner.py    manifests + live SES -> Plan (create/update/replace/delete, prune, protect)
ordering.py   the order of apply steps (waves, dependencies, replace = delete then create)
applier.py    runs a Plan's steps, skipping what depends on a failure
render_text.py  the Terraform-style text form
"""
