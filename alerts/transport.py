"""Sending mail over SMTP, configured by ``ADWATCH_SMTP_URL`` (secrets only in the environment).

* ``smtp://[user:password@]host[:port]`` (port 25 by default; 587 for submission): STARTTLS
  whenever the server offers it. With a user and password, STARTTLS is required: adwatch
  never sends a password in clear text.
* ``smtps://[user:password@]host[:port]`` (port 465 by default): TLS from the first byte.

User and password are percent-decoded (``%40`` for ``@``). Certificates are verified
against the system's CAs, or against ``ADWATCH_SMTP_CA_FILE`` (a private CA, or the
self-signed certificate of a test server). ``ADWATCH_MAIL_FROM`` is the sender.

:class:`SMTPTransport` sends the exact bytes of a message (what the outbox holds), to the
envelope recipients it is given. :class:`SendError` says whether a failure is worth
retrying on the next run (``temporary``: a 4xx answer, or no answer) and whether the server
is unreachable or refuses adwatch itself (``connection``: the other messages of the run will
not get through either). A 5xx answer to one message (552: too big; 554: refused; every
recipient 5xx) is permanent: the outbox sets that message aside (alerts/outbox.py).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

from crawler.common.options import current_options

__all__ = ["SMTPConfig", "SMTPTransport", "SendError", "smtp_config"]

DEFAULT_MAIL_FROM = "adwatch@localhost"


class SendError(Exception):
    """A message was not accepted."""

    def __init__(self, message: str, *, temporary: bool = True, connection: bool = False):
        super().__init__(message)
        self.temporary = temporary
        self.connection = connection


@dataclass(frozen=True)
class SMTPConfig:
    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0
    mail_from: str = DEFAULT_MAIL_FROM

    def __repr__(self) -> str:  # never show the password
        user = f"{self.username}@" if self.username else ""
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"<SMTPConfig {scheme}://{user}{self.host}:{self.port}>"

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def smtp_config(env: Mapping[str, str] | None = None, timeout: float = 30.0) -> SMTPConfig | None:
    """The SMTP settings of ``env`` (a mapping of variables; default: the current settings,
    crawler/common/options.py); None when ``ADWATCH_SMTP_URL`` is not set. A malformed URL
    raises ValueError (without the password in the message)."""
    env = current_options() if env is None else env
    url = (env.get("ADWATCH_SMTP_URL") or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise ValueError("ADWATCH_SMTP_URL must start with smtp:// or smtps://")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("ADWATCH_SMTP_URL has an invalid port") from None
    if not parts.hostname:
        raise ValueError("ADWATCH_SMTP_URL has no host")
    return SMTPConfig(
        host=parts.hostname,
        port=port or (465 if scheme == "smtps" else 25),
        implicit_tls=scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        ca_file=env.get("ADWATCH_SMTP_CA_FILE") or None,
        timeout=timeout,
        mail_from=(env.get("ADWATCH_MAIL_FROM") or DEFAULT_MAIL_FROM).strip(),
    )


class SMTPTransport:
    """One SMTP session, opened on first use and reused for every message of a run."""

    def __init__(self, config: SMTPConfig):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.config.ca_file)

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        try:
            if c.implicit_tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    c.host, c.port, timeout=c.timeout, context=self._tls_context()
                )
                smtp.ehlo()
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self._tls_context())
                    smtp.ehlo()
                elif c.username:
                    smtp.close()
                    raise SendError(
                        f"{c.where} does not offer STARTTLS; refusing to send the password "
                        "in clear text (use smtps://, or a server with STARTTLS)",
                        temporary=False,
                        connection=True,
                    )
            if c.username:
                _login(smtp, c.username, c.password or "")
        except SendError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise SendError(
                f"{c.where}: login refused ({exc.smtp_code})", temporary=False, connection=True
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"{c.where}: {_describe(exc)}", connection=True) from None
        return smtp

    def send(
        self, data: bytes, recipients: list[str], mail_from: str | None = None
    ) -> dict[str, tuple[int, bytes]]:
        """Send ``data`` (a whole message) to ``recipients``. Returns once the server has
        accepted it for at least one recipient (with the recipients it refused, if any);
        raises :class:`SendError` otherwise."""
        sender = parseaddr(mail_from or self.config.mail_from)[1] or DEFAULT_MAIL_FROM
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.sendmail(sender, recipients, data)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _ in exc.recipients.values()}
            raise SendError(
                f"{self.config.where}: every recipient refused ({sorted(codes)})",
                temporary=any(code < 500 for code in codes),  # one may take it later
            ) from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise SendError(
                f"{self.config.where}: {_describe(exc)}", temporary=exc.smtp_code < 500
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise SendError(f"{self.config.where}: {_describe(exc)}", connection=True) from None
        return refused

    def check(self) -> str:
        """Connect, secure and log in, send nothing; what the server is (for doctor)."""
        self._smtp = self._connect()
        secure = "TLS" if isinstance(self._smtp.sock, ssl.SSLSocket) else "no TLS"
        login = f", logged in as {self.config.username}" if self.config.username else ""
        self.close()
        return f"{self.config.where}: {secure}{login}"

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def __enter__(self) -> SMTPTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH with the first of PLAIN and LOGIN the server offers: one attempt, so a wrong
    password is an answer, not a fallback to the next mechanism (and a wait)."""
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    smtp.user, smtp.password = user, password
    for name, method in (("PLAIN", smtp.auth_plain), ("LOGIN", smtp.auth_login)):
        if name in offered:
            smtp.auth(name, method)
            return
    smtp.login(user, password)  # other mechanisms (CRAM-MD5): smtplib's own choice


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error or b""
        text = error.decode(errors="replace") if isinstance(error, bytes) else error
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({exc.verify_message}); see ADWATCH_SMTP_CA_FILE"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
