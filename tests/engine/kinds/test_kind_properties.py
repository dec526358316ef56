"""Property tests over random valid specs, against one emulator: what is created reads back
equal to its normalized form, normalization is idempotent, and any update converges."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.aws.gateway import SesGateway
from reconciler.aws.ratelimit import RateLimits
from reconciler.kinds.common import pascal
from reconciler.kinds.configuration_set import KIND as SETS
from reconciler.kinds.email_template import KIND as TEMPLATES
from reconciler.kinds.specs.configuration_set import ConfigurationSetSpec
from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.testing import ACCOUNT_ID, local_emulator

STACK = "prop"
_names = (f"n{i}" for i in itertools.count())

REASONS = st.lists(st.sampled_from(["BOUNCE", "COMPLAINT"]), unique=True)
STATUS = st.sampled_from(["ENABLED", "DISABLED"])
CONFIG_SETS = st.fixed_dictionaries(
    {},
    optional={
        "deliveryOptions": st.fixed_dictionaries(
            {},
            optional={
                "tlsPolicy": st.sampled_from(["REQUIRE", "OPTIONAL"]),
                "maxDeliverySeconds": st.integers(300, 50400),
            },
        ),
        "reputationOptions": st.fixed_dictionaries({"reputationMetricsEnabled": st.booleans()}),
        "sendingOptions": st.fixed_dictionaries({"sendingEnabled": st.booleans()}),
        "trackingOptions": st.fixed_dictionaries(
            {"customRedirectDomain": st.sampled_from(["t.example.com", "links.example.org"])},
            optional={"httpsPolicy": st.sampled_from(["REQUIRE", "REQUIRE_OPEN_ONLY", "OPTIONAL"])},
        ),
        "suppressionOptions": st.fixed_dictionaries({"suppressedReasons": REASONS}),
        "vdmOptions": st.fixed_dictionaries(
            {},
            optional={
                "dashboardOptions": st.fixed_dictionaries({"engagementMetrics": STATUS}),
                "guardianOptions": st.fixed_dictionaries({"optimizedSharedDelivery": STATUS}),
            },
        ),
        "tags": st.dictionaries(st.sampled_from(["a", "team", "ü"]), st.text(max_size=8), max_size=3),
    },
)
# Any text but Handlebars' own syntax characters (a body must still parse as a template).
BODY = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="{}\\\x00"), min_size=1, max_size=40
)
TEMPLATES_ = st.fixed_dictionaries({"subject": BODY, "text": BODY}, optional={"html": BODY})


@pytest.fixture(scope="module")
def shared_gateway() -> Iterator[SesGateway]:
    with local_emulator() as emu:
        yield SesGateway(
            emu.client("sesv2"), limits=RateLimits(default=10_000, burst=10_000), account_id=ACCOUNT_ID
        )


def changed(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return [k for k in set(a) | set(b) if a.get(k) != b.get(k)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=CONFIG_SETS, second=CONFIG_SETS)
def test_configuration_sets_round_trip_and_converge(
    shared_gateway: SesGateway, first: Any, second: Any
) -> None:
    name = next(_names)
    desired = SETS.normalize_desired(name, ConfigurationSetSpec.model_validate(first), STACK)
    # Idempotent: the normalized form, sent to SES's shape and normalized again, is unchanged.
    assert SETS.normalize_live({**pascal({k: v for k, v in desired.items() if k != "tags"})}) == {
        **desired,
        "tags": {},
    }
    SETS.create(shared_gateway, name, desired, STACK)
    live = SETS.read_live(shared_gateway, [name])[name]
    assert live.normalized == desired

    target = SETS.normalize_desired(name, ConfigurationSetSpec.model_validate(second), STACK)
    shared_gateway.reset_counters()
    SETS.update(shared_gateway, name, target, live, changed(live.normalized, target))
    assert not {"CreateConfigurationSet", "DeleteConfigurationSet"} & set(shared_gateway.calls)
    assert SETS.read_live(shared_gateway, [name])[name].normalized == target


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=TEMPLATES_, second=TEMPLATES_)
def test_templates_with_any_unicode_round_trip_and_converge(
    shared_gateway: SesGateway, first: Any, second: Any
) -> None:
    name = next(_names)
    desired = TEMPLATES.normalize_desired(name, EmailTemplateSpec.model_validate(first), STACK)
    TEMPLATES.create(shared_gateway, name, desired, STACK)
    live = TEMPLATES.read_live(shared_gateway, [name])[name]
    assert live.normalized == desired
    target = TEMPLATES.normalize_desired(name, EmailTemplateSpec.model_validate(second), STACK)
    TEMPLATES.update(shared_gateway, name, target, live, changed(live.normalized, target))
    assert TEMPLATES.read_live(shared_gateway, [name])[name].normalized == target
