"""Open Badges 3.0 credentials: built, signed (eddsa-rdfc-2022) and verified entirely offline."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import base58
import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask_babel import gettext
from pyld import jsonld
from sqlalchemy.orm import Session

from app.models import Certificate
from app.services import certificates
from app.services.errors import DomainError

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXT_FILES = {VC_CONTEXT: "credentials-v2.jsonld", OB_CONTEXT: "ob-context-3.0.3.json"}
CRYPTOSUITE = "eddsa-rdfc-2022"
# Multikey prefix of an Ed25519 public key (multicodec 0xed, as a varint).
ED25519_MULTICODEC = b"\xed\x01"
# The spec's smallest list: 16 KB, so that a holder's index hides among many.
STATUS_LIST_BITS = 131_072
STATUS_PURPOSES = ("revocation", "suspension")
# The largest credential the verify form reads; a real one is about 3 KB.
MAX_CREDENTIAL_BYTES = 32 * 1024


class CredentialError(DomainError):
    """A credential that is not valid; the message says why, in the checking person's language.

    Only these reasons are translated: the credentials themselves are signed, and stay English.
    """


# JSON-LD ----------------------------------------------------------------------------------------


@cache
def _context_text(url: str) -> str:
    return resources.files("app").joinpath("data/jsonld", CONTEXT_FILES[url]).read_text("utf-8")


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Serve the two shipped contexts; refuse every other URL, so nothing is fetched."""
    if url not in CONTEXT_FILES:
        raise jsonld.JsonLdError(
            f"Only the shipped contexts are loaded, not {url}.",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(_context_text(url))}


def canonical_form(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document."""
    return jsonld.normalize(
        dict(document),
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
            "safe": True,
        },
    )


# Keys -------------------------------------------------------------------------------------------


def multikey(public_key: Ed25519PublicKey) -> str:
    """The public key as a Multikey: "z" and base58btc of the multicodec prefix and raw key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58.b58encode(ED25519_MULTICODEC + raw).decode()


def public_key_from_multikey(text: str) -> Ed25519PublicKey:
    """The Ed25519 key a Multikey names; ValueError for anything else."""
    if not text.startswith("z"):
        raise ValueError("not a base58btc multikey")
    raw = base58.b58decode(text[1:])
    if raw[:2] != ED25519_MULTICODEC or len(raw) != 34:
        raise ValueError("not an Ed25519 multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def create_key(path: str | Path) -> Ed25519PrivateKey:
    """Write a new Ed25519 signing key (PKCS#8 PEM, readable by the owner only); never overwrite."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: a second run, or two at once, can never replace a key credentials were signed with.
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    return key


def load_key(path: str | Path) -> Ed25519PrivateKey | None:
    """The signing key at `path`, or None when `flask credentials init-key` has not been run."""
    try:
        pem = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 key.")
    return key


# Proofs -----------------------------------------------------------------------------------------


def _hash_data(document: Mapping[str, Any], proof_options: Mapping[str, Any]) -> bytes:
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    config = {"@context": document["@context"], **proof_options}
    return (
        hashlib.sha256(canonical_form(config).encode()).digest()
        + hashlib.sha256(canonical_form(unsigned).encode()).digest()
    )


def sign(
    document: Mapping[str, Any], key: Ed25519PrivateKey, verification_method: str, created: datetime
) -> dict[str, Any]:
    """The document with a DataIntegrityProof (eddsa-rdfc-2022) added."""
    options = {
        "type": "DataIntegrityProof",
        "created": iso(created),
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": "assertionMethod",
    }
    signature = key.sign(_hash_data(document, options))
    proof = {**options, "proofValue": "z" + base58.b58encode(signature).decode()}
    return {**{k: v for k, v in document.items() if k != "proof"}, "proof": proof}


def verify_proof(
    document: Mapping[str, Any], trusted_method: str, public_key: Ed25519PublicKey
) -> None:
    """Raise CredentialError unless the document carries a valid proof by the trusted key."""
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise CredentialError(gettext("It is not signed: it has no proof."))
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise CredentialError(
            gettext("It is not signed the way this program signs (%(suite)s).", suite=CRYPTOSUITE)
        )
    if proof.get("verificationMethod") != trusted_method:
        raise CredentialError(gettext("It was signed with a key that is not this program's."))
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise CredentialError(gettext("Its signature cannot be read."))
    try:
        signature = base58.b58decode(value[1:])
    except ValueError:
        raise CredentialError(gettext("Its signature cannot be read.")) from None
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        data = _hash_data(document, options)
    except (
        jsonld.JsonLdError,
        TypeError,
        KeyError,
        ValueError,
        AttributeError,
        IndexError,
        RecursionError,
    ):
        raise CredentialError(
            gettext("It is not a well-formed credential (its JSON-LD cannot be read).")
        ) from None
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        raise CredentialError(
            gettext(
                "Its signature does not match its contents: something in it (the name, the dates, the "
                "modules) was changed after it was issued, or it was signed by another key."
            )
        ) from None


def iso(moment: datetime) -> str:
    """A UTC timestamp as the data model writes it, to the second."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# The program's credentials -----------------------------------------------------------------------


def issuer_id(base_url: str) -> str:
    """The issuer profile's URL, which is also its id."""
    return f"{base_url.rstrip('/')}/credentials/issuer"


def verification_method(base_url: str, key: Ed25519PrivateKey) -> str:
    """The key's id: the issuer's URL and the Multikey as its fragment."""
    return f"{issuer_id(base_url)}#{multikey(key.public_key())}"


def issuer_profile(base_url: str, program_name: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    """The program as an OB 3.0 Profile, publishing the public key credentials are checked with."""
    profile_id = issuer_id(base_url)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": profile_id,
        "type": ["Profile"],
        "name": program_name,
        "url": base_url.rstrip("/") + "/",
        "verificationMethod": [
            {
                "id": verification_method(base_url, key),
                "type": "Multikey",
                "controller": profile_id,
                "publicKeyMultibase": multikey(key.public_key()),
            }
        ],
    }


def status_position(certificate_id: int) -> tuple[int, int]:
    """Which status list (numbered from 1) a certificate is on and its index there, from its id."""
    number, index = divmod(certificate_id, STATUS_LIST_BITS)
    return number + 1, index


def status_list_url(base_url: str, purpose: str, number: int) -> str:
    """Where the status list credential for one purpose and block of ids is served."""
    return f"{base_url.rstrip('/')}/credentials/status/{purpose}/{number}"


def credential_for(
    certificate: Certificate,
    *,
    holder_name: str,
    module_titles: Mapping[str, str],
    program_name: str,
    base_url: str,
    key: Ed25519PrivateKey,
    now: datetime,
) -> dict[str, Any]:
    """The certificate as a signed OpenBadgeCredential for its holder to download."""
    base = base_url.rstrip("/")
    number, index = status_position(certificate.id)
    modules = [module_titles.get(slug, slug) for slug in certificate.modules or ()]
    narrative = (
        f"Read every module of {certificate.course_title} (version {certificate.course_version}) "
        "and passed its server-graded quiz. Modules certified: " + "; ".join(modules) + "."
    )
    issuer = issuer_profile(base_url, program_name, key)
    credential = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        # A URN, not a URL: the credential is never published anywhere the program serves.
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base}/certificates/{certificate.code}')}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {k: issuer[k] for k in ("id", "type", "name", "url")},
        "validFrom": iso(certificate.valid_from),
        "validUntil": iso(certificate.valid_until),
        "name": f"{certificate.course_title}: certified mentor",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": holder_name,
                }
            ],
            "achievement": {
                "id": f"{base}/credentials/achievements/{certificate.course_version}",
                "type": ["Achievement"],
                "name": f"{certificate.course_title} mentor certificate",
                "description": (
                    f"Trained and certified as a volunteer mentor by {program_name}, "
                    f"certificate code {certificates.format_code(certificate.code)}."
                ),
                "criteria": {"narrative": narrative},
            },
        },
        "credentialStatus": [
            {
                "id": f"{status_list_url(base_url, purpose, number)}#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(index),
                "statusListCredential": status_list_url(base_url, purpose, number),
            }
            for purpose in STATUS_PURPOSES
        ],
    }
    return sign(credential, key, verification_method(base_url, key), now)


def _encode_bits(set_indexes: Iterable[int]) -> str:
    bits = bytearray(STATUS_LIST_BITS // 8)
    for index in set_indexes:
        # Index 0 is the most significant bit of the first byte (Bitstring Status List 1.0).
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")


def decode_bits(encoded: str) -> bytes:
    """The raw bitstring of an `encodedList`."""
    text = encoded[1:] if encoded.startswith("u") else encoded
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def bit_is_set(bits: bytes, index: int) -> bool:
    """Whether position `index` of a status bitstring is set."""
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    session: Session,
    *,
    purpose: str,
    number: int,
    base_url: str,
    key: Ed25519PrivateKey,
    now: datetime,
) -> dict[str, Any]:
    """The signed BitstringStatusListCredential for one purpose and block of certificate ids."""
    if purpose not in STATUS_PURPOSES:
        raise ValueError(purpose)
    first = (number - 1) * STATUS_LIST_BITS
    holders = (
        sa.select(Certificate.user_id)
        .where(Certificate.id >= first, Certificate.id < first + STATUS_LIST_BITS)
        .distinct()
        .scalar_subquery()
    )
    wanted = certificates.REVOKED if purpose == "revocation" else certificates.SUSPENDED
    set_indexes = [
        certificate.id - first
        for chain in certificates.load_chains(session, holders, now).values()
        for certificate in chain.certificates
        if first <= certificate.id < first + STATUS_LIST_BITS
        and chain.status_of(certificate) == wanted
    ]
    url = status_list_url(base_url, purpose, number)
    credential = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(base_url),
        "validFrom": iso(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": _encode_bits(set_indexes),
        },
    }
    return sign(credential, key, verification_method(base_url, key), now)


def parse_upload(raw: bytes) -> dict[str, Any]:
    """An uploaded credential as a JSON object; CredentialError with the reason otherwise."""
    if len(raw) > MAX_CREDENTIAL_BYTES:
        raise CredentialError(
            gettext(
                "The file is too large to be one of our credentials (over %(size)s KB).",
                size=MAX_CREDENTIAL_BYTES // 1024,
            )
        )
    if not raw.strip():
        raise CredentialError(gettext("The file is empty."))
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: thousands of nested brackets, which no credential has.
        raise CredentialError(
            gettext("The file is not JSON: it cannot be one of our credentials.")
        ) from None
    if not isinstance(document, dict):
        raise CredentialError(
            gettext("The file is JSON but not a credential (it is not an object).")
        )
    types = document.get("type")
    if not isinstance(types, list) or "OpenBadgeCredential" not in types:
        raise CredentialError(gettext("The file is not an Open Badges credential."))
    if not _shaped_like_ours(document):
        raise CredentialError(
            gettext(
                "It is not shaped like one of our credentials (nested too deeply, too many parts, or "
                "blank node labels), so it cannot be one."
            )
        )
    return document


# Our credentials nest 4 objects deep, hold 9 objects and at most 2 in one list. Canonicalising
# (RDFC-1.0) costs factorial time in the number of alike blank nodes next to each other, so a
# crafted upload could hold a worker for hours; anything far from our shape is refused unread.
MAX_DEPTH = 8
MAX_OBJECTS = 24
MAX_OBJECTS_IN_A_LIST = 4


def _shaped_like_ours(document: Mapping[str, Any]) -> bool:
    objects = 0
    pending: list[tuple[object, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            return False
        if isinstance(value, dict):
            objects += 1
            if objects > MAX_OBJECTS:
                return False
            for name, item in value.items():
                # Labelled blank nodes are how a graph gets cycles; we never write them.
                if name.startswith("@") and name != "@context":
                    return False
                if isinstance(item, str) and item.startswith("_:"):
                    return False
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            if sum(isinstance(item, dict) for item in value) > MAX_OBJECTS_IN_A_LIST:
                return False
            pending.extend((item, depth + 1) for item in value)
    return True


def holder_name_of(document: Mapping[str, Any]) -> str | None:
    """The holder's name as the credential states it, if it does."""
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        return None
    for identity in subject.get("identifier") or ():
        if isinstance(identity, dict) and identity.get("identityType") == "name":
            value = identity.get("identityHash")
            return value if isinstance(value, str) else None
    return None


def certificate_id_of(document: Mapping[str, Any]) -> int | None:
    """The certificate a credential of ours was issued for, from its status list entry."""
    for entry in document.get("credentialStatus") or ():
        if not isinstance(entry, dict) or entry.get("statusPurpose") != "revocation":
            continue
        try:
            number = int(str(entry.get("statusListCredential", "")).rsplit("/", 1)[-1])
            return (number - 1) * STATUS_LIST_BITS + int(str(entry.get("statusListIndex")))
        except ValueError:
            return None
    return None


def certificate_status(
    session: Session, document: Mapping[str, Any], now: datetime
) -> tuple[Certificate, str]:
    """The certificate a verified credential of ours stands for, and its status now."""
    certificate_id = certificate_id_of(document)
    certificate = session.get(Certificate, certificate_id) if certificate_id else None
    if certificate is None:
        raise CredentialError(gettext("It names a certificate this program has no record of."))
    chain = certificates.chain_of(session, certificate.user_id, now)
    return certificate, chain.status_of(certificate)
