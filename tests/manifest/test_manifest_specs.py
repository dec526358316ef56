"""The spec models of every kind, through load_manifests (YAML in, typed resources out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from manifest_cli import write
from pydantic import ValidationError

from reconciler.kinds.registry import KIND_SPECS, PLUGINS
from reconciler.kinds.specs.configuration_set import ConfigurationSetSpec
from reconciler.kinds.specs.dedicated_ip_pool import DedicatedIpPoolSpec
from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.kinds.specs.event_destination import EventDestinationSpec
from reconciler.kinds.specs.suppression_policy import SuppressionPolicySpec
from reconciler.manifest import ManifestInvalid, load_manifests, validate


def manifest(kind: str, name: str | None, spec: dict[str, Any], **metadata: Any) -> str:
    meta = {"name": name, **metadata} if name else metadata
    doc: dict[str, Any] = {"apiVersion": "sesctl/v1", "kind": kind, "spec": spec}
    if meta:
        doc["metadata"] = meta
    return yaml.safe_dump(doc, sort_keys=False)


def load(tmp_path: Path, *docs: str, files: dict[str, str] | None = None) -> Any:
    write(tmp_path, {"m.yaml": "---\n".join(docs), **(files or {})})
    return load_manifests(tmp_path / "m.yaml", environ={})


SUPPRESSION_STATES = [
    pytest.param(None, None, id="absent-inherits"),
    pytest.param(
        {"suppressedReasons": ["BOUNCE", "COMPLAINT"]}, frozenset({"BOUNCE", "COMPLAINT"}), id="reasons"
    ),
    pytest.param({"suppressedReasons": []}, frozenset(), id="empty-disables"),
]


@pytest.mark.parametrize(("options", "reasons"), SUPPRESSION_STATES)
def test_suppression_three_states_round_trip(tmp_path: Path, options: Any, reasons: Any) -> None:
    spec: dict[str, Any] = {} if options is None else {"suppressionOptions": options}
    state = load(tmp_path, manifest("ConfigurationSet", "cs", spec))
    model = state.resources[0].spec_as(ConfigurationSetSpec)
    if options is None:
        assert model.suppression_options is None
    else:
        assert model.suppression_options is not None
        assert model.suppression_options.suppressed_reasons == reasons
    dumped = model.model_dump(mode="json", exclude_unset=True)
    if dumped.get("suppressionOptions"):
        dumped["suppressionOptions"]["suppressedReasons"].sort()
    assert dumped == spec  # exactly what was written, all three states distinct
    assert ConfigurationSetSpec.model_validate(dumped) == model


def test_suppression_options_need_explicit_reasons() -> None:
    with pytest.raises(ValidationError, match="suppressedReasons"):
        ConfigurationSetSpec.model_validate({"suppressionOptions": {}})


def test_configuration_set_every_option_group(tmp_path: Path) -> None:
    spec = {
        "deliveryOptions": {"tlsPolicy": "REQUIRE", "sendingPoolName": "pool-a", "maxDeliverySeconds": 50400},
        "reputationOptions": {"reputationMetricsEnabled": False},
        "sendingOptions": {"sendingEnabled": False},
        "trackingOptions": {"customRedirectDomain": "click.example.com", "httpsPolicy": "REQUIRE_OPEN_ONLY"},
        "suppressionOptions": {
            "suppressedReasons": ["COMPLAINT"],
            "validationOptions": {
                "conditionThreshold": {
                    "conditionThresholdEnabled": "ENABLED",
                    "overallConfidenceThreshold": {"confidenceVerdictThreshold": "HIGH"},
                }
            },
        },
        "vdmOptions": {
            "dashboardOptions": {"engagementMetrics": "DISABLED"},
            "guardianOptions": {"optimizedSharedDelivery": "ENABLED"},
        },
        "archivingOptions": {
            "archiveArn": "arn:aws:ses:us-east-1:123456789012:mailmanager-archive/a-abcdefghijklmnopqrstuvwxyz"
        },
        "tags": {"team": "growth", "empty": ""},
    }
    state = load(
        tmp_path, manifest("ConfigurationSet", "cs", spec), manifest("DedicatedIpPool", "pool-a", {})
    )
    model = state.get("ConfigurationSet/cs").spec_as(ConfigurationSetSpec)
    assert model.delivery_options is not None and model.delivery_options.max_delivery_seconds == 50400
    assert model.sending_pool == "pool-a"
    assert model.tags == {"team": "growth", "empty": ""}
    # The engine reads snake_case dumps (reconciler.kinds.common.spec_dict).
    snake = model.model_dump(mode="json", by_alias=False, exclude_none=True)
    assert snake["tracking_options"] == {
        "custom_redirect_domain": "click.example.com",
        "https_policy": "REQUIRE_OPEN_ONLY",
    }
    assert snake["vdm_options"]["guardian_options"] == {"optimized_shared_delivery": "ENABLED"}


@pytest.mark.parametrize("seconds", [299, 50401])
def test_max_delivery_seconds_bounds(seconds: int) -> None:
    with pytest.raises(ValidationError):
        ConfigurationSetSpec.model_validate({"deliveryOptions": {"maxDeliverySeconds": seconds}})


def test_a_domain_identity_is_named_in_lower_case() -> None:
    from pydantic import TypeAdapter

    from reconciler.kinds.specs.email_identity import IdentityName

    names: TypeAdapter[str] = TypeAdapter(IdentityName)
    with pytest.raises(ValidationError, match=r"write 'example\.com'"):
        names.validate_python("Example.com")
    assert names.validate_python("example.com") == "example.com"
    assert names.validate_python("Ana@Example.com") == "Ana@Example.com"  # SES: addresses keep their case


def test_at_most_49_tags_as_sesctl_adds_its_owner_tag_to_ses_50() -> None:
    ConfigurationSetSpec.model_validate({"tags": {f"k{i}": "" for i in range(49)}})
    with pytest.raises(ValidationError, match="50 tags: at most 49"):
        ConfigurationSetSpec.model_validate({"tags": {f"k{i}": "" for i in range(50)}})


def test_reserved_tag_prefix() -> None:
    with pytest.raises(ValidationError, match="reserved"):
        ConfigurationSetSpec.model_validate({"tags": {"sesctl:stack": "x"}})


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"aws:owner": "x"}, "reserved prefix 'aws:'"),
        ({"owner": "AWS:ses"}, "reserved prefix 'aws:'"),
    ],
)
def test_tags_aws_reserves_are_refused_at_validate(tags: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ConfigurationSetSpec.model_validate({"tags": tags})
    ConfigurationSetSpec.model_validate({"tags": {"équipe data": "ana@example.com", "k/v=1+2": "Shop (1)"}})


TARGETS = {
    "cloudWatchDestination": {
        "dimensionConfigurations": [
            {
                "dimensionName": "campaign",
                "dimensionValueSource": "MESSAGE_TAG",
                "defaultDimensionValue": "none",
            }
        ]
    },
    "snsDestination": {"topicArn": "arn:aws:sns:us-east-1:123456789012:events"},
    "kinesisFirehoseDestination": {
        "iamRoleArn": "arn:aws:iam::123456789012:role/firehose",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/ses",
    },
    "eventBridgeDestination": {"eventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"},
    "pinpointDestination": {"applicationArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc123"},
}


@pytest.mark.parametrize("target", list(TARGETS))
def test_event_destination_each_target(tmp_path: Path, target: str) -> None:
    spec = {"configurationSet": "cs", "matchingEventTypes": ["BOUNCE", "SEND"], target: TARGETS[target]}
    state = load(tmp_path, manifest("ConfigurationSet", "cs", {}), manifest("EventDestination", "dest", spec))
    resource = state.get("EventDestination/cs/dest")
    assert resource is not None and resource.ses_name == "dest" and resource.name == "cs/dest"
    model = resource.spec_as(EventDestinationSpec)
    assert model.target == target
    assert model.enabled is True
    assert model.matching_event_types == frozenset({"BOUNCE", "SEND"})


def test_event_destination_names_are_per_configuration_set(tmp_path: Path) -> None:
    sns = {"snsDestination": TARGETS["snsDestination"], "matchingEventTypes": ["BOUNCE"]}
    state = load(
        tmp_path,
        manifest("ConfigurationSet", "a", {}),
        manifest("ConfigurationSet", "b", {}),
        manifest("EventDestination", "feedback", {"configurationSet": "a", **sns}),
        manifest("EventDestination", "feedback", {"configurationSet": "b", **sns}),
    )
    assert sorted(state.by_address()) == [
        "ConfigurationSet/a",
        "ConfigurationSet/b",
        "EventDestination/a/feedback",
        "EventDestination/b/feedback",
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"matchingEventTypes": ["BOUNCE"]}, "exactly one target"),
        ({"matchingEventTypes": ["BOUNCE"], **TARGETS}, "exactly one target"),
        (
            {"matchingEventTypes": ["BOUNCE", "BOUNCE"], "snsDestination": TARGETS["snsDestination"]},
            "more than once",
        ),
        ({"matchingEventTypes": ["bounce"], "snsDestination": TARGETS["snsDestination"]}, "BOUNCE"),
        ({"matchingEventTypes": ["BOUNCE"], "snsDestination": {"topicArn": "not-an-arn"}}, "pattern"),
        ({"matchingEventTypes": [], "snsDestination": TARGETS["snsDestination"]}, "at least 1 item"),
    ],
)
def test_event_destination_refusals(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EventDestinationSpec.model_validate({"configurationSet": "cs", **spec})


def test_dedicated_ip_pool(tmp_path: Path) -> None:
    spec = {"dedicatedIps": [{"ip": "198.51.100.1", "warmupPercentage": 40}, {"ip": "198.51.100.2"}]}
    state = load(
        tmp_path,
        manifest("DedicatedIpPool", "p", spec),
        manifest("DedicatedIpPool", "m", {"scalingMode": "MANAGED"}),
    )
    standard = state.get("DedicatedIpPool/p").spec_as(DedicatedIpPoolSpec)
    assert standard.scaling_mode == "STANDARD"
    assert [(ip.ip, ip.warmup_percentage) for ip in standard.dedicated_ips] == [
        ("198.51.100.1", 40),
        ("198.51.100.2", None),
    ]
    assert state.get("DedicatedIpPool/m").spec_as(DedicatedIpPoolSpec).dedicated_ips == []
    with pytest.raises(ValidationError, match=r"between|less than or equal"):
        DedicatedIpPoolSpec.model_validate(
            {"dedicatedIps": [{"ip": "198.51.100.1", "warmupPercentage": 101}]}
        )
    with pytest.raises(ValidationError, match="more than once"):
        DedicatedIpPoolSpec.model_validate({"dedicatedIps": [{"ip": "198.51.100.1"}, {"ip": "198.51.100.1"}]})


def test_suppression_policy_singleton(tmp_path: Path) -> None:
    spec = {
        "suppressedReasons": [],
        "validationAttributes": {"conditionThreshold": {"conditionThresholdEnabled": "DISABLED"}},
    }
    state = load(tmp_path, manifest("SuppressionPolicy", None, spec))
    resource = state.resources[0]
    assert resource.address == "SuppressionPolicy/account"
    assert resource.spec_as(SuppressionPolicySpec).suppressed_reasons == frozenset()
    problems = validate(
        write(tmp_path / "other", {"m.yaml": manifest("SuppressionPolicy", "mine", spec)}), environ={}
    )
    assert [p.code for p in problems] == ["E2005"]


def test_email_template_bodies_from_files_and_inline(tmp_path: Path) -> None:
    spec = {
        "subject": "Hi {{name}}",
        "html": {"file": "bodies/hi.html"},
        "text": "Hi {{name}}, ✉️ ünïcode",
        "defaults": {"name": "there"},
        "tags": {"team": "growth"},
    }
    state = load(
        tmp_path, manifest("EmailTemplate", "hi", spec), files={"bodies/hi.html": "<b>Hi {{name}} 🎉</b>\n"}
    )
    resource = state.resources[0]
    model = resource.spec_as(EmailTemplateSpec)
    assert model.html == "<b>Hi {{name}} 🎉</b>\n"  # bytes exact: no normalization of UTF-8
    assert model.text == "Hi {{name}}, ✉️ ünïcode"
    assert resource.body_files == {"html": (tmp_path / "bodies/hi.html").resolve()}
    assert model.marketing is False and model.tests == []


def test_email_template_needs_a_body() -> None:
    with pytest.raises(ValidationError, match="html, text or both"):
        EmailTemplateSpec.model_validate({"subject": "x"})
    with pytest.raises(ValidationError, match="string or"):
        EmailTemplateSpec.model_validate({"subject": "x", "html": {"path": "a.html"}})


def test_template_test_expectations() -> None:
    model = EmailTemplateSpec.model_validate(
        {
            "subject": "x",
            "text": "y",
            "tests": [
                {
                    "data": {"a": 1},
                    "expect": {"subjectContains": "x", "htmlContains": ["a", "b"], "maxHtmlBytes": 10},
                },
                {"expect": {"rendersWithoutError": False, "errorContains": "a"}},
            ],
        }
    )
    assert model.tests[0].expect.subject_contains == ["x"]
    assert model.tests[0].expect.html_contains == ["a", "b"]
    assert model.tests[1].data == {}
    with pytest.raises(ValidationError, match="errorContains needs"):
        EmailTemplateSpec.model_validate(
            {"subject": "x", "text": "y", "tests": [{"expect": {"errorContains": "a"}}]}
        )


def test_metadata_labels_annotations_protect(tmp_path: Path) -> None:
    state = load(
        tmp_path,
        manifest(
            "DedicatedIpPool",
            "p",
            {},
            labels={"team": "growth", "app.kubernetes.io/name": "x"},
            annotations={"note": "hi"},
            protect=True,
        ),
    )
    resource = state.resources[0]
    assert resource.labels == {"team": "growth", "app.kubernetes.io/name": "x"}
    assert resource.annotations == {"note": "hi"}
    assert resource.protect is True
    assert resource.file.endswith("m.yaml") and resource.line == 1


def test_unknown_fields_everywhere_are_errors(tmp_path: Path) -> None:
    doc = manifest("DedicatedIpPool", "p", {"scalingMod": "STANDARD"}, protected=True) + "extra: 1\n"
    with pytest.raises(ManifestInvalid) as caught:
        load(tmp_path, doc)
    fields = sorted(d.field for d in caught.value.diagnostics)
    assert fields == ["extra", "metadata.protected", "spec.scalingMod"]
    assert all(d.code == "E2002" for d in caught.value.diagnostics)


def test_every_kind_has_a_spec_and_envelope() -> None:
    from reconciler.manifest.documents import ENVELOPES

    assert set(ENVELOPES) == set(KIND_SPECS) == set(PLUGINS)
    known = {"EmailTemplate", "ConfigurationSet", "EventDestination", "DedicatedIpPool", "SuppressionPolicy"}
    assert known | {"EmailIdentity", "TemplateExperiment"} <= set(KIND_SPECS)
    for model in KIND_SPECS.values():
        assert model.model_config.get("extra") == "forbid"


def test_yaml_spelling_is_pydantics_to_camel_for_every_field() -> None:
    """base.camel stands in for pydantic's to_camel (which costs four regexes a call): the two
    must agree on every field name of every model read from YAML (specs, envelopes, sesctl.yaml)."""
    from pydantic.alias_generators import to_camel

    import reconciler.manifest.project  # noqa: F401 - sesctl.yaml's models are SpecModels too
    from reconciler.kinds.specs.base import SpecModel, camel
    from reconciler.manifest.documents import ENVELOPES

    for kind in ENVELOPES:
        ENVELOPES[kind]  # made on first use
    models: list[type[SpecModel]] = []
    pending = [SpecModel]
    while pending:
        subclasses = pending.pop().__subclasses__()
        models += subclasses
        pending += subclasses
    names = {name for model in models for name in model.model_fields}
    assert len(models) > 40 and len(names) > 150
    assert {name: camel(name) for name in names} == {name: to_camel(name) for name in names}
