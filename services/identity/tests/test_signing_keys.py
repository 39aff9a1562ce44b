"""Which key identity signs with, when it refuses to start, and the operator's rotation command."""

from __future__ import annotations

from pathlib import Path

import pytest
from muninn_identity.settings import IdentitySettings
from muninn_identity.signing.__main__ import main as signing_command
from muninn_identity.signing.keys import SigningKeyRefusedError, load_key_ring
from muninn_shared.signing import SigningKey, SigningKeyRing


def settings(tmp_path: Path, **overrides: object) -> IdentitySettings:
    values: dict[str, object] = {
        "signing_keys_file": None,
        "signing_keys": None,
        "dev_signing_keys_file": tmp_path / "dev-keys.json",
        **overrides,
    }
    return IdentitySettings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_the_development_key_is_generated_for_a_loopback_bind(tmp_path: Path, host: str) -> None:
    ring = load_key_ring(settings(tmp_path, host=host))
    assert ring.development
    assert load_key_ring(settings(tmp_path, host=host)).signing.kid == ring.signing.kid


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.7", "identity.internal"])
def test_the_development_key_is_refused_on_a_non_loopback_bind(tmp_path: Path, host: str) -> None:
    with pytest.raises(SigningKeyRefusedError, match="development key"):
        load_key_ring(settings(tmp_path, host=host))
    # a development ring handed over as the operator's file is refused the same way
    SigningKeyRing.generate(development=True).save(tmp_path / "handed.json")
    with pytest.raises(SigningKeyRefusedError, match="development key"):
        load_key_ring(settings(tmp_path, host=host, signing_keys_file=tmp_path / "handed.json"))


def test_production_needs_an_operator_ring(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyRefusedError, match="MUNINN_SIGNING_KEYS_FILE"):
        load_key_ring(settings(tmp_path, environment="prod"))
    assert not (tmp_path / "dev-keys.json").exists()


def test_an_operator_ring_signs_on_any_bind(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    assert signing_command(["add", "--file", str(path)]) == 0
    ring = load_key_ring(
        settings(tmp_path, host="0.0.0.0", environment="prod", signing_keys_file=path)
    )
    assert not ring.development
    from_variable = load_key_ring(
        settings(tmp_path, host="0.0.0.0", environment="prod", signing_keys=path.read_text())
    )
    assert from_variable.signing.kid == ring.signing.kid
    with pytest.raises(SigningKeyRefusedError, match="not both"):
        load_key_ring(settings(tmp_path, signing_keys_file=path, signing_keys=path.read_text()))


def test_rotation_with_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "keys.json"
    assert signing_command(["add", "--file", str(path)]) == 0
    old = capsys.readouterr().out.strip()
    assert signing_command(["add", "--file", str(path)]) == 0
    new = capsys.readouterr().out.strip()
    ring = SigningKeyRing.load(path)
    assert ring.signing.kid == old  # a new key is published before it signs
    assert {jwk["kid"] for jwk in ring.jwks()["keys"]} == {old, new}

    assert signing_command(["retire", "--file", str(path), "--kid", old]) == 1
    assert "promote another key first" in capsys.readouterr().err
    assert signing_command(["promote", "--file", str(path), "--kid", new]) == 0
    assert SigningKeyRing.load(path).signing.kid == new
    assert signing_command(["retire", "--file", str(path), "--kid", old]) == 0
    assert [jwk["kid"] for jwk in SigningKeyRing.load(path).jwks()["keys"]] == [new]

    assert signing_command(["list", "--file", str(path)]) == 0
    assert f"{new}  signing" in capsys.readouterr().out
    assert signing_command(["promote", "--file", str(path), "--kid", "nope"]) == 1
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_key_id_that_starts_with_a_dash_is_taken_as_a_key_id(tmp_path: Path) -> None:
    # A kid is a base64url thumbprint: one in 64 starts with '-', which argparse took for an
    # option ("--kid: expected one argument"), so rotation failed for that key.
    signing = SigningKey.generate()
    dashed = next(k for k in iter(SigningKey.generate, None) if k.kid.startswith("-"))
    path = tmp_path / "keys.json"
    SigningKeyRing([signing, dashed], signing.kid).save(path)

    assert signing_command(["promote", "--file", str(path), "--kid", dashed.kid]) == 0
    assert SigningKeyRing.load(path).signing.kid == dashed.kid
    assert signing_command(["retire", "--file", str(path), "--kid", signing.kid]) == 0
    assert [jwk["kid"] for jwk in SigningKeyRing.load(path).jwks()["keys"]] == [dashed.kid]
