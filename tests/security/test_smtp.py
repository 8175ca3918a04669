"""Alert emails: STARTTLS checks the server's certificate, and a password never travels in clear.

Real aiosmtpd servers on localhost, with a certificate made for the test by a throw-away CA.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl

import pytest

from mlops_jupyter.jobs import alerts
from tests.jobs.conftest import free_port

EVENT = {"event": "failure", "job": "nightly", "status": "failed", "error": "bad batch"}
CHANNEL = [{"kind": "email", "to": "ml-oncall@example.com"}]


def _certificate(folder):
    """A CA and a certificate it signed for 127.0.0.1; returns (ca.pem, cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def build(subject, issuer, key, signer, extensions):
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical)
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mlops test CA")])
    ca = build(ca_name, ca_name, ca_key, ca_key, [(x509.BasicConstraints(ca=True, path_length=None), True)])
    host = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = build(host, ca_name, key, ca_key, [(san, False)])
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


class AuthMailbox:
    """aiosmtpd with AUTH, and with a certificate STARTTLS (required) or implicit TLS (SMTPS);
    keeps the logins and messages it receives."""

    def __init__(self, certificate=None, implicit_tls=False):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.logins: list[tuple[str, str]] = []
        self.messages: list = []
        logins, box = self.logins, self.messages

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                box.append(envelope.content)
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, data):
            logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=True)

        tls = None
        if certificate:
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(certificate[1], certificate[2])
        self.port = free_port()
        starttls = bool(certificate) and not implicit_tls
        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=authenticator,
            auth_require_tls=starttls,  # SMTPS is TLS from the first byte; plain offers AUTH anyway
            tls_context=tls if starttls else None,
            require_starttls=starttls,
            ssl_context=tls if implicit_tls else None,
        )
        self.controller.start()

    def close(self):
        self.controller.stop()


@pytest.fixture
def certificate(tmp_path):
    return _certificate(tmp_path)


@pytest.fixture
def smtp_settings(project, monkeypatch):
    def write(port, **smtp):
        lines = [f"{k} = {str(v).lower() if isinstance(v, bool) else repr(v)}" for k, v in smtp.items()]
        settings = "\n".join(["[alerts.smtp]", "host = '127.0.0.1'", f"port = {port}", *lines])
        (project / "mlops.toml").write_text(settings + "\n")

    monkeypatch.setenv("MLOPS_SMTP_PASSWORD", "hunter2")
    return write


def test_starttls_refuses_a_certificate_nobody_vouches_for(certificate, smtp_settings):
    server = AuthMailbox(certificate)
    try:
        smtp_settings(server.port, starttls=True, user="mlops")

        (outcome,) = alerts.send(EVENT, CHANNEL)

        assert not outcome["ok"] and "CERTIFICATE_VERIFY_FAILED" in outcome["error"]
        assert server.logins == [] and server.messages == []
    finally:
        server.close()


def test_starttls_sends_once_the_certificate_is_trusted(certificate, smtp_settings, monkeypatch):
    server = AuthMailbox(certificate)
    try:
        smtp_settings(server.port, starttls=True, user="mlops")
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # what a company CA bundle does

        (outcome,) = alerts.send(EVENT, CHANNEL)

        assert outcome["ok"], outcome
        assert server.logins == [("mlops", "hunter2")] and len(server.messages) == 1
    finally:
        server.close()


def test_a_password_is_never_sent_without_tls(smtp_settings):
    server = AuthMailbox()  # offers AUTH on a plain connection, as a careless relay would
    try:
        smtp_settings(server.port, starttls=False, user="mlops")

        (outcome,) = alerts.send(EVENT, CHANNEL)

        assert not outcome["ok"]
        assert "plain text" in outcome["error"] and "starttls = true" in outcome["error"]
        assert server.logins == [] and server.messages == []
    finally:
        server.close()


def test_a_relay_without_a_user_still_gets_mail_in_plain_smtp(smtp_settings):
    server = AuthMailbox()
    try:
        smtp_settings(server.port)

        (outcome,) = alerts.send(EVENT, CHANNEL)

        assert outcome["ok"], outcome
        assert server.logins == [] and len(server.messages) == 1
    finally:
        server.close()


def test_smtps_sends_with_the_password_over_tls_from_the_first_byte(certificate, smtp_settings, monkeypatch):
    server = AuthMailbox(certificate, implicit_tls=True)
    try:
        smtp_settings(server.port, ssl=True, user="mlops")
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))

        (outcome,) = alerts.send(EVENT, CHANNEL)

        assert outcome["ok"], outcome
        assert server.logins == [("mlops", "hunter2")] and len(server.messages) == 1
    finally:
        server.close()
