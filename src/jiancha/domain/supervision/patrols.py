"""Patrols (巡查, R-PAT-1): supervision agencies look at the platform (data patrols) and the service
halls' windows (video patrols) every working day. How often is a pack setting per level of the
agency: the Sichuan measures ask a county 2 a working day of its own level; a city 2 of its own
and 1 of the counties below; the province 1 of its own and 10 below (2 cities and 8 counties)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

PerDay = Annotated[int, Field(ge=0, le=100)]


class Frequency(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    own: PerDay = 0  # patrols of the agency's own level, each working day
    below: PerDay = 0  # patrols of the regions below it, each working day


class PatrolRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    province: Frequency = Frequency(own=1, below=10)
    city: Frequency = Frequency(own=2, below=1)
    county: Frequency = Frequency(own=2, below=0)
    article: str = "四川省行政权力依法规范公开运行电子监察管理办法（试行） 第十一条"

    def of(self, level: str) -> Frequency:
        return {"province": self.province, "city": self.city, "county": self.county}.get(level, Frequency())
