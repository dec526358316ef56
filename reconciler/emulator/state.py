"""The emulator's SES state, in typed pydantic models, persisted as JSON.

One ``SesState`` per region inside ``EmulatorState``. Operation groups add their own fields to
``SesState`` (each with a default, so older state files still load).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SesState(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EmulatorState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format_version: int = 1
    regions: dict[str, SesState] = Field(default_factory=dict)

    def region(self, name: str) -> SesState:
        if name not in self.regions:
            self.regions[name] = SesState()
        return self.regions[name]

    def to_json(self) -> str:
        return self.model_dump_json(indent=1)

    @classmethod
    def from_json(cls, text: str) -> EmulatorState:
        return cls.model_validate_json(text)
