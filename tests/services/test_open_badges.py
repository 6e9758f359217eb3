"""Open Badges 3.0 signing: the 1EdTech test vector byte for byte, offline, and its failure modes."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld

from app.services import open_badges

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "open_badges"

# The vector of the OB 3.0 implementation guide (tests/fixtures/open_badges/README.md).
VECTOR_CREDENTIAL = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "http://example.com/credentials/3527",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "https://example.edu/issuers/565049",
        "type": ["Profile"],
        "url": "https://www.imsglobal.org",
        "name": "Example Corp",
    },
    "validFrom": "2010-01-01T00:00:00Z",
    "name": "Teamwork Badge",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://example.com/achievements/21st-century-skills/teamwork",
            "type": ["Achievement"],
            "criteria": {
                "narrative": "Team members are nominated for this badge by their peers and recognized upon review by Example Corp management."
            },
            "description": "This badge recognizes the development of the capacity to collaborate within a group environment.",
            "name": "Teamwork",
        },
    },
}
VECTOR_METHOD = (
    "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
)
VECTOR_CREATED = datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC)
VECTOR_SEED = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
VECTOR_PROOF_VALUE = (
    "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr"
)


@pytest.fixture
def vector_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(VECTOR_SEED))


def test_the_specification_vector_is_reproduced_byte_for_byte(vector_key) -> None:
    document_canon = open_badges.canonical_form(VECTOR_CREDENTIAL)
    assert document_canon == (FIXTURES / "document-canon.txt").read_text()
    assert (
        hashlib.sha256(document_canon.encode()).hexdigest()
        == "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
    )
    signed = open_badges.sign(VECTOR_CREDENTIAL, vector_key, VECTOR_METHOD, VECTOR_CREATED)
    options = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    proof_canon = open_badges.canonical_form({"@context": VECTOR_CREDENTIAL["@context"], **options})
    assert proof_canon == (FIXTURES / "proof-canon.txt").read_text()
    assert (
        hashlib.sha256(proof_canon.encode()).hexdigest()
        == "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
    )
    assert signed["proof"]["proofValue"] == VECTOR_PROOF_VALUE
    assert open_badges.multikey(vector_key.public_key()) == VECTOR_METHOD.split("#")[1]
    open_badges.verify_proof(signed, VECTOR_METHOD, vector_key.public_key())


def test_a_changed_vector_credential_fails(vector_key) -> None:
    signed = open_badges.sign(VECTOR_CREDENTIAL, vector_key, VECTOR_METHOD, VECTOR_CREATED)
    changed = copy.deepcopy(signed)
    changed["name"] = "Leadership Badge"
    with pytest.raises(open_badges.CredentialError, match="does not match its contents"):
        open_badges.verify_proof(changed, VECTOR_METHOD, vector_key.public_key())


def test_only_the_shipped_contexts_are_ever_loaded() -> None:
    document = {**VECTOR_CREDENTIAL, "@context": ["https://example.org/elsewhere.jsonld"]}
    with pytest.raises(jsonld.JsonLdError):
        open_badges.canonical_form(document)


def test_multikeys_round_trip_and_other_keys_are_refused(vector_key) -> None:
    text = open_badges.multikey(vector_key.public_key())
    assert open_badges.public_key_from_multikey(text) == vector_key.public_key()
    with pytest.raises(ValueError):
        open_badges.public_key_from_multikey("z" + text[2:])


def test_the_status_bitstring_counts_from_the_first_bit() -> None:
    bits = open_badges.decode_bits(open_badges._encode_bits([0, 9, 131_071]))
    assert len(bits) == 16_384
    assert [i for i in range(131_072) if open_badges.bit_is_set(bits, i)] == [0, 9, 131_071]
    assert bits[0] == 0x80 and bits[1] == 0x40
