"""validate warns (W5001) about personal data in template defaults and test data."""

from __future__ import annotations

from pathlib import Path

from reconciler.manifest import validate

TEMPLATE = """\
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {{name: welcome}}
spec:
  subject: "Hi {{{{name}}}}"
  text: "Call {{{{phone}}}} or write to {{{{email}}}}"
  defaults: {{name: Ada, phone: "{phone}", email: "{email}"}}
  tests:
    - name: vip
      data: {{email: "{test_email}"}}
"""


def _warnings(tmp_path: Path, **values: str) -> list[str]:
    (tmp_path / "t.yaml").write_text(TEMPLATE.format(**values), encoding="utf-8")
    return [d.format() for d in validate(tmp_path / "t.yaml") if d.code == "W5001"]


def test_real_addresses_and_phone_numbers_are_flagged_masked(tmp_path: Path) -> None:
    found = _warnings(tmp_path, phone="+44 20 7946 0958", email="john.smith@gmail.com", test_email="vip@acme.co.uk")
    assert len(found) == 3  # one per value
    text = "\n".join(found)
    assert "j***h@gmail.com" in text and "a phone number" in text and "v***p@acme.co.uk" in text
    assert "john.smith" not in text and "7946" not in text
    assert all(":7:" in f for f in found[:2]) and ":10:" in found[2]  # defaults, then the test's data


def test_documentation_domains_and_the_simulator_are_fine(tmp_path: Path) -> None:
    assert _warnings(
        tmp_path, phone="call us", email="ada@example.com", test_email="bounce@simulator.amazonses.com"
    ) == []
    assert _warnings(tmp_path, phone="2026", email="x@shop.test", test_email="y@mail.example") == []
