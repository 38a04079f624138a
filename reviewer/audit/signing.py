"""Ed25519 signatures of audit checkpoints.

The key is an Ed25519 private key in PEM (``REVIEWER_AUDIT_SIGNING_KEY``: the PEM text or a
path to it). Verification needs only the public half, so an auditor can check exported
checkpoints without being able to forge them.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from reviewer.errors import ConfigError


def checkpoint_message(seq: int, digest: str, at: str) -> bytes:
    return f"reviewer-audit-checkpoint:{seq}:{digest}:{at}".encode("ascii")


class CheckpointSigner:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key: Ed25519PublicKey = private_key.public_key()

    @classmethod
    def from_setting(cls, value: str | None) -> CheckpointSigner | None:
        """Load the key from PEM text or a path; None when no key is configured."""
        if not value:
            return None
        text = value
        if "-----BEGIN" not in value:
            path = Path(value).expanduser()
            try:
                text = path.read_text()
            except OSError as exc:
                raise ConfigError(
                    f"REVIEWER_AUDIT_SIGNING_KEY: not PEM text and cannot read {path}: "
                    f"{exc.strerror}"
                ) from None
        try:
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"REVIEWER_AUDIT_SIGNING_KEY: not a PEM private key ({exc})"
            ) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigError("REVIEWER_AUDIT_SIGNING_KEY: the key must be an Ed25519 key")
        return cls(key)

    def sign(self, seq: int, digest: str, at: str) -> str:
        return self._key.sign(checkpoint_message(seq, digest, at)).hex()

    def verify(self, seq: int, digest: str, at: str, signature: str) -> bool:
        return PublicKeyVerifier(self.public_key).verify(seq, digest, at, signature)

    def public_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


class PublicKeyVerifier:
    """Checks checkpoint signatures with the public key only (``audit verify --public-key``)."""

    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self.public_key = public_key

    @classmethod
    def from_file(cls, path: Path) -> PublicKeyVerifier:
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except OSError as exc:
            raise ConfigError(f"cannot read the public key {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise ConfigError(f"{path} is not a PEM public key ({exc})") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ConfigError(f"{path}: the audit key must be an Ed25519 public key")
        return cls(key)

    def verify(self, seq: int, digest: str, at: str, signature: str) -> bool:
        try:
            self.public_key.verify(bytes.fromhex(signature), checkpoint_message(seq, digest, at))
        except (InvalidSignature, ValueError):
            return False
        return True


def generate_private_pem() -> str:
    """A fresh Ed25519 key in PEM, for ``reviewer audit keygen`` and tests."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )
