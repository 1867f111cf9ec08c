"""The workspace's words: Danish is the key, English its translation (``?lang=en``).

Templates write ``t("Dansk tekst", n=3)``; a text missing here is shown in Danish
(``tests/team/test_texts.py`` lists every ``t("...")`` of the templates and requires its English).
Dates and times are shown in Danish time (Europe/Copenhagen), "kl. 9.00", "uge 48".
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from newsletter.errors import NewsletterError

LANGUAGES = ("da", "en")
PEOPLE_TZ = ZoneInfo("Europe/Copenhagen")

EN: dict[str, str] = {
    # layout, login
    "Ugen": "This week", "Brugere": "Users", "Log ud": "Log out", "Log ind": "Log in",
    "Redaktionens arbejdsplads": "The editors' workspace", "Brugernavn eller e-mail": "User name or e-mail",
    "Adgangskode": "Password", "Forkert brugernavn eller adgangskode.": "Wrong user name or password.",
    "For mange forsøg. Vent {minutes} minutter og prøv igen.": "Too many attempts. Wait {minutes} minutes and try again.",
    "Vælg din adgangskode": "Choose your password", "Ny adgangskode": "New password",
    "Gentag adgangskoden": "Repeat the password", "Gem adgangskode": "Save password",
    "Mindst {n} tegn. En kort sætning er både stærk og let at huske.":
        "At least {n} characters. A short sentence is strong and easy to remember.",
    "De to adgangskoder er ikke ens.": "The two passwords differ.",
    "Linket er brugt eller for gammelt. Bed en administrator om et nyt.":
        "The link has been used or is too old. Ask an admin for a new one.",
    "Adgangskoden er gemt. Log ind.": "Your password is saved. Log in.",
    "Du er logget ud.": "You are logged out.", "Spring til indhold": "Skip to content",
    "Det har du ikke adgang til": "You do not have access to this",
    "Din rolle giver ikke adgang til denne side. Spørg en administrator.":
        "Your role does not give access to this page. Ask an admin.",
    "Formularen er udløbet": "The form has expired",
    "Gå tilbage, genindlæs siden og prøv igen.": "Go back, reload the page and try again.",
    "Siden findes ikke": "Page not found", "Tilbage til ugen": "Back to this week",
    "Logget ind som": "Logged in as", "English": "English", "Dansk": "Dansk",
    "redaktør": "editor", "godkender": "approver", "administrator": "admin",
    "Det lykkedes ikke": "That did not work",
    # statuses
    "kladde": "draft", "godkendt": "approved", "planlagt": "scheduled", "sendes": "sending",
    "sendt": "sent", "i kø": "queued",
}

ROLE_NAMES = {"editor": "redaktør", "approver": "godkender", "admin": "administrator"}
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
          "oktober", "november", "december")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


def t(lang: str, text: str, **values: object) -> str:
    chosen = EN.get(text, text) if lang == "en" else text
    return chosen.format(**values) if values else chosen


def error_text(lang: str, error: NewsletterError) -> str:
    """A stage's error for a person: the stage's own message (it says what to do)."""
    return f"{t(lang, 'Det lykkedes ikke')}: {error}"


def local(when: datetime) -> datetime:
    return when.astimezone(PEOPLE_TZ)


def clock(when: datetime, lang: str = "da") -> str:
    """"kl. 9.00" (Danish) or "9:00" (English), in Danish time."""
    moment = local(when)
    return f"kl. {moment.hour}.{moment.minute:02d}" if lang == "da" else f"{moment.hour}:{moment.minute:02d}"


def day(value: datetime | date, lang: str = "da", weekday: bool = True) -> str:
    """"torsdag 3. december" / "Thursday 3 December"."""
    moment = local(value).date() if isinstance(value, datetime) else value
    if lang == "en":
        text = f"{moment.day} {MONTHS_EN[moment.month - 1]}"
        return f"{WEEKDAYS_EN[moment.weekday()]} {text}" if weekday else text
    text = f"{moment.day}. {MONTHS[moment.month - 1]}"
    return f"{WEEKDAYS[moment.weekday()]} {text}" if weekday else text


def moment(when: datetime | None, lang: str = "da") -> str:
    """"torsdag 3. december kl. 8.00"."""
    if when is None:
        return ""
    return f"{day(when, lang)} {clock(when, lang)}" if lang == "da" else f"{day(when, lang)}, {clock(when, lang)}"


def week(iso_week: int, lang: str = "da") -> str:
    return f"uge {iso_week}" if lang == "da" else f"week {iso_week}"


def role(value: str, lang: str = "da") -> str:
    return t(lang, ROLE_NAMES.get(value, value))
