"""MultiRegionEndpoint: an SES multi-region endpoint (global endpoint), CreateMultiRegionEndpoint.

The primary region is the region apply runs in (the environment's); ``details`` names the
secondary region as the API takes it (``Details.RoutesDetails``: exactly one route). SES has
no update for an endpoint: changing ``details`` replaces it (a new endpoint ID).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from reconciler.kinds.specs.base import SpecModel, Tags, pattern

Region = Annotated[str, pattern(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$", "an AWS Region name such as eu-west-1")]


class RouteDetails(SpecModel):
    """One route: the secondary region (RouteDetails)."""

    region: Region
    """The secondary region; traffic is split equally between it and the primary region."""


class Details(SpecModel):
    """The endpoint's configuration (SES's Details)."""

    routes_details: list[RouteDetails] = Field(min_length=1, max_length=1)
    """Exactly one route (SES: "Must contain exactly one route configuration")."""


class MultiRegionEndpointSpec(SpecModel):
    """``kind: MultiRegionEndpoint``: a global endpoint between this region and one other."""

    details: Details
    tags: Tags = Field(default_factory=dict)


__all__ = ["Details", "MultiRegionEndpointSpec", "RouteDetails"]
