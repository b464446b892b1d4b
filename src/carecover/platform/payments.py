"""The payment port: how CareCover tells a bank or payment provider to move money.

Domains create a payment instruction row in their own transaction (unique per idempotency key),
publish an event, and after commit a handler calls ``PaymentPort.send``. Providers deduplicate by
the idempotency key, so a redelivered event never pays twice. The in-process adapter stands in for
a provider in development, tests and the demo: it settles at once and remembers every key.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from carecover.platform.clock import utc_now


class PaymentRefused(RuntimeError):
    """The provider refused the instruction (``code`` is stable)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class PaymentInstruction:
    idempotency_key: str
    amount_fen: int
    payee_type: str
    """customer or partner."""
    payee_id: uuid.UUID
    purpose: str
    """What the money is for, e.g. claim:CL261125ABC123."""


@dataclass(frozen=True, slots=True)
class PaymentReceipt:
    provider_ref: str
    settled_at: datetime


class PaymentPort(Protocol):
    def send(self, instruction: PaymentInstruction) -> PaymentReceipt: ...


class InProcessPayments:
    """Settles immediately; the same key returns the same receipt, a changed amount is refused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: dict[str, tuple[PaymentInstruction, PaymentReceipt]] = {}

    def send(self, instruction: PaymentInstruction) -> PaymentReceipt:
        if type(instruction.amount_fen) is not int or instruction.amount_fen <= 0:
            raise PaymentRefused("payment.invalid_amount")
        with self._lock:
            seen = self._sent.get(instruction.idempotency_key)
            if seen is not None:
                if seen[0] != instruction:
                    raise PaymentRefused("payment.key_reused")
                return seen[1]
            digest = hashlib.sha256(instruction.idempotency_key.encode()).hexdigest()[:16]
            receipt = PaymentReceipt(f"INPROC-{digest.upper()}", utc_now())
            self._sent[instruction.idempotency_key] = (instruction, receipt)
            return receipt

    @property
    def sent(self) -> int:
        with self._lock:
            return len(self._sent)


_PORT: PaymentPort = InProcessPayments()


def payment_port() -> PaymentPort:
    return _PORT


def use_payment_port(port: PaymentPort) -> PaymentPort:
    """Swap the adapter (a provider integration, or a test double); returns the previous one."""
    global _PORT
    previous, _PORT = _PORT, port
    return previous
