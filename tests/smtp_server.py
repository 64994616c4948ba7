"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, with STARTTLS (or TLS from the
first byte) and AUTH PLAIN/LOGIN, using a self-signed certificate made for the test.

The client trusts the certificate through ``ADWATCH_SMTP_CA_FILE``; verification stays on.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "adwatch", "s3cret p@ss"


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert, key) PEM files."""
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:  # the openssl command does the same
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", str(key), "-out", str(cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return cert, key
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


class _Handler:
    def __init__(self, server: SMTPTestServer):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.server.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content or envelope.content,
                session.ssl is not None or self.server.implicit_tls,
                session.authenticated,
            )
        )
        return "250 OK message accepted"


def _authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ARG001
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == USER
        and auth_data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPTestServer:
    """``start()``/``stop()`` as often as needed, on one port; ``received`` keeps every
    message accepted, across restarts."""

    def __init__(
        self, directory: Path, implicit_tls: bool = False, data_size_limit: int = 33554432
    ):
        self.cert, self.key = make_certificate(directory)
        self.implicit_tls = implicit_tls
        self.data_size_limit = data_size_limit  # larger messages: 552
        self.port = free_port()
        self.received: list[Received] = []
        self.controller: Controller | None = None
        self._lock = threading.Lock()

    def _context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def start(self) -> SMTPTestServer:
        with self._lock:
            if self.controller is None:
                common = dict(
                    hostname="127.0.0.1",
                    port=self.port,
                    authenticator=_authenticator,
                    auth_required=True,
                    server_hostname="localhost",
                    data_size_limit=self.data_size_limit,
                )
                if self.implicit_tls:
                    # the whole session is TLS: aiosmtpd only counts STARTTLS as TLS
                    self.controller = Controller(
                        _Handler(self),
                        ssl_context=self._context(),
                        auth_require_tls=False,
                        **common,
                    )
                else:
                    self.controller = Controller(
                        _Handler(self),
                        tls_context=self._context(),
                        require_starttls=True,
                        auth_require_tls=True,
                        **common,
                    )
                self.controller.start()
        return self

    def stop(self) -> None:
        with self._lock:
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

    @property
    def url(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "ADWATCH_SMTP_URL": self.url,
            "ADWATCH_SMTP_CA_FILE": str(self.cert),
            "ADWATCH_MAIL_FROM": "adwatch alerts <alerts@adwatch.example.org>",
            **extra,
        }
