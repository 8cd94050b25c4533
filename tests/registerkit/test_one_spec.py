"""One register description for both answer shapes: the mode decides, nothing else."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from brokerguard.attestations.service import ATTESTATIONS
from brokerguard.devices.registers import DEVICES
from brokerguard.findings.registers import FINDINGS
from brokerguard.iot.registers import ASSESSMENTS, ASSETS, EXCEPTIONS, VENDORS
from brokerguard.registerkit import pages, spec
from brokerguard.registerkit.spec import ColumnMode, ModelMode, RegisterSpec
from brokerguard.social.registers import REGISTERS as SOCIAL
from brokerguard.training.service import REGISTERS as TRAINING

COLUMN_MODE = (ATTESTATIONS, *SOCIAL, *TRAINING)
MODEL_MODE = (ASSETS, VENDORS, ASSESSMENTS, EXCEPTIONS, DEVICES, FINDINGS)


class ThingIn(BaseModel):
    name: str


def test_every_register_is_declared_with_the_one_spec() -> None:
    everything = (*COLUMN_MODE, *MODEL_MODE)
    assert all(type(register) is RegisterSpec for register in everything)
    assert all(isinstance(register.mode, ColumnMode) for register in COLUMN_MODE)
    assert all(isinstance(register.mode, ModelMode) for register in MODEL_MODE)
    keys = [register.key for register in everything]
    assert len(keys) == len(set(keys)), keys
    assert all(register.title_zh and register.title_en for register in everything)


def test_the_kit_has_one_spec_class() -> None:
    assert not hasattr(pages, "RegisterSpec") or pages.RegisterSpec is spec.RegisterSpec


def test_asking_a_register_for_the_other_mode_names_it() -> None:
    with pytest.raises(TypeError, match="'iot-assets' is in model mode"):
        ASSETS.by_columns  # noqa: B018
    with pytest.raises(TypeError, match="'iot-assets' is in model mode"):
        ASSETS.columns  # noqa: B018
    with pytest.raises(TypeError, match="'training-people' is in column mode"):
        TRAINING[0].by_model  # noqa: B018


def test_a_mode_that_is_neither_is_refused_at_declaration() -> None:
    with pytest.raises(TypeError, match="register 'things': mode must be"):
        RegisterSpec(
            key="things",
            path="/things",
            title_zh="物品",
            title_en="Things",
            model=ThingIn,
            mode={"fields": ()},  # type: ignore[arg-type]
        )
