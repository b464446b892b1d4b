"""GS1 identifiers for serialised parts: GTIN, AI 21 serials, SGTIN and GLN/SGLN.

Everything here is pure and strict: a value is either valid (and returned in its normal form) or
rejected with a :class:`PartsInputError` whose ``code`` is stable (``gtin.check_digit``,
``serial.charset`` …) and whose message is plain English for logs and developers; user-facing
text comes from the caller's translations, keyed by the code.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, unquote

#: GS1 "AI encodable character set 82" (GS1 General Specifications, figure 7.11-1): the characters
#: an AI 21 serial (and AI 254, AI 10 …) may hold. No space, no ``#``, ``$``, ``@``, ``[``, ``\``,
#: ``]``, ``^``, backquote, ``{``, ``|``, ``}`` or ``~``, and nothing outside ASCII.
CHARSET_82: Final[frozenset[str]] = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)

#: AI 21 (serial) and AI 254 (GLN extension) are ``X..20``.
MAX_SERIAL_LENGTH: Final = 20

#: Crockford's base32 alphabet (no I, L, O, U): unambiguous when read aloud or retyped.
CROCKFORD_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

#: Random bits in a serial from :func:`new_serial`: 80 bits are 16 base32 characters.
SERIAL_RANDOM_BITS: Final = 80

#: The canonical GS1 Digital Link host; EPCIS 2.0 JSON uses these URIs as EPCs.
GS1_CANONICAL_HOST: Final = "id.gs1.org"

_GTIN_LENGTHS: Final = (8, 12, 13, 14)
_CANONICAL_EPC = re.compile(r"https://id\.gs1\.org/01/([0-9]{14})/21/([^/?#]{1,60})")
# EPC Tag Data Standard: in the pure-identity URN these characters of charset 82 are escaped.
_URN_ESCAPES: Final = {c: f"%{ord(c):02X}" for c in '"%&/<>?'}


class PartsInputError(ValueError):
    """A rejected parts identifier or input, with a stable machine code and English message."""

    def __init__(self, code: str, message: str, **params: str | int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params: dict[str, str | int] = params

    def __repr__(self) -> str:
        return f"PartsInputError({self.code!r}, {self.message!r})"


def _is_ascii_digits(value: str) -> bool:
    # str.isdigit() alone accepts full-width and other Unicode digits (１２３, ٣).
    return value.isascii() and value.isdigit()


def mod10_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of an all-digit body (weights 3, 1, 3 … from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def gtin_check_digit(body: str) -> str:
    """The check digit for a GTIN body of 7, 11, 12 or 13 digits (a GTIN without its last digit).

    Raises ``gtin.not_digits`` or ``gtin.length``.
    """
    if not isinstance(body, str) or not _is_ascii_digits(body):
        raise PartsInputError("gtin.not_digits", "A GTIN body must be ASCII digits only.")
    if len(body) + 1 not in _GTIN_LENGTHS:
        raise PartsInputError(
            "gtin.length", "A GTIN body must have 7, 11, 12 or 13 digits.", length=len(body)
        )
    return mod10_check_digit(body)


def normalise_gtin(value: str) -> str:
    """A valid GTIN-8, -12, -13 or -14 as 14 digits (left-padded with zeros).

    Codes: ``gtin.type`` (not a string), ``gtin.not_digits``, ``gtin.length``, ``gtin.zero``
    (all zeros), ``gtin.check_digit``.
    """
    if not isinstance(value, str):
        raise PartsInputError("gtin.type", "A GTIN must be given as a string of digits.")
    if not _is_ascii_digits(value):
        raise PartsInputError("gtin.not_digits", "A GTIN must be ASCII digits only.")
    if len(value) not in _GTIN_LENGTHS:
        raise PartsInputError(
            "gtin.length", "A GTIN must have 8, 12, 13 or 14 digits.", length=len(value)
        )
    if value.strip("0") == "":
        raise PartsInputError("gtin.zero", "A GTIN cannot be all zeros.")
    expected = mod10_check_digit(value[:-1])
    if value[-1] != expected:
        raise PartsInputError(
            "gtin.check_digit",
            f"The GTIN check digit should be {expected}, not {value[-1]}.",
            expected=expected,
        )
    return value.zfill(14)


def is_valid_gtin(value: str) -> bool:
    """Whether ``value`` is a valid GTIN-8, -12, -13 or -14."""
    try:
        normalise_gtin(value)
    except PartsInputError:
        return False
    return True


def _validate_x20(value: str, field: str, label: str) -> str:
    """An ``X..20`` AI value: 1-20 characters of charset 82."""
    if not isinstance(value, str):
        raise PartsInputError(f"{field}.type", f"A {label} must be a string.")
    if not value:
        raise PartsInputError(f"{field}.empty", f"A {label} cannot be empty.")
    if len(value) > MAX_SERIAL_LENGTH:
        raise PartsInputError(
            f"{field}.too_long",
            f"A {label} has at most {MAX_SERIAL_LENGTH} characters, not {len(value)}.",
            length=len(value),
        )
    for position, char in enumerate(value):
        if char not in CHARSET_82:
            # The character itself is not echoed: it may be a control or look-alike character.
            raise PartsInputError(
                f"{field}.charset",
                f"A {label} may only use GS1 charset 82; character {position + 1} is not in it.",
                position=position + 1,
            )
    return value


def validate_serial(value: str) -> str:
    """A valid AI 21 serial, unchanged. Codes: ``serial.type``, ``serial.empty``,
    ``serial.too_long``, ``serial.charset``."""
    return _validate_x20(value, "serial", "serial number")


def new_serial(randbytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A fresh, non-guessable serial: 80 random bits as 16 Crockford base32 characters.

    ``randbytes`` defaults to the CSPRNG; tests may pass ``random.Random(seed).randbytes``.
    """
    raw = randbytes(SERIAL_RANDOM_BITS // 8)
    if len(raw) != SERIAL_RANDOM_BITS // 8:
        raise ValueError("randbytes returned the wrong number of bytes")
    number = int.from_bytes(raw, "big")
    chars = [CROCKFORD_ALPHABET[(number >> shift) & 31] for shift in range(75, -1, -5)]
    return "".join(chars)


def _encode_dl_value(value: str) -> str:
    # Every character of charset 82 other than A-Z a-z 0-9 - . _ is percent-encoded (upper-case
    # hex), the canonical form the GS1 Digital Link standard and CBV 2.0 event hashes expect.
    return quote(value, safe="")


@dataclass(frozen=True, slots=True)
class SGTIN:
    """A serialised trade item: a GTIN (kept as 14 digits) plus an AI 21 serial."""

    gtin: str
    serial: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "gtin", normalise_gtin(self.gtin))
        validate_serial(self.serial)

    @property
    def epc_uri(self) -> str:
        """The canonical GS1 Digital Link URI, the form EPCIS 2.0 JSON uses as the EPC."""
        serial = _encode_dl_value(self.serial)
        return f"https://{GS1_CANONICAL_HOST}/01/{self.gtin}/21/{serial}"

    def urn(self, company_prefix_length: int) -> str:
        """The EPC pure-identity URN ``urn:epc:id:sgtin:<prefix>.<indicator+item>.<serial>``.

        The URN needs the length (6-12) of the GS1 company prefix inside the GTIN, which the
        GTIN alone does not tell; code ``sgtin.prefix_length`` when it is out of range.
        """
        if not 6 <= company_prefix_length <= 12:
            raise PartsInputError("sgtin.prefix_length", "A GS1 company prefix has 6 to 12 digits.")
        indicator, company, item = (
            self.gtin[0],
            self.gtin[1 : 1 + company_prefix_length],
            self.gtin[1 + company_prefix_length : 13],
        )
        serial = "".join(_URN_ESCAPES.get(c, c) for c in self.serial)
        return f"urn:epc:id:sgtin:{company}.{indicator}{item}.{serial}"

    @classmethod
    def parse_epc(cls, uri: str) -> SGTIN:
        """Parse the canonical form of :attr:`epc_uri` back, strictly.

        Codes: ``epc.format`` (not ``https://id.gs1.org/01/<14 digits>/21/<serial>``),
        ``epc.not_canonical`` (a serial encoded other than :attr:`epc_uri` would encode it),
        then any ``gtin.*`` or ``serial.*`` code.
        """
        if not isinstance(uri, str):
            raise PartsInputError("epc.format", "An EPC URI must be a string.")
        match = _CANONICAL_EPC.fullmatch(uri)
        if match is None:
            raise PartsInputError(
                "epc.format", "Expected https://id.gs1.org/01/<14-digit GTIN>/21/<serial>."
            )
        gtin, encoded = match.groups()
        if re.search(r"%(?![0-9A-F]{2})", encoded):
            raise PartsInputError("epc.not_canonical", "Malformed percent-encoding in serial.")
        sgtin = cls(gtin, unquote(encoded, errors="replace"))
        if sgtin.epc_uri != uri:
            raise PartsInputError(
                "epc.not_canonical", "The serial is not percent-encoded canonically."
            )
        return sgtin


