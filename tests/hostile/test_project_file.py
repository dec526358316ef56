"""A hostile sesctl.yaml (every field wrong-typed, unknown keys, URLs carrying passwords, role
ARNs that are not, nonsense breaker: values) and hostile root flags, through the real CLI:
exit 1 naming sesctl.yaml:line and the field, and no secret echoed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_support import PROJECT, TEMPLATE, Case, Run, assert_refused, run_cases

SECRET = "hunter2"


def project_file(extra: str) -> dict[str, str]:
    return {"sesctl.yaml": PROJECT + extra, "manifests/a.yaml": TEMPLATE}


def env(fields: str) -> dict[str, str]:
    return project_file(f"environments:\n  prod: {{{fields}}}\n")


CASES = [
    Case("stack-number", {"sesctl.yaml": PROJECT.replace("stack: hostile", "stack: 5")}, expect=("sesctl.yaml:3:8", "stack", "quote it")),
    Case("unknown-key", project_file("bogus: 1\n"), expect=("sesctl.yaml:4:1", "unknown field 'bogus'")),
    Case("manifests-number", project_file("manifests: 5\n"), expect=("sesctl.yaml:4:12", "manifests: must be a list")),
    Case("manifests-nul", project_file('manifests: "a\\0b"\n'), expect=("sesctl.yaml:4:12", "outside the project")),
    Case("environments-list", project_file("environments: [a]\n"), expect=("sesctl.yaml:4:15", "environments: must be a mapping")),
    Case("environment-null", project_file("environments:\n  prod:\n"), expect=("sesctl.yaml:5:", "environments.prod")),
    Case("endpoint-file-url", env("endpointUrl: 'file:///etc/passwd'"), expect=("sesctl.yaml:5:23", "environments.prod.endpointUrl")),
    Case(
        "endpoint-password",
        env(f"endpointUrl: 'http://user:{SECRET}@127.0.0.1:1/'"),
        expect=("sesctl.yaml:5:23", "environments.prod.endpointUrl", "http://***@127.0.0.1"),
    ),
    Case(
        "endpoint-password-plan",
        env(f"endpointUrl: 'http://user:{SECRET}@127.0.0.1:1/'"),
        args=("--env", "prod", "plan"),
        expect=("sesctl.yaml:5:23", "http://***@"),
    ),
    Case("endpoint-number", env("endpointUrl: 5"), expect=("sesctl.yaml:5:23", "must be a string")),
    Case("role-garbage", env("roleArn: garbage"), expect=("sesctl.yaml:5:19", "environments.prod.roleArn")),
    Case("role-newline", env('roleArn: "arn:aws:iam::123456789012:role/x\\ny"'), expect=("sesctl.yaml:5:19", "roleArn")),
    Case("role-huge", env("roleArn: arn:aws:iam::123456789012:role/" + "x" * 5000), expect=("sesctl.yaml:5:19", "roleArn")),
    Case("region-injection", env("region: 'us-east-1; rm -rf /'"), expect=("sesctl.yaml:5:18", "environments.prod.region")),
    Case("max-destroy-negative", project_file("maxDestroy: -1\n"), expect=("sesctl.yaml:4:13", "maxDestroy")),
    Case("max-destroy-1e400", project_file("maxDestroy: 1e400\n"), expect=("sesctl.yaml:4:13", "must be an integer")),
    Case("prune-maybe", project_file("prune: maybe\n"), expect=("sesctl.yaml:4:8", "prune: must be true or false")),
    Case("breaker-nonsense", project_file("breaker: nonsense\n"), expect=("sesctl.yaml:4:10", "breaker: must be a mapping")),
    Case("breaker-nan", project_file("breaker: {bounceRate: .nan}\n"), expect=("sesctl.yaml:4:23", "breaker.bounceRate")),
    Case("breaker-huge", project_file("breaker: {bounceRate: 1.0e309}\n"), expect=("sesctl.yaml:4:23", "breaker.bounceRate")),
    Case("breaker-unknown", project_file("breaker: {foo: 1}\n"), expect=("sesctl.yaml:4:11", "unknown field 'foo'")),
    Case("retention-negative", project_file("retention: {events: -5}\n"), expect=("sesctl.yaml:4:21", "retention.events")),
    Case("default-env-missing", project_file("defaultEnvironment: nope\n"), expect=("sesctl.yaml:4:21", "E1102")),
    Case("secret-variable", project_file("variables: {a: '${env:AWS_SECRET_ACCESS_KEY}'}\n"), expect=("sesctl.yaml:4:17", "E1203")),
    Case("two-documents", {"sesctl.yaml": PROJECT + "---\n" + PROJECT, "manifests/a.yaml": TEMPLATE}, expect=("sesctl.yaml:1:1", "exactly one mapping")),
    # the same values as root flags
    Case(
        "flag-endpoint-password",
        project_file(""),
        args=("--endpoint-url", f"http://user:{SECRET}@127.0.0.1:1/", "--region", "us-east-1", "plan"),
        expect=("cannot reach the SES endpoint", "http://***@127.0.0.1:1"),
    ),
    Case(
        "flag-endpoint-token",
        project_file(""),
        args=("--endpoint-url", f"http://127.0.0.1:1/?X-Amz-Security-Token={SECRET}", "--region", "us-east-1", "plan"),
        expect=("cannot reach the SES endpoint", "X-Amz-Security-Token=***"),
    ),
    Case(
        "flag-role-garbage",  # refused before any STS call: no network round trip
        project_file(""),
        args=("--role-arn", "garbage", "--region", "us-east-1", "plan"),
        expect=("the role 'garbage' is not an IAM role ARN",),
    ),
    Case("flag-empty-env", project_file(""), args=("--env", "", "plan"), expect=("--env is empty",)),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return run_cases(CASES, tmp_path_factory.mktemp("project"))


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_project_file_is_refused(case: Case, results: dict[str, Run]) -> None:
    run = results[case.id]
    assert_refused(run, case)
    assert SECRET not in run.output


def test_the_schema_allows_a_real_role_with_a_path(tmp_path: Path) -> None:
    from hostile_support import sesctl, write_files

    root = write_files(tmp_path, env("roleArn: arn:aws:iam::123456789012:role/teams/mail/sesctl-apply"))
    assert sesctl(["validate"], root).returncode == 0
