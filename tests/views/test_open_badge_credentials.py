"""Open Badges 3.0 through the app: the key command, the holder's download, status lists, the check."""

from __future__ import annotations

import copy
import io
import json
import os
import stat
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.extensions import db
from app.models import utcnow
from app.services import certificates, open_badges
from tests.conftest import csrf_from
from tests.factories import make_user, sign_in
from tests.services.test_certificates import certify


@pytest.fixture
def key_path(tmp_path):
    return tmp_path / "keys" / "credential-signing-key.pem"


@pytest.fixture
def app_config(fixture_app_config, key_path):
    return {**fixture_app_config, "CREDENTIAL_KEY_PATH": str(key_path)}


@pytest.fixture
def signing(app, runner, key_path):
    result = runner.invoke(args=["credentials", "init-key"])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def holder(app):
    mentor = make_user(name="Maria José Gonzalez")
    return mentor, certify(mentor, at=utcnow() - timedelta(days=1))


def download(app, mentor, certificate) -> dict:
    client = app.test_client()  # the holder, on their own browser
    sign_in(client, mentor)
    response = client.get(f"/certificates/{certificate.id}/open-badge.json")
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    return json.loads(response.data)


def check(client, body: bytes, filename: str = "badge.json"):
    token = csrf_from(client.get("/credentials/verify").get_data(as_text=True))
    return client.post(
        "/credentials/verify",
        data={"csrf_token": token, "credential": (io.BytesIO(body), filename)},
        content_type="multipart/form-data",
    )


# The key ----------------------------------------------------------------------------------------


def test_init_key_writes_a_private_key_once_and_never_replaces_it(app, runner, key_path) -> None:
    first = runner.invoke(args=["credentials", "init-key"])
    assert first.exit_code == 0 and "Public key: z6Mk" in first.output
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    pem = key_path.read_bytes()
    again = runner.invoke(args=["credentials", "init-key"])
    assert again.exit_code == 1 and "already holds a key" in again.output
    assert key_path.read_bytes() == pem


def test_without_a_key_nothing_is_offered_or_served(app, client, holder) -> None:
    mentor, certificate = holder
    sign_in(client, mentor)
    assert "Open Badge" not in client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert client.get(f"/certificates/{certificate.id}/open-badge.json").status_code == 404
    assert client.get("/credentials/issuer").status_code == 404
    assert client.get("/credentials/status/revocation/1").status_code == 404


# The holder's credential --------------------------------------------------------------------------


