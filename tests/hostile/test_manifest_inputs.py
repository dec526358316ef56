"""Hostile manifests and sesctl.yaml files through the real ``sesctl validate`` (and ``test``,
``plan``, ``apply``): each is refused with exit 1, no traceback, and a message naming the file
and line; none hangs or is read from outside the project; nothing reaches the emulator."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hostile_support import PROJECT, TEMPLATE, Case, Run, assert_refused, head, run_cases, write_files

from reconciler.testing import LocalEmulator, local_emulator

A = "manifests/a.yaml"


def project(text: str | bytes, **more: object) -> dict[str, object]:
    return {"sesctl.yaml": PROJECT, A: text, **more}


def spec(text: str, kind: str = "EmailTemplate") -> str:
    return head(kind) + text


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _link(target: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.symlink_to(target)

    return make


LAUGHS = "a0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)
)
BODY = TEMPLATE.replace("text: t", "text: {file: body.txt}")

CASES = [
    # YAML itself
    Case("billion-laughs", project(LAUGHS), expect=(f"{A}:", "aliases expand")),
    Case("recursive-alias", project("a: &a [*a]\n"), expect=(f"{A}:1:", "E1001")),
    Case("deep-nesting", project("d: " + "[" * 400 + "]" * 400 + "\n"), expect=(f"{A}:1:", "nested more than")),
    Case("python-tag", project("!!python/object/apply:os.system ['true']\n"), expect=(f"{A}:1:1", "E1002")),
    Case(
        "python-tag-in-spec",
        project(spec("spec: {subject: !!python/name:os.system , text: t}\n")),
        expect=(f"{A}:4:17", "python/name"),
    ),
    Case("unknown-tag", project(spec("spec: {subject: !foo bar, text: t}\n")), expect=(f"{A}:4:17", "'!foo'")),
    Case("raw-nul", project(spec("spec: {subject: a").encode() + b"\x00b, text: t}\n"), expect=(f"{A}:4:18", "0x0000")),
    Case("invalid-utf8", project(spec("spec: {subject: caf").encode() + b"\xe9, text: t}\n"), expect=(f"{A}:4:", "not UTF-8")),
    Case("utf16", project(TEMPLATE.encode("utf-16")), expect=(f"{A}:1:1", "not UTF-8")),
    Case("tab-indent", project(spec("spec:\n  subject: s\n \ttext: t\n")), expect=(f"{A}:6:2", "tab character")),
    Case("duplicate-key", project(spec("spec: {subject: s, subject: t, text: t}\n")), expect=(f"{A}:4:", "E1003", "spec.subject")),
    Case("list-key", project(spec("spec: {? [a, b] : s, subject: s, text: t}\n")), expect=(f"{A}:4:10", "keys must be scalars")),
    Case("integer-key", project(spec("spec: {1: s, subject: s, text: t}\n")), expect=(f"{A}:4:", "EmailTemplate/x")),
    Case(
        "huge-integer",
        project(spec("spec: {deliveryOptions: {maxDeliverySeconds: " + "9" * 5000 + "}}\n", "ConfigurationSet")),
        expect=(f"{A}:4:46", "4300 digits", "quote it"),
    ),
    Case("impossible-date", project(spec("spec: {subject: s, text: t}\nwhen: 2024-13-45\n")), expect=(f"{A}:5:7", "month must be")),
    Case(
        "overflowing-float",
        project(spec("spec: {deliveryOptions: {maxDeliverySeconds: 1.0e309}}\n", "ConfigurationSet")),
        expect=(f"{A}:4:46", "maxDeliverySeconds", "must be an integer"),
    ),
    Case(
        "negative-int",
        project(spec("spec: {deliveryOptions: {maxDeliverySeconds: -1}}\n", "ConfigurationSet")),
        expect=(f"{A}:4:46", "ConfigurationSet/x spec.deliveryOptions.maxDeliverySeconds"),
    ),
    Case("number-for-string", project(spec("spec: {subject: 12, text: t}\n")), expect=(f"{A}:4:17", "EmailTemplate/x spec.subject")),
    Case("number-name", project(TEMPLATE.replace("name: x", "name: 12")), expect=(f"{A}:3:18", "metadata.name", "quote it")),
    Case("unclosed-flow", project(spec("spec: {subject: s\n")), expect=(f"{A}:5:1", "YAML syntax error")),
    Case("huge-key", project(spec("spec: {" + "k" * 5000 + ": 1}\n")), expect=(f"{A}:4:", "longer than 1,024")),
    Case("huge-body", project(spec("spec: {subject: s, text: " + "a" * 600_000 + "}\n")), expect=(f"{A}:4:7", "SES accepts at most 500 KB")),
    Case("merge-of-scalar", project(spec("spec: {<<: 5, subject: s, text: t}\n")), expect=(f"{A}:4:", "merging")),
    Case("yaml-1.3", project("%YAML 1.3\n---\n" + TEMPLATE), expect=(f"{A}:1:1", "incompatible")),
    Case("empty-documents", project("---\n---\n"), expect=("E1005", "no manifests found")),
    Case("second-document-bad", project(TEMPLATE + "---\n" + spec("spec: [\n")), expect=(f"{A}:", "YAML syntax error")),
    # names
    Case(
        "rtl-name",
        project(TEMPLATE.replace("name: x", 'name: "we\u202elcome"')),
        expect=(f"{A}:3:18", "'we\\u202elcome'", "metadata.name"),
    ),
    Case(
        "escape-sequence-name",
        project(TEMPLATE.replace("name: x", 'name: "a\\x1b[31mred"')),
        expect=(f"{A}:3:18", "'a\\x1b[31mred'"),
    ),
    Case("duplicate-name", project(TEMPLATE + "---\n" + TEMPLATE), expect=(f"{A}:", "duplicate EmailTemplate name 'x'")),
    # files a manifest names
    Case("body-absolute", project(BODY.replace("body.txt", "/etc/passwd")), expect=(f"{A}:4:33", "outside the project")),
    Case(
        "body-dotdot",
        project(BODY.replace("body.txt", "../../../../../../etc/passwd")),
        expect=(f"{A}:4:33", "spec.text.file", "outside the project"),
    ),
    Case("body-nul", project(BODY.replace("body.txt", '"a\\0b"')), expect=(f"{A}:4:33", "NUL byte")),
    Case("body-fifo", project(BODY, **{"manifests/body.txt": _fifo}), expect=(f"{A}:4:33", "not a regular file")),
    Case(
        "body-symlink-out",
        project(BODY, **{"manifests/body.txt": _link("/etc/passwd")}),
        expect=(f"{A}:4:33", "outside the project"),
    ),
    Case(
        "body-symlink-loop",
        project(BODY, **{"manifests/body.txt": _link("body.txt")}),
        expect=(f"{A}:4:33", "symbolic link loop"),
    ),
    Case("body-directory", project(BODY.replace("body.txt", ".")), expect=(f"{A}:4:33", "Is a directory")),
    Case("manifest-fifo", project(TEMPLATE, **{"manifests/b.yaml": _fifo}), expect=("manifests/b.yaml", "not a regular file")),
    Case(
        "manifest-symlink-loop",
        project(TEMPLATE, **{"manifests/b.yaml": _link("b.yaml")}),
        expect=("manifests/b.yaml", "loops back on itself"),
    ),
    Case(
        "manifest-to-device",
        project(TEMPLATE, **{"manifests/b.yaml": _link("/dev/zero")}),
        expect=("manifests/b.yaml", "outside the project"),
    ),
    # sesctl.yaml
    Case("project-fifo", {"sesctl.yaml": _fifo, A: TEMPLATE}, expect=("sesctl.yaml", "not a regular file")),
    Case(
        "manifests-outside",
        {"sesctl.yaml": PROJECT + "manifests: [manifests, /]\n", A: TEMPLATE},
        expect=("sesctl.yaml:4:", "manifests path '/' is outside the project"),
    ),
    Case(
        "manifests-dotdot",
        {"sesctl.yaml": PROJECT + "manifests: ../..\n", A: TEMPLATE},
        expect=("sesctl.yaml:4:12", "outside the project"),
    ),
    # the other commands read the same files
    Case("test-deep", project("d: " + "[" * 400 + "]" * 400 + "\n"), args=("test",), expect=(f"{A}:1:",)),
    Case(
        "render-body-fifo",
        project(BODY, **{"manifests/body.txt": _fifo}),
        args=("render", "x"),
        expect=(f"{A}:4:33", "not a regular file"),
    ),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return run_cases(CASES, tmp_path_factory.mktemp("manifests"))


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_manifest_is_refused(case: Case, results: dict[str, Run]) -> None:
    assert_refused(results[case.id], case)


def test_no_file_outside_the_project_is_echoed(results: dict[str, Run]) -> None:
    for name in ("body-absolute", "body-dotdot", "body-symlink-out", "manifests-outside"):
        assert "root:" not in results[name].output  # /etc/passwd's first line


@pytest.fixture(scope="module")
def emulator() -> Iterator[LocalEmulator]:
    with local_emulator() as emu:
        yield emu


APPLIED = [
    Case("apply-laughs", project(TEMPLATE + "---\n" + LAUGHS), args=("--endpoint-url", "{endpoint}", "apply", "--auto-approve"), expect=(f"{A}:", "aliases expand")),
    Case(
        "apply-body-fifo",
        project(TEMPLATE.replace("name: x", "name: y") + "---\n" + BODY, **{"manifests/body.txt": _fifo}),
        args=("--endpoint-url", "{endpoint}", "apply", "--auto-approve"),
        expect=(f"{A}:", "not a regular file"),
    ),
    Case(
        "plan-huge-int",
        project(TEMPLATE + "---\n" + spec("spec: {deliveryOptions: {maxDeliverySeconds: " + "9" * 5000 + "}}\n", "ConfigurationSet")),
        args=("--endpoint-url", "{endpoint}", "plan", "--json"),
        expect=(f"{A}:", "4300 digits"),
    ),
]


def test_bad_manifests_apply_nothing(tmp_path: Path, emulator: LocalEmulator) -> None:
    runs = run_cases(APPLIED, tmp_path, {"endpoint": emulator.endpoint_url})
    for case in APPLIED:
        assert_refused(runs[case.id], case)
    ses = emulator.client("sesv2")
    assert ses.list_email_templates()["TemplatesMetadata"] == []
    assert ses.list_configuration_sets()["ConfigurationSets"] == []


def test_a_good_project_passes_the_same_harness(tmp_path: Path) -> None:
    """The harness can tell good input from bad: the corpus' control."""
    from hostile_support import sesctl

    root = write_files(tmp_path, project(TEMPLATE))
    run = sesctl(["validate"], root)
    assert run.returncode == 0, run.output
