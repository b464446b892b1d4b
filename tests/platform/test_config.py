"""Settings: production refuses unsafe defaults; development generates its own keys."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from carecover.platform.config import (
    DEFAULT_SECRET,
    ConfigError,
    Environment,
    Settings,
    load_key_material,
    with_dev_secrets,
)

GOOD_SECRET = "x" * 40
KEY = base64.b64encode(b"k" * 32).decode()


def production(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": Environment.production,
        "database_url": "postgresql://db/carecover",
        "secret_key": SecretStr(GOOD_SECRET),
        "jwt_secret": SecretStr(GOOD_SECRET),
        "encryption_keys": SecretStr(json.dumps({"k2026": KEY})),
        "blind_index_key": SecretStr(KEY),
        "ledger_signing_key": SecretStr(KEY),
        "digital_link_tag_key": SecretStr(KEY),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def test_production_with_real_secrets_is_accepted() -> None:
    settings = production()
    assert settings.is_production
    assert load_key_material(settings).active_key_id == "k2026"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"secret_key": SecretStr(DEFAULT_SECRET)}, "CARECOVER_SECRET_KEY"),
        ({"jwt_secret": SecretStr("short")}, "CARECOVER_JWT_SECRET"),
        ({"encryption_keys": None}, "CARECOVER_ENCRYPTION_KEYS"),
        ({"encryption_keys": SecretStr(json.dumps({"dev1": KEY}))}, "dev1"),
        ({"database_url": "sqlite:///prod.db"}, "PostgreSQL"),
        ({"ledger_signing_key": None}, "CARECOVER_LEDGER_SIGNING_KEY"),
        ({"digital_link_tag_key": None}, "CARECOVER_DIGITAL_LINK_TAG_KEY"),
    ],
)
def test_production_refuses_unsafe_settings(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        production(**overrides)


def test_malformed_keyring_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="32 bytes"):
        production(encryption_keys=SecretStr(json.dumps({"k": base64.b64encode(b"x").decode()})))
    with pytest.raises(ConfigError, match="JSON object"):
        production(encryption_keys=SecretStr("not json"))


def test_development_generates_private_keys_once(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "dev.json"
    settings = Settings(dev_keys_file=path)
    first = load_key_material(settings)
    second = load_key_material(settings)
    assert path.stat().st_mode & 0o777 == 0o600
    assert first.keyring == second.keyring
    assert len(first.keyring["dev1"]) == 32
    resolved = with_dev_secrets(settings)
    assert resolved.secret_key.get_secret_value() != DEFAULT_SECRET
    assert len(resolved.jwt_secret.get_secret_value()) >= 32