def test_the_holder_downloads_a_signed_open_badge_credential(app, client, holder, signing) -> None:
    mentor, certificate = holder
    sign_in(client, mentor)
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "Download as an Open Badge" in page
    credential = download(app, mentor, certificate)

    assert credential["@context"] == [open_badges.VC_CONTEXT, open_badges.OB_CONTEXT]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"].startswith("urn:uuid:")  # never a URL the program serves
    assert credential["issuer"]["id"] == "http://localhost/credentials/issuer"
    assert credential["issuer"]["type"] == ["Profile"]
    assert credential["validFrom"] == open_badges.iso(certificate.valid_from)
    assert credential["validUntil"] == open_badges.iso(certificate.valid_until)
    subject = credential["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "Maria José Gonzalez"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert "Alpha module; Beta module" in achievement["criteria"]["narrative"]
    statuses = {entry["statusPurpose"]: entry for entry in credential["credentialStatus"]}
    assert set(statuses) == {"revocation", "suspension"}
    assert statuses["revocation"]["statusListIndex"] == str(certificate.id)
    proof = credential["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"

    # Anyone can check it with the public key the issuer profile publishes, and nothing else.
    profile = json.loads(client.get("/credentials/issuer").data)
    method = profile["verificationMethod"][0]
    assert method["type"] == "Multikey" and method["id"] == proof["verificationMethod"]
    public_key = open_badges.public_key_from_multikey(method["publicKeyMultibase"])
    open_badges.verify_proof(credential, method["id"], public_key)

    tampered = copy.deepcopy(credential)
    tampered["validUntil"] = "2099-01-01T00:00:00Z"
    with pytest.raises(open_badges.CredentialError):
        open_badges.verify_proof(tampered, method["id"], public_key)


def test_only_the_holder_can_take_the_credential(app, client, holder, signing) -> None:
    _mentor, certificate = holder
    sign_in(client, make_user(role="staff"))
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "Open Badge" not in page
    assert client.get(f"/certificates/{certificate.id}/open-badge.json").status_code == 404
    other = app.test_client()
    sign_in(other, make_user())
    assert other.get(f"/certificates/{certificate.id}/open-badge.json").status_code == 404
    assert (
        app.test_client().get(f"/certificates/{certificate.id}/open-badge.json").status_code == 302
    )


def test_no_credential_is_made_of_a_suspended_certificate(app, client, holder, signing) -> None:
    mentor, certificate = holder
    certificates.suspend(db.session, make_user(role="staff", enrol=False).id, certificate.id, "x")
    sign_in(client, mentor)
    assert "Open Badge" not in client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert client.get(f"/certificates/{certificate.id}/open-badge.json").status_code == 404


# Status lists -----------------------------------------------------------------------------------


def status_bit(client, purpose: str, index: int) -> bool:
    response = client.get(f"/credentials/status/{purpose}/1")
    assert response.status_code == 200
    document = json.loads(response.data)
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["credentialSubject"]["statusPurpose"] == purpose
    profile = json.loads(client.get("/credentials/issuer").data)
    method = profile["verificationMethod"][0]
    open_badges.verify_proof(
        document,
        method["id"],
        open_badges.public_key_from_multikey(method["publicKeyMultibase"]),
    )
    bits = open_badges.decode_bits(document["credentialSubject"]["encodedList"])
    return open_badges.bit_is_set(bits, index)


def test_suspension_and_revocation_are_published_in_the_status_lists(
    app, client, holder, signing
) -> None:
    _mentor, certificate = holder
    staff = make_user(role="staff", enrol=False)
    assert not status_bit(client, "revocation", certificate.id)
    assert not status_bit(client, "suspension", certificate.id)
    certificates.suspend(db.session, staff.id, certificate.id, "A concern is looked into.")
    assert status_bit(client, "suspension", certificate.id)
    assert not status_bit(client, "revocation", certificate.id)
    certificates.lift(db.session, staff.id, certificate.id, "Cleared.")
    assert not status_bit(client, "suspension", certificate.id)
    certificates.revoke(db.session, staff.id, certificate.id, "Conduct.")
    assert status_bit(client, "revocation", certificate.id)
    assert client.get("/credentials/status/expiry/1").status_code == 404


# The credential check -----------------------------------------------------------------------------


def test_the_check_accepts_a_genuine_credential_and_keeps_the_holder_masked(
    app, client, holder, signing
) -> None:
    mentor, certificate = holder
    body = json.dumps(download(app, mentor, certificate)).encode()
    response = check(app.test_client(), body)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Signed by Mentor Ready and unchanged" in html and "Maria G." in html
    assert "Gonzalez" not in html and "Valid" in html


def test_a_revoked_certificate_credential_is_genuine_but_shown_revoked(
    app, client, holder, signing
) -> None:
    mentor, certificate = holder
    body = json.dumps(download(app, mentor, certificate)).encode()
    certificates.revoke(db.session, make_user(role="staff", enrol=False).id, certificate.id, "x")
    html = check(app.test_client(), body).get_data(as_text=True)
    assert "Revoked" in html


def _other_key_credential(credential: dict, same_method: bool) -> dict:
    other = Ed25519PrivateKey.generate()
    method = (
        credential["proof"]["verificationMethod"]
        if same_method
        else f"https://elsewhere.example/issuer#{open_badges.multikey(other.public_key())}"
    )
    return open_badges.sign(credential, other, method, utcnow())


def _nested(credential: dict, depth: int) -> bytes:
    """The credential with its name buried in `depth` lists, as text json.dumps cannot write."""
    text = json.dumps({**credential, "name": "@@"})
    return text.replace('"@@"', "[" * depth + '"x"' + "]" * depth).encode()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda c: b"{not json", "not JSON"),
        (lambda c: b"", "empty"),
        (lambda c: b"\xff\xfe\x00garbage", "not JSON"),
        (lambda c: b"[1, 2]", "not a credential"),
        (lambda c: json.dumps({"type": ["Thing"]}).encode(), "not an Open Badges credential"),
        (lambda c: b" " * (40 * 1024) + json.dumps(c).encode(), "too large"),
        (lambda c: json.dumps({k: v for k, v in c.items() if k != "proof"}).encode(), "not signed"),
        (
            lambda c: json.dumps(_other_key_credential(c, same_method=False)).encode(),
            "key that is not this program",
        ),
        (
            lambda c: json.dumps(_other_key_credential(c, same_method=True)).encode(),
            "does not match its contents",
        ),
        (
            lambda c: json.dumps(
                {
                    **c,
                    "credentialSubject": {
                        **c["credentialSubject"],
                        "identifier": [
                            {**c["credentialSubject"]["identifier"][0], "identityHash": "Ana Ruiz"}
                        ],
                    },
                }
            ).encode(),
            "does not match its contents",
        ),
        (
            lambda c: json.dumps(
                {**c, "@context": ["https://evil.example/context.jsonld"]}
            ).encode(),
            "cannot be read",
        ),
        (
            lambda c: json.dumps({**c, "proof": {**c["proof"], "proofValue": "z0OIl"}}).encode(),
            "cannot be read",
        ),
        (lambda c: b"[" * 15_000 + b"]" * 15_000, "not JSON"),
        (
            lambda c: _nested(c, 900),
            "not shaped like one of our credentials",
        ),
        (
            lambda c: json.dumps(
                {**c, "credentialSubject": {**c["credentialSubject"], "alike": [{"a": 1}] * 30}}
            ).encode(),
            "not shaped like one of our credentials",
        ),
        (
            lambda c: json.dumps({**c, "issuer": {**c["issuer"], "id": "_:b0"}}).encode(),
            "not shaped like one of our credentials",
        ),
    ],
    ids=[
        "malformed",
        "empty",
        "binary",
        "a list",
        "another type",
        "too large",
        "unsigned",
        "another issuer's key",
        "another key, our key id",
        "changed name",
        "unknown context",
        "bad signature text",
        "nested brackets",
        "nested values",
        "thirty alike objects",
        "a blank node label",
    ],
)
def test_every_bad_credential_is_not_valid_with_its_reason(
    app, client, holder, signing, change, reason
) -> None:
    mentor, certificate = holder
    credential = download(app, mentor, certificate)
    response = check(app.test_client(), change(credential))
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert "Not valid" in html and reason in html.replace("&#39;", "'")


def test_the_check_asks_for_a_file_and_other_forms_still_refuse_files(
    app, client, holder, signing
) -> None:
    token = csrf_from(client.get("/credentials/verify").get_data(as_text=True))
    response = client.post("/credentials/verify", data={"csrf_token": token})
    assert response.status_code == 422
    assert "Choose the credential file" in response.get_data(as_text=True)
    _mentor, certificate = holder
    code = certificates.format_code(certificate.code)
    refused = client.post(
        f"/verify/{code}/name",
        data={"csrf_token": token, "full_name": (io.BytesIO(b"x"), "x.txt")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
