"""GS1 Core Business Vocabulary (CBV) 2.0 terms used in EPCIS events.

Each standard term has three spellings that mean the same thing:

* the short name used in EPCIS 2.0 JSON-LD (``repairing``),
* the legacy URN (``urn:epcglobal:cbv:bizstep:repairing``),
* the Web URI (``https://ref.gs1.org/cbv/BizStep-repairing``), also written as the CURIE
  ``cbv:BizStep-repairing``.

``normalise_*`` accept any of them and return the short name; anything else is rejected with an
:class:`EpcisError` (``cbv.unknown_biz_step`` …). Matching is exact: no trimming, no case folding.
The term lists are CBV 2.0 (they equal the enums of the EPCIS 2.0 JSON schema). Custom (non-GS1)
vocabulary URIs are allowed by EPCIS, but this module only recognises the standard terms; callers
that accept custom types must check them themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from carecover.parts.service.epcis.errors import EpcisError

CBV_WEB_BASE: Final = "https://ref.gs1.org/cbv/"
CBV_CURIE_PREFIX: Final = "cbv:"
CBV_URN_BASE: Final = "urn:epcglobal:cbv:"

BIZ_STEPS: Final = frozenset(
    {
        "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
        "creating_class_instance", "cycle_counting", "decommissioning", "departing", "destroying",
        "disassembling", "dispensing", "encoding", "entering_exiting", "holding", "inspecting",
        "installing", "killing", "loading", "other", "packing", "picking", "receiving", "removing",
        "repackaging", "repairing", "replacing", "reserving", "retail_selling", "sampling",
        "sensor_reporting", "shipping", "staging_outbound", "stock_taking", "stocking", "storing",
        "transporting", "unloading", "unpacking", "void_shipping",
    }
)  # fmt: skip

DISPOSITIONS: Final = frozenset(
    {
        "active", "available", "completeness_inferred", "completeness_verified", "conformant",
        "container_closed", "container_open", "damaged", "destroyed", "dispensed", "disposed",
        "encoded", "expired", "in_progress", "in_transit", "inactive", "mismatch_class",
        "mismatch_instance", "mismatch_quantity", "needs_replacement", "no_pedigree_match",
        "non_conformant", "non_sellable_other", "partially_dispensed", "recalled", "reserved",
        "retail_sold", "returned", "sellable_accessible", "sellable_not_accessible", "stolen",
        "unavailable", "unknown",
    }
)  # fmt: skip

BIZ_TRANSACTION_TYPES: Final = frozenset(
    {"bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma",
     "testprd", "testres"}
)  # fmt: skip

SOURCE_DEST_TYPES: Final = frozenset({"owning_party", "possessing_party", "location"})

ERROR_REASONS: Final = frozenset({"did_not_occur", "incorrect_data"})


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """One CBV vocabulary: its terms and how its URN and Web URI spellings are built."""

    name: str
    web_stem: str  # "BizStep" → https://ref.gs1.org/cbv/BizStep-<term>
    urn_stem: str  # "bizstep" → urn:epcglobal:cbv:bizstep:<term>
    terms: frozenset[str]
    error_code: str

    @property
    def web_prefix(self) -> str:
        return f"{CBV_WEB_BASE}{self.web_stem}-"

    @property
    def curie_prefix(self) -> str:
        return f"{CBV_CURIE_PREFIX}{self.web_stem}-"

    @property
    def urn_prefix(self) -> str:
        return f"{CBV_URN_BASE}{self.urn_stem}:"

    def short_name(self, value: str) -> str | None:
        """The term behind any standard spelling of ``value``, or None if it is not one."""
        for prefix in (self.web_prefix, self.urn_prefix, self.curie_prefix):
            if value.startswith(prefix):
                value = value[len(prefix) :]
                break
        return value if value in self.terms else None

    def normalise(self, value: object) -> str:
        """The short name of a standard term; :class:`EpcisError` for anything else."""
        term = self.short_name(value) if isinstance(value, str) else None
        if term is None:
            shown = repr(value)[:80]
            raise EpcisError(self.error_code, f"{shown} is not a CBV 2.0 {self.name}")
        return term

    def web_uri(self, value: object) -> str:
        """The CBV Web URI (``https://ref.gs1.org/cbv/…``) of a standard term."""
        return self.web_prefix + self.normalise(value)

    def urn(self, value: object) -> str:
        """The legacy URN (``urn:epcglobal:cbv:…``) of a standard term."""
        return self.urn_prefix + self.normalise(value)


BIZ_STEP: Final = Vocabulary(
    "business step", "BizStep", "bizstep", BIZ_STEPS, "cbv.unknown_biz_step"
)
DISPOSITION: Final = Vocabulary(
    "disposition", "Disp", "disp", DISPOSITIONS, "cbv.unknown_disposition"
)
BIZ_TRANSACTION_TYPE: Final = Vocabulary(
    "business transaction type",
    "BTT",
    "btt",
    BIZ_TRANSACTION_TYPES,
    "cbv.unknown_biz_transaction_type",
)
SOURCE_DEST_TYPE: Final = Vocabulary(
    "source/destination type", "SDT", "sdt", SOURCE_DEST_TYPES, "cbv.unknown_source_dest_type"
)
ERROR_REASON: Final = Vocabulary(
    "error reason", "ER", "er", ERROR_REASONS, "cbv.unknown_error_reason"
)


def normalise_biz_step(value: object) -> str:
    """``repairing``, its URN or its Web URI → ``"repairing"``; else ``cbv.unknown_biz_step``."""
    return BIZ_STEP.normalise(value)


def normalise_disposition(value: object) -> str:
    """Any spelling of a CBV disposition → its short name; else ``cbv.unknown_disposition``."""
    return DISPOSITION.normalise(value)


def normalise_biz_transaction_type(value: object) -> str:
    """Any spelling of a CBV business transaction type → short name, else
    ``cbv.unknown_biz_transaction_type``."""
    return BIZ_TRANSACTION_TYPE.normalise(value)


def normalise_source_dest_type(value: object) -> str:
    """Any spelling of a CBV source/destination type → short name, else
    ``cbv.unknown_source_dest_type``."""
    return SOURCE_DEST_TYPE.normalise(value)


def normalise_error_reason(value: object) -> str:
    """Any spelling of a CBV error reason → short name, else ``cbv.unknown_error_reason``."""
    return ERROR_REASON.normalise(value)
