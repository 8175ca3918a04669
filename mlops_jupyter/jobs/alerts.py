"""Alerts when a job fails and when it recovers: webhook POSTs and emails.

Per job (``--alert webhook=URL``, ``--alert email=ADDRESS``) and for every job in the project's
``mlops.toml``::

    [alerts]
    webhook = ["https://hooks.example/ml"]     # a URL or a list of them
    email = ["ml-oncall@example.com"]
    secret_env = "MLOPS_ALERT_SECRET"          # signs webhook bodies (HMAC-SHA256), optional

    [alerts.smtp]
    host = "smtp.example.com"                  # default localhost
    port = 587                                 # default 25
    sender = "mlops@example.com"
    starttls = true                            # or ssl = true (SMTPS, port 465)
    user = "mlops"
    password_env = "MLOPS_SMTP_PASSWORD"

A webhook receives the event as a JSON body; with a secret, the header
``X-Mlops-Signature: sha256=<hex>`` is the HMAC-SHA256 of the exact body bytes, so the
receiver can check it came from us. TLS checks the server's certificate against the system's
CAs (``SSL_CERT_FILE`` names another bundle), and a password is only ever sent over TLS.
A channel that cannot be reached never stops a job: the failure is logged and kept with the
firing in ``mlops job history``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os

from .. import config

log = logging.getLogger(__name__)
TIMEOUT = 5.0  # seconds per channel: a dead receiver must not hold a scheduler slot for long
SIGNATURE_HEADER = "X-Mlops-Signature"
DEFAULT_SECRET_ENV = "MLOPS_ALERT_SECRET"


def channels(job_alerts: list[dict]) -> list[dict]:
    """The job's own channels, then the project's global ones, without repeats."""
    found = list(job_alerts or [])
    settings = _settings()
    for kind in ("webhook", "email"):
        value = settings.get(kind) or []
        for to in [value] if isinstance(value, str) else value:
            channel = {"kind": kind, "to": str(to)}
            if channel not in found:
                found.append(channel)
    return found


def send(event: dict, job_alerts: list[dict]) -> list[dict]:
    """Deliver ``event`` to every channel; returns one outcome per channel (never raises).

    A webhook URL often is its own credential (a token in its path or query): outcomes and
    logs name it by scheme, host and port only.
    """
    from ..masking import masked, masked_url

    outcomes = []
    for channel in channels(job_alerts):
        shown = masked_url(channel["to"]) if channel["kind"] == "webhook" else channel["to"]
        try:
            if channel["kind"] == "webhook":
                post(channel["to"], event)
            else:
                email(channel["to"], event)
            outcomes.append({"event": event["event"], "channel": f"{channel['kind']}={shown}", "ok": True})
        except Exception as exc:  # noqa: BLE001 - any failure to deliver is reported, not raised
            reason = masked(f"{type(exc).__name__}: {exc}").replace(channel["to"], shown)
            log.warning("alert %s for job %s to %s failed: %s", event["event"], event["job"], shown, reason)
            outcomes.append(
                {
                    "event": event["event"],
                    "channel": f"{channel['kind']}={shown}",
                    "ok": False,
                    "error": reason[:500],
                }
            )
    return outcomes


def body(event: dict) -> bytes:
    return json.dumps(event, sort_keys=True, default=str).encode()


def signature(data: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def post(url: str, event: dict) -> None:
    import urllib.request

    data = body(event)
    headers = {"Content-Type": "application/json", "User-Agent": "mlops-jupyter"}
    secret = _secret()
    if secret:
        headers[SIGNATURE_HEADER] = signature(data, secret)
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # http(s) checked at schedule
        if response.status >= 300:
            raise RuntimeError(f"HTTP {response.status}")


def email(to: str, event: dict) -> None:
    import smtplib
    import ssl
    from email.message import EmailMessage

    smtp = _settings().get("smtp") or {}
    host = os.environ.get("MLOPS_SMTP_HOST") or smtp.get("host", "localhost")
    port = int(os.environ.get("MLOPS_SMTP_PORT") or smtp.get("port", 25))
    message = EmailMessage()
    message["Subject"] = subject(event)
    message["From"] = smtp.get("sender") or f"mlops@{_hostname()}"
    message["To"] = to
    message.set_content(text(event))
    message.add_attachment(body(event), maintype="application", subtype="json", filename="event.json")
    if smtp.get("user") and not (smtp.get("starttls") or smtp.get("ssl")):
        raise PermissionError(
            "refusing to send the SMTP password in plain text: [alerts.smtp] sets a user "
            "but neither starttls = true nor ssl = true"
        )
    context = ssl.create_default_context()
    connection: smtplib.SMTP
    if smtp.get("ssl"):
        connection = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=context)
    else:
        connection = smtplib.SMTP(host, port, timeout=TIMEOUT)
    with connection as server:
        if smtp.get("starttls") and not smtp.get("ssl"):
            server.starttls(context=context)
        if smtp.get("user"):
            server.login(smtp["user"], os.environ.get(smtp.get("password_env", "MLOPS_SMTP_PASSWORD"), ""))
        server.send_message(message)


def subject(event: dict) -> str:
    if event["event"] == "recovery":
        return f"[mlops] job {event['job']} recovered"
    return f"[mlops] job {event['job']} {event['status'].replace('_', ' ')}"


def text(event: dict) -> str:
    lines = [subject(event), ""]
    for key in (
        "status",
        "scheduled_time",
        "attempt",
        "trigger",
        "error",
        "run_id",
        "output_path",
        "notebook",
        "notebook_version",
        "history",
    ):
        if event.get(key) not in (None, ""):
            lines.append(f"{key}: {event[key]}")
    return "\n".join(lines) + "\n"


def _settings() -> dict:
    try:
        found = config.project_config().get("alerts") or {}
    except Exception as exc:  # noqa: BLE001 - a broken mlops.toml must not stop a job
        log.warning("cannot read the [alerts] settings: %s", exc)
        return {}
    return found if isinstance(found, dict) else {}


def _secret() -> str | None:
    name = _settings().get("secret_env") or DEFAULT_SECRET_ENV
    return os.environ.get(name) or None


def _hostname() -> str:
    import socket

    return socket.gethostname()
