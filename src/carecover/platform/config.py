"""One settings object for the whole process, read from CARECOVER_* environment variables."""

from __future__ import annotations

import base64
import json
import os
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-insecure-change-me"  # noqa: S105 - the sentinel production refuses
DEV_KEY_ID = "dev1"


class Environment(StrEnum):
    """Where the process runs; production turns on the strict checks."""

    development = "development"
    test = "test"
    production = "production"


class ConfigError(RuntimeError):
    """Settings that cannot be used (default secrets in production, malformed keys)."""


class Settings(BaseSettings):
    """Every setting CareCover reads. The README documents each one."""

    model_config = SettingsConfigDict(
        env_prefix="CARECOVER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Environment = Environment.development
    database_url: str = "sqlite:///var/carecover.db"
    database_echo: bool = False
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    jwt_secret: SecretStr = SecretStr(DEFAULT_SECRET)
    jwt_ttl_seconds: int = Field(default=900, ge=60, le=86400)
    session_ttl_seconds: int = Field(default=8 * 3600, ge=300)
    encryption_keys: SecretStr | None = None
    encryption_active_key_id: str | None = None
    blind_index_key: SecretStr | None = None
    dev_keys_file: Path = Path("var/dev-keys.json")
    default_language: str = "zh-CN"
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_upload_bytes: int = Field(default=40 * 1_048_576, ge=1024)
    max_photo_bytes: int = Field(default=15 * 1_048_576, ge=1024)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=10)
    login_lockout_seconds: int = Field(default=900, ge=1)
    embedded_worker: bool = True
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_batch_size: int = Field(default=50, ge=1)
    job_lease_seconds: int = Field(default=300, ge=5)
    simulator_vehicles: int = Field(default=0, ge=0, le=1000)
    """Simulated cars feeding telematics in-process at 1x while `carecover serve` runs (demo)."""
    log_level: str = "INFO"
    log_json: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    forwarded_allow_ips: str | None = None
    map_tile_url: str | None = None
    map_tile_attribution: str = ""
    ledger_origin: str = Field(default="carecover.example/evidence/v1", pattern=r"^[^\s+]+$")
    ledger_signing_key: SecretStr | None = None
    ledger_batch_size: int = Field(default=1000, ge=1, le=100_000)
    digital_link_base: str = Field(
        default="https://id.carecover.example", pattern=r"^https://[a-z0-9.-]+[a-z0-9]$"
    )
    digital_link_tag_key: SecretStr | None = None
    ocr_engine: Literal["rapidocr", "off"] = "rapidocr"
    """Reads plates and VINs in claim photos: rapidocr's bundled models (CPU, offline) or off."""
    damage_model_path: Path | None = None
    """An insurer-supplied ONNX damage detector; unset: assessment relies on the guided flow."""
    damage_model_classes: str | None = None
    """The detector's output class names, in order, comma-separated (dent,scratch,crack,…)."""

    @property
    def is_production(self) -> bool:
        return self.env is Environment.production

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if not self.is_production:
            return self
        problems: list[str] = []
        for name in ("secret_key", "jwt_secret"):
            value: SecretStr = getattr(self, name)
            if value.get_secret_value() == DEFAULT_SECRET or len(value.get_secret_value()) < 32:
                problems.append(
                    f"CARECOVER_{name.upper()} must be set to a random value (32+ chars)"
                )
        if self.ledger_signing_key is None or self.digital_link_tag_key is None:
            problems.append(
                "CARECOVER_LEDGER_SIGNING_KEY and CARECOVER_DIGITAL_LINK_TAG_KEY must be set"
            )
        if self.encryption_keys is None or self.blind_index_key is None:
            problems.append("CARECOVER_ENCRYPTION_KEYS and CARECOVER_BLIND_INDEX_KEY must be set")
        elif DEV_KEY_ID in _parse_keyring(self.encryption_keys.get_secret_value()):
            problems.append("the development encryption key id 'dev1' is not allowed in production")
        if self.database_url.startswith("sqlite"):
            problems.append("production needs PostgreSQL (CARECOVER_DATABASE_URL)")
        if problems:
            raise ConfigError("unsafe production settings: " + "; ".join(problems))
        return self


