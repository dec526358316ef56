"""sesctl.yaml, environments and ${var} substitution."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from manifest_cli import REPO, run_sesctl, write

from reconciler.manifest import ManifestInvalid, load_manifests, load_project, validate

PROJECT = """\
stack: shop
manifests: [manifests, extra/more.yaml]
defaultEnvironment: dev
variables: {brand: Shop, seconds: 600, domain: example.com}
prune: false
maxDestroy: 3
environments:
  dev:
    local: true
    region: us-east-1
  prod:
    region: eu-west-1
    roleArn: arn:aws:iam::123456789012:role/sesctl
    endpointUrl: https://email.eu-west-1.amazonaws.com
    variables: {brand: Shop Inc., seconds: 900}
    prune: true
"""

CONFIG_SET = """\
apiVersion: sesctl/v1
kind: ConfigurationSet
metadata: {name: cs}
spec:
  deliveryOptions: {maxDeliverySeconds: "${seconds}"}
  trackingOptions: {customRedirectDomain: "click.${domain}"}
  tags: {brand: "${brand} ($${literal})"}
"""

POOL = "apiVersion: sesctl/v1\nkind: DedicatedIpPool\nmetadata: {name: pool}\nspec: {}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path, {"sesctl.yaml": PROJECT, "manifests/cs.yaml": CONFIG_SET, "extra/more.yaml": POOL})


def test_project_file_and_environments(project: Path) -> None:
    loaded = load_project(project)
    assert loaded.stack == "shop"
    assert loaded.manifest_paths == (
        (project / "manifests").resolve(),
        (project / "extra/more.yaml").resolve(),
    )
    assert loaded.environment_names == ["dev", "prod"]
    dev = loaded.environment()  # defaultEnvironment
    assert (dev.name, dev.local, dev.region, dev.prune, dev.max_destroy) == (
        "dev",
        True,
        "us-east-1",
        False,
        3,
    )
    prod = loaded.environment("prod")
    assert prod.role_arn == "arn:aws:iam::123456789012:role/sesctl"
    assert prod.endpoint_url == "https://email.eu-west-1.amazonaws.com"
    assert (prod.prune, prod.max_destroy) == (True, 3)
    assert prod.variables == {"brand": "Shop Inc.", "seconds": 900, "domain": "example.com"}
    assert load_project(project / "sesctl.yaml") == loaded


def test_unknown_environment(project: Path) -> None:
    with pytest.raises(ManifestInvalid, match=r"unknown environment 'staging'.*known: dev, prod"):
        load_project(project).environment("staging")


def test_variables_substituted_with_types(project: Path) -> None:
    dev = load_manifests(project, environ={})
    spec: Any = dev.get("ConfigurationSet/cs").spec  # type: ignore[union-attr]
    assert spec.delivery_options.max_delivery_seconds == 600  # stays an int
    assert spec.tracking_options.custom_redirect_domain == "click.example.com"
    assert spec.tags == {"brand": "Shop (${literal})"}
    prod = load_manifests(project, env="prod", environ={})
    assert prod.get("ConfigurationSet/cs").spec.delivery_options.max_delivery_seconds == 900  # type: ignore[union-attr]
    assert prod.environment.name == "prod" and prod.stack == "shop"
    assert sorted(prod.by_address()) == ["ConfigurationSet/cs", "DedicatedIpPool/pool"]


def test_environment_variables(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sesctl.yaml": "stack: s\nenvironments:\n  ci:\n    roleArn: ${env:SESCTL_VAR_ROLE}\n",
            "manifests/t.yaml": 'apiVersion: sesctl/v1\nkind: DedicatedIpPool\nmetadata: {name: p}\nspec: {tags: {by: "${env:SESCTL_VAR_WHO}"}}\n',
        },
    )
    state = load_manifests(
        tmp_path, env="ci", environ={"SESCTL_VAR_ROLE": "arn:aws:iam::123456789012:role/x", "SESCTL_VAR_WHO": "ci"}
    )
    assert state.environment.role_arn == "arn:aws:iam::123456789012:role/x"
    assert state.resources[0].spec.tags == {"by": "ci"}  # type: ignore[attr-defined]
    problems = validate(tmp_path, env="ci", environ={"SESCTL_VAR_ROLE": "arn:aws:iam::123456789012:role/x"})
    assert [(p.code, p.line, p.field) for p in problems] == [("E1202", 4, "spec.tags.by")]
    assert "SESCTL_VAR_WHO is not set" in problems[0].summary


POOL_TAGGED = 'apiVersion: sesctl/v1\nkind: DedicatedIpPool\nmetadata: {name: p}\nspec: {tags: {by: "${env:NAME}"}}\n'


@pytest.mark.parametrize("name", ["DATABASE_URL", "GH_PAT", "DB_PASS", "SMTP_PASS", "APIKEY", "SENTRY_DSN", "SLACK_WEBHOOK_URL"])
def test_only_sesctl_var_environment_variables_are_substituted(tmp_path: Path, name: str) -> None:
    # issue 15: a deny-list let these through into plans and pull-request comments.
    write(
        tmp_path,
        {
            "sesctl.yaml": "stack: s\n",
            "manifests/t.yaml": POOL_TAGGED.replace("NAME", name),
        },
    )
    secret = "postgres://user:hunter2@db/x"
    problems = validate(tmp_path, environ={name: secret})
    assert [(p.code, p.field) for p in problems] == [("E1204", "spec.tags.by")]
    assert not any(secret in p.format() for p in problems)


def test_undefined_variable_has_a_position(project: Path) -> None:
    (project / "manifests/cs.yaml").write_text(CONFIG_SET.replace("${brand}", "${brnd}"), encoding="utf-8")
    problems = validate(project, environ={})
    assert [(p.code, p.line, p.column, p.address, p.field) for p in problems] == [
        ("E1201", 7, 18, "ConfigurationSet/cs", "spec.tags.brand")
    ]
    assert "undefined variable ${brnd}" in problems[0].summary
    assert "brand, domain, seconds" in problems[0].detail


def test_project_file_only_takes_env_references(tmp_path: Path) -> None:
    write(
        tmp_path, {"sesctl.yaml": "stack: s\nenvironments:\n  a: {region: '${region}'}\n", "m/x.yaml": POOL}
    )
    problems = validate(tmp_path, environ={})
    assert [p.code for p in problems] == ["E1201"]
    assert "only ${env:NAME}" in problems[0].summary


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("stack: 'bad stack!'\n", "stack"),
        ("stack: s\nprune: sometimes\n", "prune"),
        ("stack: s\nenvironments:\n  prod: {regoin: x}\n", "environments.prod.regoin"),
        (
            "stack: s\nenvironments:\n  prod: {roleArn: 'arn:aws:iam::1:user/x'}\n",
            "environments.prod.roleArn",
        ),
        ("manifests: m\n", "stack"),
        ("stack: s\ndefaultEnvironment: nope\n", "defaultEnvironment"),
    ],
)
def test_bad_project_files(tmp_path: Path, text: str, field: str) -> None:
    write(tmp_path, {"sesctl.yaml": text, "manifests/x.yaml": POOL})
    problems = validate(tmp_path, environ={})
    assert [p.field for p in problems] == [field]
    assert problems[0].code in ("E1101", "E1102")
    assert problems[0].file.endswith("sesctl.yaml") and problems[0].line > 0


def test_manifests_without_a_project_file(tmp_path: Path) -> None:
    write(tmp_path / "stack", {"a.yaml": POOL})
    state = load_manifests(tmp_path / "stack", environ={})
    assert state.stack is None and state.environment.name is None
    assert [r.address for r in state.resources] == ["DedicatedIpPool/pool"]
    with pytest.raises(ManifestInvalid, match=r"no sesctl\.yaml"):
        load_manifests(tmp_path / "stack", env="prod", environ={})


def test_a_manifests_path_below_a_project_uses_its_variables(project: Path) -> None:
    state = load_manifests(project / "manifests" / "cs.yaml", env="prod", environ={})
    assert [r.address for r in state.resources] == ["ConfigurationSet/cs"]
    assert state.stack == "shop"


def test_empty_directory(tmp_path: Path) -> None:
    problems = validate(tmp_path, environ={})
    assert [p.code for p in problems] == ["E1005"]


def test_cli_env_flag_and_unknown_env(project: Path) -> None:
    ok = run_sesctl("validate", str(project), "--env", "prod")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = run_sesctl("validate", str(project), "--env", "staging")
    assert bad.returncode == 1
    assert "E1102" in bad.stdout and "unknown environment 'staging'" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr


def test_repo_example_project() -> None:
    loaded = load_project(REPO)
    assert loaded.stack == "example"
    assert set(loaded.environment_names) >= {"local", "production"}
    assert loaded.environment("local").local is True


def test_missing_manifests_path_points_at_the_project_file(tmp_path: Path) -> None:
    write(tmp_path, {"sesctl.yaml": "stack: s\nmanifests:\n  - here\n  - gone\n", "here/x.yaml": POOL})
    problems = validate(tmp_path, environ={})
    assert [(p.code, p.file.endswith("sesctl.yaml"), p.line, p.column) for p in problems] == [
        ("E1004", True, 4, 5)
    ]
    assert "gone" in problems[0].summary


def test_project_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path, {"sesctl.yaml": "stack: outer\n", "repo/.git/HEAD": "ref: main\n", "repo/m/x.yaml": POOL})
    assert load_manifests(tmp_path / "repo" / "m", environ={}).stack is None
    write(tmp_path, {"plain/m/x.yaml": POOL})
    assert load_manifests(tmp_path / "plain" / "m", environ={}).stack == "outer"


@pytest.mark.parametrize("stream", ["a:b", "a*", "", "x" * 513])
def test_a_bad_log_stream_reads_as_its_pattern_says(tmp_path: Path, stream: str) -> None:
    """audit.cloudwatch.logStream is matched with Python's re (pydantic-core's engine took 2.5 ms
    to compile its pattern), and must fail as the pattern constraint did: E1101 and its hint."""
    text = f"stack: s\naudit:\n  cloudwatch: {{logGroup: /g, logStream: '{stream}'}}\n"
    write(tmp_path, {"sesctl.yaml": text, "manifests/x.yaml": POOL})
    problems = validate(tmp_path, environ={})
    assert [(p.code, p.field) for p in problems] == [("E1101", "audit.cloudwatch.logStream")]
    assert "a log stream name (no ':' or '*')" in problems[0].summary


def test_a_good_log_stream_is_kept(tmp_path: Path) -> None:
    write(tmp_path, {"sesctl.yaml": "stack: s\naudit:\n  cloudwatch: {logGroup: /g, logStream: 'prod/eu-1 #2'}\n", "manifests/x.yaml": POOL})
    assert validate(tmp_path, environ={}) == []
    assert load_project(tmp_path).config.audit.cloudwatch.log_stream == "prod/eu-1 #2"  # type: ignore[union-attr]
