"""The messages: multipart plain text + HTML built with `email`, sent over SMTP.

Every string from people (titles, names, feedback) goes through `cxos.text`: `terminal`
for the plain part (control characters shown, never obeyed) and `html` for the HTML part
(no tag, entity or link of its own survives). CXOS's own words and numbers need neither.

The server is one URL: `smtp://host:port` (STARTTLS when the server offers it, and
required before a password is sent), `smtps://host:port` (TLS from the first byte),
optionally with `user:password@` (percent-encoded).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from cxos import text
from cxos.model.errors import CxosError
from cxos.notify.rules import Notice


class MailServerError(CxosError):
    """The mail server could not be reached or refused a message; the message says which."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


@dataclass(frozen=True)
class Mail:
    """One message to one person: a digest, their escalations, or a meeting ahead."""

    person_id: str
    name: str
    address: str | None
    kind: str  # "reminder" (a digest), "escalation" or "meeting"
    subject: str
    notices: tuple[Notice, ...]
    intro: str
    agenda: tuple[str, ...] = ()  # a meeting's summary and agenda headings, CXOS's words
    attachment: Attachment | None = None


def build(mail: Mail, sender: str, app_url: str) -> EmailMessage:
    """The message: plain text first, the same in HTML as the alternative, then any pack."""
    message = EmailMessage()
    message["Subject"] = text.terminal(mail.subject)
    message["From"] = sender
    message["To"] = formataddr((text.terminal(mail.name), mail.address or ""))
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="cxos")
    message.set_content(_plain(mail, app_url))
    message.add_alternative(_html(mail, app_url), subtype="html")
    if mail.attachment is not None:
        a = mail.attachment
        message.add_attachment(
            a.content, maintype=a.maintype, subtype=a.subtype, filename=a.filename
        )
    return message


def _plain(mail: Mail, app_url: str) -> str:
    lines = [f"Hello {text.terminal(mail.name)},", "", mail.intro, ""]
    for notice in mail.notices:
        team = f" ({text.terminal(notice.team)})" if notice.team else ""
        lines += [
            f"* {text.terminal(notice.title)}{team}",
            f"  {text.terminal(notice.detail)}",
            f"  Why: {notice.why}",
            f"  Open: {notice.link(app_url)}",
            "",
        ]
    if mail.agenda:
        lines += [text.terminal(entry) for entry in mail.agenda] + [""]
    lines += [_FOOTER, f"{app_url.rstrip('/')}/my_work"]
    return "\n".join(lines) + "\n"


_FOOTER = "You can choose how often CXOS sends you reminders on your My work page:"


def _html(mail: Mail, app_url: str) -> str:
    items = "".join(_html_item(notice, app_url) for notice in mail.notices)
    agenda = "".join(f"<li>{text.html(entry)}</li>" for entry in mail.agenda)
    settings = text.html_href(f"{app_url.rstrip('/')}/my_work")
    return (
        '<!DOCTYPE html><html><body style="font-family:sans-serif;color:#1f2328">'
        f"<p>Hello {text.html(mail.name)},</p><p>{text.html(mail.intro)}</p>"
        f"<ul>{items}</ul>"
        + (f"<h3>Agenda</h3><ul>{agenda}</ul>" if agenda else "")
        + f'<p style="color:#57606a">{_FOOTER} <a href="{settings}">My work</a></p>'
        "</body></html>"
    )


def _html_item(notice: Notice, app_url: str) -> str:
    team = f" <span>({text.html(notice.team)})</span>" if notice.team else ""
    return (
        f"<li><p><b>{text.html(notice.title)}</b>{team}<br>{text.html(notice.detail)}<br>"
        f"<small>Why: {text.html(notice.why)}</small><br>"
        f'<a href="{text.html_href(notice.link(app_url))}">Open in CXOS</a></p></li>'
    )


# -- the server --------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """Where and how to reach the mail server (a password is never shown)."""

    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None

    @property
    def shown(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def parse_server(url: str) -> Server:
    """The server of an `smtp://` or `smtps://` URL; a clear message for anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailServerError(
            "the mail server must be given as smtp://[user:password@]host[:port] or "
            "smtps://…, in CXOS_SMTP_URL or [notify] smtp_url; nothing was sent"
        )
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError as error:
        raise MailServerError(f"the mail server's port is not a number: {error}") from error
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return Server(parts.scheme, parts.hostname, port, user, password)


@contextmanager
def connected(server: Server, timeout: float) -> Iterator[smtplib.SMTP]:
    """An open, authenticated connection; any failure a `MailServerError` naming the server."""
    try:
        smtp = _open(server, timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise MailServerError(
            f"cannot reach the mail server {server.shown}: {_reason(error)}; nothing was sent"
        ) from error
    try:
        yield smtp
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _open(server: Server, timeout: float) -> smtplib.SMTP:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if server.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
        elif server.user:
            smtp.close()
            raise smtplib.SMTPNotSupportedError(
                "the server offers no STARTTLS, and CXOS does not send a password in clear "
                "(use smtps:// or a server with STARTTLS)"
            )
    if server.user:
        smtp.login(server.user, server.password or "")
    return smtp


def send(smtp: smtplib.SMTP, server: Server, message: EmailMessage) -> None:
    """Send one message; a refusal is a `MailServerError`."""
    try:
        smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailServerError(
            f"the mail server {server.shown} did not take the message to "
            f"{text.terminal(message['To'])}: {_reason(error)}"
        ) from error


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        said = error.smtp_error
        said = said.decode(errors="replace") if isinstance(said, bytes) else said
        return f"{error.smtp_code} {said}"
    return str(error) or type(error).__name__