def _parse_keyring(raw: str) -> dict[str, bytes]:
    try:
        data = json.loads(raw)
        ring = {str(k): base64.b64decode(v, validate=True) for k, v in data.items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise ConfigError("CARECOVER_ENCRYPTION_KEYS must be a JSON object of base64 keys") from exc
    for key_id, key in ring.items():
        if len(key) != 32:
            raise ConfigError(f"encryption key {key_id!r} must be 32 bytes (AES-256)")
    if not ring:
        raise ConfigError("CARECOVER_ENCRYPTION_KEYS is empty")
    return ring


class KeyMaterial:
    """The keys for field encryption and blind indexes, resolved once from settings."""

    def __init__(self, keyring: dict[str, bytes], active_key_id: str, blind_index_key: bytes):
        if active_key_id not in keyring:
            raise ConfigError(f"active encryption key {active_key_id!r} is not in the keyring")
        self.keyring = keyring
        self.active_key_id = active_key_id
        self.blind_index_key = blind_index_key


def _dev_material(path: Path) -> dict[str, Any]:
    """Random development secrets and keys, generated once into a git-ignored file (0600)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "secret_key": secrets.token_urlsafe(48),
            "jwt_secret": secrets.token_urlsafe(48),
            "encryption_keys": {DEV_KEY_ID: base64.b64encode(secrets.token_bytes(32)).decode()},
            "blind_index_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
        payload.update(_extra_dev_keys())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    missing = {k: v for k, v in _extra_dev_keys().items() if k not in data}
    if missing:  # a dev file from an older version: add the keys it lacks, keep the rest
        data.update(missing)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
        data = json.loads(path.read_text(encoding="utf-8"))
    return data


def _extra_dev_keys() -> dict[str, str]:
    return {
        "ledger_signing_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        "digital_link_tag_key": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


def _decode_32(name: str, raw: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise ConfigError(f"CARECOVER_{name.upper()} must be base64") from exc
    if len(key) != 32:
        raise ConfigError(f"CARECOVER_{name.upper()} must decode to 32 bytes")
    return key


def ledger_seed(settings: Settings) -> bytes:
    """The Ed25519 private seed that signs checkpoints (dev: generated into the dev key file)."""
    if settings.ledger_signing_key is not None:
        return _decode_32("ledger_signing_key", settings.ledger_signing_key.get_secret_value())
    if settings.is_production:
        raise ConfigError("production needs CARECOVER_LEDGER_SIGNING_KEY")
    return _decode_32(
        "ledger_signing_key", _dev_material(settings.dev_keys_file)["ledger_signing_key"]
    )


def digital_link_tag_key(settings: Settings) -> bytes:
    """The HMAC key behind the short tag printed in each part's Digital Link."""
    if settings.digital_link_tag_key is not None:
        raw = settings.digital_link_tag_key.get_secret_value()
        return _decode_32("digital_link_tag_key", raw)
    if settings.is_production:
        raise ConfigError("production needs CARECOVER_DIGITAL_LINK_TAG_KEY")
    data = _dev_material(settings.dev_keys_file)
    return _decode_32("digital_link_tag_key", data["digital_link_tag_key"])


def load_key_material(settings: Settings) -> KeyMaterial:
    """Keys from settings; in development from the generated dev file."""
    if settings.encryption_keys is not None and settings.blind_index_key is not None:
        ring = _parse_keyring(settings.encryption_keys.get_secret_value())
        active = settings.encryption_active_key_id or sorted(ring)[-1]
        bidx = base64.b64decode(settings.blind_index_key.get_secret_value())
        return KeyMaterial(ring, active, bidx)
    if settings.is_production:
        raise ConfigError(
            "production needs CARECOVER_ENCRYPTION_KEYS and CARECOVER_BLIND_INDEX_KEY"
        )
    data = _dev_material(settings.dev_keys_file)
    ring = _parse_keyring(json.dumps(data["encryption_keys"]))
    return KeyMaterial(ring, DEV_KEY_ID, base64.b64decode(data["blind_index_key"]))


def with_dev_secrets(settings: Settings) -> Settings:
    """Outside production, default secrets are replaced by the generated per-install ones."""
    if settings.is_production:
        return settings
    updates: dict[str, SecretStr] = {}
    for name in ("secret_key", "jwt_secret"):
        if getattr(settings, name).get_secret_value() == DEFAULT_SECRET:
            data = _dev_material(settings.dev_keys_file)
            if name in data:
                updates[name] = SecretStr(data[name])
    return settings.model_copy(update=updates) if updates else settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests clear the cache to change them)."""
    return with_dev_secrets(Settings())
