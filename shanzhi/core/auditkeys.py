"""The keys and checkpoint files of the audit chain, all kept outside the database
(docs/audit.md, docs/adr/0009-keyed-audit-chain.md).

- The chain key: HMAC-SHA256 key of every event since `AuditChainHead.keyed_from`.
  settings.AUDIT_KEY (SHANZHI_AUDIT_KEY), else the file settings.AUDIT_KEY_FILE, generated once.
- The signing key: Ed25519, settings.AUDIT_SIGNING_KEY_FILE (PKCS#8 PEM, mode 0600, generated
  once); its public key is written beside it (settings.AUDIT_PUBLIC_KEY_FILE).
- Checkpoints: one JSON file per checkpoint in settings.AUDIT_ANCHOR_DIR, naming the head event,
  its hash, the number of events, where the keyed chain starts and when, signed with the key.
"""

import base64
import datetime
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

CHECKPOINT_VERSION = 1
_chain_keys: dict[tuple[str, str], bytes] = {}
_signing_keys: dict[str, Ed25519PrivateKey] = {}


def write_once(path: Path, data: bytes, mode: int = 0o600) -> bool:
    """Create `path` with `data` unless it exists; True if this call created it. Written aside
    and linked into place (as settings._secret_key does), so processes starting together all end
    up with the one file that won, never with a half-written one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink()
    return True


# -- the chain key -------------------------------------------------------------------------------


def chain_key_source() -> str:
    """Where the chain key comes from, for messages."""
    return "SHANZHI_AUDIT_KEY" if settings.AUDIT_KEY else str(settings.AUDIT_KEY_FILE)


def chain_key(*, create: bool) -> bytes | None:
    """The HMAC key of the chain. Writers pass create=True: the key file is generated on first
    use and then kept in memory (no file read per event). The verifier passes create=False and
    gets None when neither the variable nor the file is there."""
    if settings.AUDIT_KEY:
        return settings.AUDIT_KEY.encode("utf-8")
    path = Path(settings.AUDIT_KEY_FILE)
    if create:
        cached = _chain_keys.get(("file", str(path)))
        if cached is not None:
            return cached
        if not path.exists():
            write_once(path, secrets.token_urlsafe(48).encode("ascii"))
    elif not path.exists():
        return None
    key = path.read_text(encoding="utf-8").strip().encode("utf-8")
    if not key:
        return None
    if create:
        _chain_keys[("file", str(path))] = key
    return key


# -- the signing key -----------------------------------------------------------------------------


def signing_key() -> Ed25519PrivateKey:
    """The Ed25519 key that signs checkpoints, generated once (0600) with its public key beside
    it (0644): the public key is what an auditor keeps a copy of."""
    path = Path(settings.AUDIT_SIGNING_KEY_FILE)
    cached = _signing_keys.get(str(path))
    if cached is not None:
        return cached
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_once(path, pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    public_path = Path(settings.AUDIT_PUBLIC_KEY_FILE)
    if not public_path.exists():
        write_once(public_path, _public_pem(key.public_key()), mode=0o644)
    _signing_keys[str(path)] = key
    return key


def _public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key(path: Path | None = None) -> Ed25519PublicKey | None:
    """The key that checks checkpoints: the public key file, else the one derived from the
    private key file, else None."""
    public_path = Path(path or settings.AUDIT_PUBLIC_KEY_FILE)
    if public_path.exists():
        key = serialization.load_pem_public_key(public_path.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{public_path} is not an Ed25519 public key")
        return key
    if path is None and Path(settings.AUDIT_SIGNING_KEY_FILE).exists():
        return signing_key().public_key()
    return None


def key_id(public: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key, written into each checkpoint."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# -- checkpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    event_id: int
    hash: str
    count: int
    keyed_from: int
    created_at: datetime.datetime
    path: Path


class CheckpointInvalid(Exception):
    """A checkpoint file that cannot be read, or whose signature does not hold."""


def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def checkpoint_files(directory: Path | None = None) -> list[Path]:
    """The checkpoint files, oldest head first (names start with the zero-padded event id)."""
    directory = Path(directory or settings.AUDIT_ANCHOR_DIR)
    if not directory.is_dir():
        return []
    return sorted(directory.glob("checkpoint-*.json"))


def checkpoint_write(
    *, event_id: int, hash: str, count: int, keyed_from: int, created_at: datetime.datetime
) -> tuple[Path, dict]:
    """Sign a checkpoint and write it as a new file (never over another); (path, document)."""
    key = signing_key()
    body = {
        "version": CHECKPOINT_VERSION,
        "event_id": event_id,
        "hash": hash,
        "count": count,
        "keyed_from": keyed_from,
        "created_at": created_at.astimezone(datetime.UTC).isoformat(),
        "key_id": key_id(key.public_key()),
    }
    document = body | {"signature": base64.b64encode(key.sign(_canonical(body))).decode()}
    stamp = created_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = Path(settings.AUDIT_ANCHOR_DIR) / f"checkpoint-{event_id:012d}-{stamp}.json"
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if not write_once(path, text.encode("utf-8"), mode=0o444):
        raise FileExistsError(path)
    return path, document


def checkpoint_read(path: Path, public: Ed25519PublicKey) -> Checkpoint:
    """Read one checkpoint file and check its signature; CheckpointInvalid if it does not hold."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        signature = base64.b64decode(document.pop("signature"), validate=True)
        public.verify(signature, _canonical(document))
        if document.get("version") != CHECKPOINT_VERSION:
            raise CheckpointInvalid(f"unknown version {document.get('version')!r}")
        return Checkpoint(
            event_id=int(document["event_id"]),
            hash=str(document["hash"]),
            count=int(document["count"]),
            keyed_from=int(document["keyed_from"]),
            created_at=datetime.datetime.fromisoformat(document["created_at"]),
            path=path,
        )
    except InvalidSignature:
        signer = document.get("key_id") if isinstance(document, dict) else None
        if signer and signer != key_id(public):
            raise CheckpointInvalid(
                f"signed by another key ({signer}, expected {key_id(public)})"
            ) from None
        raise CheckpointInvalid("the signature does not match its content") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise CheckpointInvalid(f"unreadable ({type(error).__name__}: {error})") from None