# --- GLN and SGLN (locations) ---------------------------------------------------------------


def gln_check_digit(body: str) -> str:
    """The check digit for the 12-digit body of a GLN. Codes ``gln.not_digits``, ``gln.length``."""
    if not isinstance(body, str) or not _is_ascii_digits(body):
        raise PartsInputError("gln.not_digits", "A GLN body must be ASCII digits only.")
    if len(body) != 12:
        raise PartsInputError("gln.length", "A GLN body has 12 digits.", length=len(body))
    return mod10_check_digit(body)


def validate_gln(value: str) -> str:
    """A valid 13-digit GLN, unchanged.

    Codes: ``gln.type``, ``gln.not_digits``, ``gln.length``, ``gln.check_digit``.
    """
    if not isinstance(value, str):
        raise PartsInputError("gln.type", "A GLN must be given as a string of digits.")
    if not _is_ascii_digits(value):
        raise PartsInputError("gln.not_digits", "A GLN must be ASCII digits only.")
    if len(value) != 13:
        raise PartsInputError("gln.length", "A GLN has 13 digits.", length=len(value))
    expected = mod10_check_digit(value[:12])
    if value[12] != expected:
        raise PartsInputError(
            "gln.check_digit",
            f"The GLN check digit should be {expected}, not {value[12]}.",
            expected=expected,
        )
    return value


def is_valid_gln(value: str) -> bool:
    """Whether ``value`` is a valid 13-digit GLN."""
    try:
        validate_gln(value)
    except PartsInputError:
        return False
    return True


def sgln_uri(gln: str, extension: str = "0") -> str:
    """The canonical Digital Link URI of a location: ``https://id.gs1.org/414/<gln>/254/<ext>``.

    The extension ``"0"`` means "no extension" in the EPC Tag Data Standard, so it gives the
    bare ``https://id.gs1.org/414/<gln>`` (as TDS 2.0 translates ``urn:epc:id:sgln:….0``).
    Codes: any ``gln.*``, then ``gln_extension.empty``/``too_long``/``charset``/``type``.
    """
    validate_gln(gln)
    _validate_x20(extension, "gln_extension", "GLN extension")
    base = f"https://{GS1_CANONICAL_HOST}/414/{gln}"
    return base if extension == "0" else f"{base}/254/{_encode_dl_value(extension)}"
