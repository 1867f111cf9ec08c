"""Mails from the scheduler to the team (issue 11): the draft is ready, a reminder before the
planned send, "held: not approved", and social posts that did not go out. Plain Danish text, sent to ``schedule.reviewers``
through the same transport as the newsletter (SMTP_URL).

The link goes to the issue in the team's web workspace: ``BASE_URL/team/issues/<id>`` (the
workspace's route for one issue; if that route moves, change ``team_issue_url`` only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from newsletter.config import Config
from newsletter.models import Issue, SocialPost
from newsletter.render.preflight import Finding
from newsletter.when import danish_time


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str


def team_issue_url(config: Config, issue_id: int) -> str:
    return f"{config.settings.base_url}/team/issues/{issue_id}"


def _name(config: Config, issue: Issue) -> str:
    return f"{config.newsletter(issue.newsletter_key).name}, uge {issue.iso_week}"


def draft_ready(config: Config, issue: Issue, included: int, preflight: Sequence[Finding],
                attention: Sequence[tuple[str, str]], planned: datetime | None) -> Notice:
    """``preflight``: the render's findings, told in Danish; ``attention``: (source, why)."""
    errors = [f.text("da") for f in preflight if f.level == "error"]
    warnings = [f.text("da") for f in preflight if f.level == "warning"]
    lines = [f"Udkastet til {_name(config, issue)} er klar til gennemsyn: {included} nyheder.", "",
             f"Se og godkend det her: {team_issue_url(config, issue.id)}"]
    if planned is not None:
        lines.append(f"Planlagt afsendelse: {danish_time(planned)}. Det sendes kun, hvis nogen har godkendt det.")
    lines += ["", "Tjek før afsendelse (preflight):"]
    if not errors and not warnings:
        lines.append("  Ingen fejl eller advarsler.")
    lines += [f"  FEJL: {m}" for m in errors] + [f"  Advarsel: {m}" for m in warnings]
    lines += ["", "Kilder, der skal ses på:"]
    lines += [f"  {key}: {why}" for key, why in attention] or ["  Ingen: alle kilder svarer som de skal."]
    lines += ["", "En testudgave af nyhedsbrevet kommer i en separat mail, mærket [TEST]."]
    subject = f"Udkast klar: {_name(config, issue)}" + (f" ({len(errors)} fejl)" if errors else "")
    return Notice(subject, "\n".join(lines) + "\n")


def reminder(config: Config, issue: Issue, planned: datetime) -> Notice:
    text = (f"{_name(config, issue)} er ikke godkendt endnu.\n\n"
            f"Planlagt afsendelse: {danish_time(planned)}. Er det ikke godkendt inden da, "
            "bliver det ikke sendt.\n\n"
            f"Se og godkend det her: {team_issue_url(config, issue.id)}\n")
    return Notice(f"Påmindelse: {_name(config, issue)} mangler godkendelse", text)


def held(config: Config, issue: Issue, planned: datetime) -> Notice:
    text = (f"{_name(config, issue)} blev ikke sendt {danish_time(planned)}, fordi det ikke var godkendt.\n\n"
            "Det ligger stadig som udkast. Vil I sende det alligevel: godkend det, og sæt det i kø "
            f"(`newsletter approve {issue.id}` og `newsletter queue {issue.id}`).\n\n"
            f"Udkastet: {team_issue_url(config, issue.id)}\n")
    return Notice(f"Ikke sendt: {_name(config, issue)} var ikke godkendt", text)


def social_trouble(config: Config, failed: Sequence[SocialPost], unknown: Sequence[SocialPost]) -> Notice:
    """Posts the scheduler could not publish: refused by the network, or cut off mid-request
    so that only a look at the page can tell whether it is there."""
    from newsletter.social.networks import NETWORKS

    def line(post: SocialPost) -> str:
        network = NETWORKS[post.network].label if post.network in NETWORKS else post.network
        return (f"  Opslag {post.id} ({network}, «{post.title}»): {post.last_error or 'ingen besked'}\n"
                f"    {team_issue_url(config, post.issue_id)}")

    lines = ["Nogle opslag til de sociale medier er ikke kommet ud og skal ses på af en person.", ""]
    if failed:
        lines += ["Afvist af netværket: ret opslaget og godkend det igen.", *map(line, failed), ""]
    if unknown:
        lines += ["Uvist om det er kommet ud: forbindelsen røg midt i afsendelsen. Se efter på netværkets side, "
                  "og kør så `newsletter social resolve ID --posted` (det er der) eller `--retry` (send igen).",
                  *map(line, unknown), ""]
    return Notice(f"Sociale medier: {len(failed) + len(unknown)} opslag skal ses på", "\n".join(lines))


def send_notice(config: Config, to: Sequence[str], notice: Notice) -> list[str]:
    """Send one plain-text mail per reviewer; returns the server's replies."""
    from newsletter.outbox.run import identity_for
    from newsletter.transports import open_transport

    identity = identity_for(config)
    transport = open_transport(config.settings.smtp_url, timeout=config.data.send.smtp_timeout)
    replies = []
    try:
        for address in to:
            # no folding of short headers: Python folds a 75-character subject onto its own
            # line, and some readers then show it with a leading space
            message = EmailMessage(policy=SMTP.clone(max_line_length=998))
            message["From"] = f"{identity.from_name} <{identity.from_email}>" if identity.from_name else identity.from_email
            message["To"] = address
            message["Subject"] = notice.subject
            message["Date"] = formatdate(localtime=False)
            message["Message-ID"] = make_msgid(domain=identity.from_email.rpartition("@")[2] or "localhost")
            message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to the scheduler
            message.set_content(notice.text)
            replies.append(transport.send(message.as_bytes(), identity.from_email, [address]))
    finally:
        transport.close()
    return replies
