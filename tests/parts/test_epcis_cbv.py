"""CBV 2.0 vocabularies: short names, URNs and Web URIs mean the same term."""

from __future__ import annotations

import pytest

from carecover.parts.service.epcis import (
    EpcisError,
    normalise_biz_step,
    normalise_biz_transaction_type,
    normalise_disposition,
    normalise_error_reason,
    normalise_source_dest_type,
)
from carecover.parts.service.epcis.cbv import (
    BIZ_STEP,
    BIZ_STEPS,
    BIZ_TRANSACTION_TYPES,
    DISPOSITION,
    DISPOSITIONS,
    ERROR_REASONS,
    SOURCE_DEST_TYPES,
    Vocabulary,
)
from carecover.parts.service.epcis.validation import epcis_schema


@pytest.mark.parametrize(
    "value",
    [
        "repairing",
        "urn:epcglobal:cbv:bizstep:repairing",
        "https://ref.gs1.org/cbv/BizStep-repairing",
        "cbv:BizStep-repairing",
    ],
)
def test_every_spelling_of_a_biz_step_is_the_same_term(value: str) -> None:
    assert normalise_biz_step(value) == "repairing"


@pytest.mark.parametrize(
    "value",
    [
        "Repairing",
        " repairing",
        "repair",
        "urn:epcglobal:cbv:bizstep:Repairing",
        "https://ref.gs1.org/cbv/Disp-repairing",
        "https://ns.gs1.org/voc/Bizstep-repairing",
        "urn:epcglobal:cbv:disp:active",
        "",
        None,
        42,
    ],
)
def test_unknown_biz_steps_are_rejected(value: object) -> None:
    with pytest.raises(EpcisError) as caught:
        normalise_biz_step(value)
    assert caught.value.code == "cbv.unknown_biz_step"


def test_dispositions() -> None:
    for value in (
        "in_transit",
        "urn:epcglobal:cbv:disp:in_transit",
        "https://ref.gs1.org/cbv/Disp-in_transit",
    ):
        assert normalise_disposition(value) == "in_transit"
    with pytest.raises(EpcisError) as caught:
        normalise_disposition("shipping")
    assert caught.value.code == "cbv.unknown_disposition"


def test_other_vocabularies() -> None:
    assert normalise_biz_transaction_type("urn:epcglobal:cbv:btt:po") == "po"
    assert normalise_source_dest_type("https://ref.gs1.org/cbv/SDT-owning_party") == "owning_party"
    assert normalise_error_reason("urn:epcglobal:cbv:er:incorrect_data") == "incorrect_data"
    for call, code in (
        (normalise_biz_transaction_type, "cbv.unknown_biz_transaction_type"),
        (normalise_source_dest_type, "cbv.unknown_source_dest_type"),
        (normalise_error_reason, "cbv.unknown_error_reason"),
    ):
        with pytest.raises(EpcisError) as caught:
            call("nope")
        assert caught.value.code == code


def test_full_cbv_2_0_lists() -> None:
    assert len(BIZ_STEPS) == 41
    assert len(DISPOSITIONS) == 33
    assert {"commissioning", "shipping", "receiving", "installing", "removing"} <= BIZ_STEPS
    assert {"destroying", "repairing", "inspecting", "decommissioning"} <= BIZ_STEPS
    assert {"active", "in_transit", "sellable_not_accessible", "needs_replacement"} <= DISPOSITIONS
    assert {"destroyed", "in_progress", "damaged", "stolen", "recalled"} <= DISPOSITIONS


@pytest.mark.parametrize(
    ("definition", "terms"),
    [
        ("bizStep", BIZ_STEPS),
        ("disposition", DISPOSITIONS),
        ("bizTransaction-type", BIZ_TRANSACTION_TYPES),
        ("source-dest-type", SOURCE_DEST_TYPES),
        ("error-reason", ERROR_REASONS),
    ],
)
def test_lists_equal_the_official_schema_enums(definition: str, terms: frozenset[str]) -> None:
    any_of = epcis_schema()["definitions"][definition]["anyOf"]
    enums = [set(branch["enum"]) for branch in any_of if "enum" in branch]
    assert enums == [set(terms)]


@pytest.mark.parametrize("vocabulary", [BIZ_STEP, DISPOSITION])
def test_every_term_round_trips_through_every_spelling(vocabulary: Vocabulary) -> None:
    for term in vocabulary.terms:
        for spelling in (term, vocabulary.urn(term), vocabulary.web_uri(term)):
            assert vocabulary.normalise(spelling) == term
