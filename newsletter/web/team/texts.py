"""The workspace's words: Danish is the key, English its translation (``?lang=en``).

Templates write ``t("Dansk tekst", n=3)``; a text missing here is shown in Danish
(``tests/team/test_texts.py`` lists every ``t("...")`` of the templates and requires its English).
Dates and times are shown in Danish time (Europe/Copenhagen), "kl. 9.00", "uge 48".
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from newsletter.errors import NewsletterError
from newsletter.when import MONTHS, WEEKDAYS

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
    "sendt": "sent", "i kø": "queued", "Systemet": "The system",
    "{n} fejl": "{n} errors", "{n} advarsler": "{n} warnings",
    "skal rettes eller begrundes, før udgaven kan godkendes.": "must be fixed or explained before the issue can be approved.",
    "Se tjekket før afsendelse.": "See the checks before sending.",
    # start page
    "Her er ugens nyhedsbrev, og hvad der mangler, før det kan sendes.": "This week's newsletter, and what is left before it can go out.",
    "Sendes": "Goes out", "Sendt": "Sent", "{n} af {total} sendt": "{n} of {total} sent",
    "Planlagt afsendelse": "Planned send", "Mangler": "To do", "Åbn udgaven": "Open the issue",
    "Forhåndsvisning": "Preview", "Lav kladden": "Make the draft",
    "Ugens udgave er ikke lavet endnu: lav kladden.": "This week's issue has not been made yet: make the draft.",
    "Kilder der kræver opmærksomhed": "Sources that need attention", "Alle kilder svarer og har nyt.": "Every source answers and has news.",
    "fejler": "failing", "stille": "quiet", "væk": "gone", "Seneste udgaver": "Recent issues", "Uge": "Week",
    "Emne": "Subject", "Status": "Status", "Fejlet": "Failed", "Venter": "Waiting", "Ingen udgaver endnu.": "No issues yet.",
    "Kladden er lavet.": "The draft is made.",
    "Se forhåndsvisningen (ændret siden sidst).": "Look at the preview (changed since the last one).",
    "{n} fejl i tjekket før afsendelse skal rettes.": "{n} errors in the pre-send check must be fixed.",
    "{n} advarsler i tjekket før afsendelse.": "{n} warnings in the pre-send check.",
    "Ikke godkendt endnu.": "Not approved yet.", "Godkendt: planlæg afsendelsen eller send nu.": "Approved: schedule it or send now.",
    "{n} modtagere kunne ikke få mailen.": "{n} recipients could not get the email.",
    "Den planlagte afsendelse er overskredet.": "The planned send time has passed.",
    "{n} opslag til de sociale medier blev ikke udgivet og skal ses på.":
        "{n} social media posts did not go out and need a look.",
    "{n} opslag til de sociale medier venter på godkendelse.": "{n} social media posts are waiting for approval.",
    # issue page
    "Udkommer": "Goes out", "godkendt af {name}": "approved by {name}", "Forhåndsvis og godkend": "Preview and approve",
    "{n} nye historier siden {day}.": "{n} new stories since {day}.", "Tag dem med i kladden": "Add them to the draft",
    "{n} med": "{n} included", "Ingen historier i denne sektion.": "No stories in this section.",
    "fastgjort": "pinned", "tilføjet af redaktionen": "added by the editors", "Også omtalt af": "Also covered by",
    "Skåret fra af loftet for antal historier": "Cut by the limit on the number of stories",
    "Taget ud af redaktionen": "Taken out by the editors", "Tag ud": "Take out", "Tag med": "Include",
    "Flyt op": "Move up", "Flyt ned": "Move down", "Op": "Up", "Ned": "Down", "Løsn": "Unpin",
    "Fastgør øverst": "Pin to the top", "Ret eller flyt": "Edit or move", "Overskrift": "Headline",
    "Resumé": "Summary", "Tøm feltet for at bruge partnerens egen tekst.": "Empty the field to use the partner's own text.",
    "Gem historien": "Save the story", "Flyt til sektion": "Move to section", "Flyt": "Move",
    "Emne, forhåndstekst og intro": "Subject, preheader and intro", "Emnelinje": "Subject line",
    "{n} tegn · indbakker på mobilen viser ca. {shown}": "{n} characters · phone inboxes show about {shown}",
    "Forhåndstekst": "Preheader", "Intro": "Intro", "Gem teksterne": "Save the texts",
    "Tilføj en historie": "Add a story", "Sektion": "Section", "Tilføj til udgaven": "Add to the issue", "Fortryd": "Cancel",
    "Link til artiklen": "Link to the article",
    "Vi henter overskrift, resumé og billede fra siden. Du kan rette dem, før historien tilføjes.":
        "We read the headline, summary and image from the page. You can edit them before the story is added.",
    "Hent fra siden": "Read the page", "Tilføj et arrangement": "Add an event", "Titel": "Title",
    "Kort beskrivelse": "Short description", "Dato": "Date", "Fra kl.": "From", "Til kl.": "To", "Sted": "Place",
    "Link til tilmelding": "Sign-up link", "Tilføj arrangementet": "Add the event", "Historik": "History",
    "Intet endnu.": "Nothing yet.", "begrundelse": "reason",
    "Teksterne er gemt.": "The texts are saved.", "Historien er med igen.": "The story is back in.",
    "Historien er taget ud. Den står stadig på siden, så du kan tage den med igen.":
        "The story is taken out. It stays on the page, so you can bring it back.",
    "Historien er flyttet til {section}.": "The story moved to {section}.", "Rækkefølgen er gemt.": "The order is saved.",
    "Historien er rettet.": "The story is saved.", "Historien er fastgjort øverst.": "The story is pinned to the top.",
    "Historien er ikke længere fastgjort.": "The story is no longer pinned.",
    "Kladden er opdateret med de nye historier.": "The draft now has the new stories.", "«{title}» er tilføjet.": "“{title}” is added.",
    # preview
    "Tilbage til redigering": "Back to editing", "Sådan ser mailen ud": "How the email looks", "Bredde": "Width",
    "Mobil": "Phone", "Computer": "Desktop", "Ren tekst": "Plain text", "Webversion": "Web version",
    "Lavet {when} ud fra udgaven, som den er nu.": "Made {when} from the issue as it is now.",
    "Mailen på en mobil, 375 px": "The email on a phone, 375 px", "Mailen på en computer, 700 px": "The email on a desktop, 700 px",
    "Tjek før afsendelse": "Checks before sending", "Ingen fejl eller advarsler.": "No errors or warnings.",
    "fejl": "error", "advarsel": "warning", "Tjek igen, også alle links": "Check again, all links too",
    "Tjekket igen: {n} fejl.": "Checked again: {n} errors.", "Godkend og send": "Approve and send",
    "Send en test": "Send a test", "Til redaktionen": "To the editors", "Andre adresser (adskilt med komma)": "Other addresses (comma-separated)",
    "Testen er den rigtige mail med [TEST] i emnet og eksempler på de personlige links.":
        "The test is the real email with [TEST] in the subject and sample personal links.",
    "Send testmail": "Send test email", "«{address}» er ikke en e-mailadresse.": "“{address}” is not an e-mail address.",
    "Vælg mindst én modtager.": "Choose at least one recipient.", "Testmailen er sendt til {to}.": "The test email was sent to {to}.",
    "Gmail skjuler alt efter ca. 102 KB, også afmeldingslinket. Tag et par historier ud, eller forkort resuméerne.":
        "Gmail hides everything after about 102 KB, the unsubscribe link too. Take out a few stories or shorten the summaries.",
    "Adresse, CVR-nummer og afmeldingslink skal stå i hver mail. Bed en administrator rette brand i feeds.yaml.":
        "Address, CVR number and unsubscribe link must be in every email. Ask an admin to fix brand in feeds.yaml.",
    "Et billede uden alternativ tekst kan ikke læses op for blinde. Ret historiens billede, eller tag det ud.":
        "An image without alt text cannot be read aloud to blind readers. Fix the story's image or take it out.",
    "Billedet kan blive for stort i nogle mailprogrammer. Ret eller fjern billedet.":
        "The image may show too large in some mail programs. Fix or remove the image.",
    "Et link, der ikke er http(s), virker ikke i mailen. Ret historiens link, eller tag den ud.":
        "A link that is not http(s) does not work in the email. Fix the story's link or take it out.",
    "Linket svarer ikke. Tjek det i browseren; ret eller tag historien ud, hvis siden er væk.":
        "The link does not answer. Check it in the browser; fix or take out the story if the page is gone.",
    "Udgaven mangler indhold. Tag historier med, før den kan sendes.": "The issue has no content. Include stories before it can go out.",
    "Teksten er svær at læse på baggrunden. Bed en administrator justere farverne i feeds.yaml.":
        "The text is hard to read on its background. Ask an admin to adjust the colours in feeds.yaml.",
    # approve and send
    "Du har lavet den seneste ændring. Med firøjne-princippet skal en anden godkende.":
        "You made the last change. With the four-eyes rule someone else must approve.",
    "Når udgaven er klar, godkender en godkender den.": "When the issue is ready, an approver approves it.",
    "Udgaven har {n} fejl. Ret dem, eller godkend med en begrundelse, som gemmes i historikken.":
        "The issue has {n} errors. Fix them, or approve with a reason, which is kept in the history.",
    "Godkend": "Approve", "Begrundelse for at godkende trods fejl": "Reason for approving despite errors",
    "Godkend trods fejl": "Approve despite errors", "Du godkender mailen, som den ser ud her.": "You approve the email as it looks here.",
    "Planlagt til {when}.": "Scheduled for {when}.", "Klokkeslæt (dansk tid)": "Time (Danish time)",
    "Flyt afsendelsen": "Move the send time", "Planlæg afsendelsen": "Schedule the send", "Send nu": "Send now",
    "Annullér afsendelsen": "Cancel the send",
    "Annullér afsendelsen? Mails, der ikke er sendt endnu, trækkes tilbage.": "Cancel the send? Emails not sent yet are withdrawn.", "Sendt {when}.": "Sent {when}.",
    "Godkendt. En godkender planlægger afsendelsen.": "Approved. An approver schedules the send.",
    "Udgaven er godkendt. Planlæg afsendelsen, eller send nu.": "The issue is approved. Schedule the send, or send now.",
    "Afsendelsen er flyttet til {when}.": "The send is moved to {when}.",
    "Planlagt til {when} for {n} modtagere.": "Scheduled for {when} to {n} recipients.",
    "Sendes nu til {n} modtagere.": "Sending now to {n} recipients.",
    "Afsendelsen er annulleret: {n} mails trukket tilbage. Udgaven er godkendt og kan planlægges igen.":
        "The send is cancelled: {n} emails withdrawn. The issue is approved and can be scheduled again.",
    "{n} mails var ved at blive sendt og går stadig ud.": "{n} emails were being sent and still go out.",
    # users
    "Send dette link til {name}. Det virker én gang, indtil {when}:": "Send this link to {name}. It works once, until {when}:",
    "Navn": "Name", "E-mail": "E-mail", "Rolle": "Role", "Handlinger": "Actions", "spærret": "disabled", "aktiv": "active",
    "link ikke brugt": "link not used", "Nyt link": "New link", "Åbn igen": "Enable", "Spær": "Disable",
    "Ny bruger": "New user", "Brugernavn": "User name", "Opret og vis link": "Create and show link",
    "Redaktør: retter kladder og sender test. Godkender: godkender og sender også. Administrator: også brugere, kilder og abonnenter.":
        "Editor: edits drafts and sends tests. Approver: also approves and sends. Admin: also users, sources and subscribers.",
    "{name} er opdateret.": "{name} is updated.",
    # history actions and reasons
    "lavede kladden": "made the draft", "opdaterede kladden med nye historier": "refreshed the draft with new stories",
    "rettede teksterne": "edited the texts", "tog en historie med": "included a story", "tog en historie ud": "took a story out",
    "flyttede en historie": "moved a story", "rettede en historie": "edited a story", "tilføjede en historie": "added a story",
    "åbnede udgaven igen": "reopened the issue", "godkendte": "approved", "annullerede afsendelsen": "cancelled the send",
    "satte i kø": "queued it", "planlagde afsendelsen": "scheduled the send", "flyttede afsendelsen": "moved the send time",
    "udsendelsen er færdig": "the send is complete", "sendte en test": "sent a test", "lavede forhåndsvisningen": "made the preview",
    "højst så mange pr. partner": "at most so many per partner", "højst så mange i sektionen": "at most so many in the section",
    "højst så mange i udgaven": "at most so many in the issue", "intet http(s)-link": "no http(s) link",
    # sending (issue 9 §5)
    "Afsendelse": "Sending", "Afsendt": "Sent", "af": "of", "modtagere har fået brevet.": "recipients have the letter.",
    "Afsendelsen er færdig.": "Sending is finished.", "Afsendelsen er i gang.": "Sending is under way.",
    "Venter eller prøves igen": "Waiting or retrying",
    "Afvist (bounce)": "Bounced", "Ukendt": "Unknown", "Sprunget over": "Skipped", "Næste forsøg": "Next attempt",
    "Seneste fejl": "Latest errors", "Modtager": "Recipient", "Hvad skete der": "What happened",
    "Forsøg": "Attempts", "Tidspunkt": "Time", "Ingen fejl.": "No errors.", "Til udgaven": "To the issue",
    "Følg afsendelsen": "Follow the send", "Se afsendelsen": "See the send",
    "Udgaven er ikke sat i kø endnu. Godkend og planlæg den på udgavens side.":
        "The issue is not queued yet. Approve and schedule it on the issue's page.",
    "Ved „ukendt“ ved vi ikke, om brevet kom frem: forbindelsen gik tabt lige efter afsendelsen. "
    "Spørg den tekniske ansvarlige, før der sendes igen.":
        "“Unknown” means we do not know whether the letter arrived: the connection was lost right after it "
        "was sent. Ask the technical contact before sending again.",
    "Abonnentens navn eller adresse kan ikke stå i en mail; ret eller fjern abonnenten.":
        "The subscriber's name or address cannot go in an email; correct or remove the subscriber.",
    "Adressen findes ikke hos modtagerens mailserver.": "The address does not exist at the recipient's mail server.",
    "Modtagerens postkasse er fuld.": "The recipient's mailbox is full.",
    "Modtagerens mailserver afviste brevet (spamfilter eller politik).":
        "The recipient's mail server refused the letter (spam filter or policy).",
    "Mailserveren svarede ikke i tide.": "The mail server did not answer in time.",
    "Forbindelsen blev afbrudt lige efter brevet: ukendt om det kom frem.":
        "The connection dropped right after the letter: unknown whether it arrived.",
    "Forbindelsen til mailserveren blev afbrudt.": "The connection to the mail server dropped.",
    "Midlertidig fejl hos modtageren; der prøves igen.": "A temporary error at the recipient; it is tried again.",
    "Mailserveren svarede med en fejl.": "The mail server answered with an error.",
    # sources (issue 9 §6)
    "Kilder": "Sources", "{n} kilder, {attention} kræver opmærksomhed, {off} er slået fra.":
        "{n} sources, {attention} need attention, {off} are switched off.",
    "Nye nyheder pr. uge, de sidste {n} uger": "New items per week, the last {n} weeks",
    "Partner": "Partner", "Uge {first}–{last}": "Weeks {first}–{last}", "I alt": "Total",
    "{name}: {counts} nye pr. uge": "{name}: {counts} new per week", "Uge {week}: {n}": "Week {week}: {n}",
    "Sundhed": "Health", "Kilde": "Source", "Senest nyt": "Latest new item", "Fejl i træk": "Failures in a row",
    "Hvad skal tjekkes": "What to check", "Hent nu": "Fetch now", "aldrig": "never", "ok": "ok", "ny": "new",
    "venter": "waiting", "slået fra": "switched off",
    "Der er ingen kilder i feeds.yaml endnu.": "There are no sources in feeds.yaml yet.",
    "{key} svarede ikke: {error}": "{key} did not answer: {error}", "{key} er hentet: {n} nye.": "{key} fetched: {n} new.",
}

# audit-log actions as the history shows them
ACTIONS = {
    "create": "lavede kladden", "refresh": "opdaterede kladden med nye historier", "edit": "rettede teksterne",
    "include": "tog en historie med", "exclude": "tog en historie ud", "move": "flyttede en historie",
    "override": "rettede en historie", "curate": "tilføjede en historie", "reopen": "åbnede udgaven igen",
    "approve": "godkendte", "approved": "annullerede afsendelsen", "queued": "satte i kø",
    "schedule": "planlagde afsendelsen", "reschedule": "flyttede afsendelsen", "unqueue": "annullerede afsendelsen",
    "sent": "udsendelsen er færdig", "test-send": "sendte en test", "render": "lavede forhåndsvisningen",
}

# why compose or a person left an item out (issue_items.reason)
REASONS = {"partner cap": "højst så mange pr. partner", "section cap": "højst så mange i sektionen",
           "issue cap": "højst så mange i udgaven", "no http(s) link": "intet http(s)-link",
           "reviewer": "Taget ud af redaktionen"}

ROLE_NAMES = {"editor": "redaktør", "approver": "godkender", "admin": "administrator"}
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


def t(lang: str, text: str, **values: object) -> str:
    chosen = EN.get(text, text) if lang == "en" else text
    return chosen.format(**values) if values else chosen


# The stages' errors (English, for the CLI and logs) as the workspace says them in Danish.
# A message not listed here is shown as the stage wrote it: it still says what to do.
DANISH_ERRORS: list[tuple[str, str]] = [
    (r"(?P<name>.+) made the last change to this issue; with the four-eyes rule",
     "{name} har lavet den seneste ændring. Med firøjne-princippet skal en anden godkende."),
    (r"issue \d+ has never been rendered", "Udgaven er ikke set i forhåndsvisningen endnu. Åbn den, før du godkender."),
    (r"issue \d+ was changed after its last render",
     "Udgaven er ændret siden forhåndsvisningen. Se forhåndsvisningen igen, før du godkender."),
    (r"issue \d+ has (?P<n>\d+) preflight error\(s\), first: (?P<first>.+?)\. Fix them",
     "Udgaven har {n} fejl i tjekket før afsendelse; de står i forhåndsvisningen. Ret dem, eller godkend med "
     "en begrundelse."),
    (r"issue \d+ has (?P<n>\d+) preflight error\(s\) that its approval did not override",
     "Udgaven har {n} fejl i tjekket før afsendelse, som godkendelsen ikke begrundede. Ret dem, og godkend igen."),
    (r"issue \d+ has no included items", "Udgaven har ingen historier med. Tag nogle med, før den godkendes."),
    (r"issue \d+ is (?P<status>\w+); only a draft can be approved", "Kun en kladde kan godkendes."),
    (r"issue \d+ is (?P<status>\w+); it can no longer be edited", "Udgaven er sendt eller i kø og kan ikke længere rettes."),
    (r"issue \d+ is (?P<status>\w+); only a queued issue can be cancelled", "Kun en udgave i kø kan annulleres."),
    (r"issue \d+ is (?P<status>\w+); only an approved issue can be queued", "Udgaven skal godkendes, før den kan sendes."),
    (r".*no new items from partners since", "Der er ingen nye historier fra partnerne endnu. Hent nyheder først, eller tilføj en historie."),
    (r"(?P<field>subject|preheader|intro|title|summary) is (?P<n>\d+) characters; the limit is (?P<limit>\d+)",
     "Teksten er {n} tegn; grænsen er {limit}."),
    (r"the subject cannot be empty", "Emnelinjen må ikke være tom."),
    (r"could not read (?P<url>\S+): (?P<problem>.+?)\. Check the URL",
     "Siden kunne ikke læses ({problem}). Tjek linket, eller skriv overskrift og resumé selv."),
    (r"'(?P<url>.*)' is not an http\(s\) URL", "«{url}» er ikke et http(s)-link."),
    (r"the password must be at least (?P<n>\d+) characters", "Adgangskoden skal være mindst {n} tegn."),
    (r"this password is too common", "Den adgangskode er for almindelig. Vælg en længere og mindre oplagt (en kort sætning virker)."),
    (r"the password may not be your name", "Adgangskoden må ikke være dit navn eller din adresse."),
    (r"a user named .+ exists", "Der findes allerede en bruger med det navn eller den adresse."),
    (r"you cannot disable yourself", "Du kan ikke spærre dig selv."),
    # source health (collect/health.py), as the start page lists it
    (r"(?P<error>.+) \(failed (?P<n>\d+) runs? in a row, never succeeded\)",
     "{error} (fejlet {n} gange i træk, aldrig hentet)"),
    (r"(?P<error>.+) \(failed (?P<n>\d+) runs? in a row, last success (?P<ago>.+)\)",
     "{error} (fejlet {n} gange i træk; sidst hentet: {ago})"),
    (r"no new item for (?P<n>\d+) days",
     "Intet nyt i {n} dage. Tjek, at partneren stadig udgiver her (feedet kan være flyttet)."),
    (r"no item at all in the (?P<n>\d+) days since it was added",
     "Intet i de {n} dage, siden kilden blev tilføjet. Tjek adressen i feeds.yaml."),
    (r"the server answered HTTP 410 Gone",
     "Serveren svarer 410 Gone: partneren har fjernet feedet. Find den nye adresse (newsletter sources "
     "discover), og ret den i feeds.yaml."),
]


def in_language(lang: str, message: str) -> str:
    """A stage's message in Danish where we know it, else as the stage wrote it."""
    if lang == "da":
        for pattern, danish in DANISH_ERRORS:
            match = re.match(pattern, message)
            if match:
                return danish.format(**match.groupdict()).replace(" 1 gange", " 1 gang")
    return message


def error_text(lang: str, error: NewsletterError) -> str:
    return f"{t(lang, 'Det lykkedes ikke')}: {in_language(lang, str(error))}"


def parse_iso(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


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


def reason(value: str, lang: str = "da") -> str:
    return t(lang, REASONS.get(value, value))


SYSTEM_ACTORS = ("compose", "queue", "send", "unqueue", "curate", "scheduler")


def actor(name: str, lang: str = "da") -> str:
    """Who did it: a person's user name, or "Systemet" for the pipeline's own steps."""
    return t(lang, "Systemet") if name in SYSTEM_ACTORS else name


def role(value: str, lang: str = "da") -> str:
    return t(lang, ROLE_NAMES.get(value, value))


# --- subscribers (admin, issue 9 §6) -------------------------------------------------------------
EN.update({
    "Abonnenter": "Subscribers",
    "Find en abonnent, importer en liste, hent alle som CSV, eller slet en person helt (GDPR).":
        "Find a subscriber, import a list, download everyone as CSV, or erase a person completely (GDPR).",
    "Antal pr. nyhedsbrev": "Numbers per newsletter", "Nyhedsbrev": "Newsletter", "Aktive": "Active",
    "Afventer": "Pending", "Afmeldt": "Unsubscribed", "Afvist": "Bounced", "Klaget": "Complained",
    "Prøveimport (intet er gemt)": "Trial import (nothing was stored)", "Import færdig": "Import done",
    "{imported} af {rows} rækker importeret ({added} nye, {subscribed} fandtes i forvejen); {skipped} sprunget over.":
        "{imported} of {rows} rows imported ({added} new, {subscribed} already there); {skipped} skipped.",
    "Kolonner der ikke blev brugt": "Columns not used", "Linje": "Line", "Adresse": "Address",
    "Problem": "Problem", "Søg": "Search", "Adresse, navn eller virksomhed": "Address, name or organisation",
    "{n} fundet": "{n} found", "De nyeste abonnenter": "The newest subscribers",
    "Ingen abonnenter passer på søgningen.": "No subscriber matches the search.",
    "Importer fra CSV": "Import from CSV", "CSV-fil": "CSV file",
    "Hvor kommer samtykket fra?": "Where does the consent come from?",
    "fx tilmeldingsliste, Industriens Dag 2026": "e.g. sign-up sheet, Industriens Dag 2026",
    "Komma eller semikolon, dansk eller engelsk overskrift (e-mail, navn, virksomhed, sprog). "
    "Rækker med fejl springes over og vises med linjenummer.":
        "Comma or semicolon, Danish or English headers (email, name, organisation, language). "
        "Rows with errors are skipped and shown with their line number.",
    "Kun prøve: vis rapporten uden at gemme": "Trial only: show the report without storing",
    "Importer": "Import", "Eksporter": "Export",
    "En række pr. abonnent og nyhedsbrev, som Excel kan åbne.": "One row per subscriber and newsletter, for Excel.",
    "Alle": "All", "Vælg en CSV-fil at importere.": "Choose a CSV file to import.",
    "afventer bekræftelse": "awaiting confirmation", "aktiv": "active", "afmeldt": "unsubscribed",
    "afvist af modtageren": "bounced", "klaget over spam": "complained of spam",
    "Sprog": "Language", "dansk": "Danish", "engelsk": "English", "Oprettet": "Created",
    "Slet personen (GDPR)": "Erase the person (GDPR)", "Abonnementer": "Subscriptions",
    "alle sektioner": "all sections", "sektioner": "sections", "tilmeldt": "subscribed",
    "bekræftet": "confirmed", "Ingen abonnementer.": "No subscriptions.", "Samtykke": "Consent",
    "givet": "given", "trukket tilbage": "withdrawn", "tilmeldingsformularen": "the sign-up form",
    "redaktionen": "the team", "import": "import", "indstillingssiden": "the preferences page",
    "afmeldingslinket": "the unsubscribe link", "Hvor": "Where", "tekst": "text",
    "Ingen samtykker registreret.": "No consent recorded.", "Udsendelser": "Deliveries",
    "Udgave": "Issue", "Personen har ikke fået nogen udgaver endnu.": "The person has not received any issue yet.",
    "Alt om {email} slettes: abonnementer, samtykker og udsendelser. Det kan ikke fortrydes. "
    "Kun et fingeraftryk af adressen gemmes, så den ikke kan importeres igen.":
        "Everything about {email} is erased: subscriptions, consent and deliveries. This cannot be undone. "
        "Only a fingerprint of the address is kept, so it cannot be imported again.",
    "Adressen passer ikke. Skriv den præcis som vist for at slette.":
        "The address does not match. Type it exactly as shown to erase.",
    "Skriv adressen {email} for at bekræfte": "Type the address {email} to confirm",
    "Slet for altid": "Erase for good", "Fortryd": "Cancel",
    "{email} er slettet. Kun et fingeraftryk af adressen er gemt, så den ikke kan importeres igen.":
        "{email} is erased. Only a fingerprint of the address is kept, so it cannot be imported again.",
})


# --- social posts on the issue page (issue 10 §2) ------------------------------------------------
EN.update({
    "Sociale opslag": "Social posts", "Der er ingen opslag til udgaven endnu.": "The issue has no posts yet.",
    "kladde": "draft", "godkendt": "approved", "eksporteret": "exported", "sendes nu": "being posted",
    "slået op": "posted", "uvist om det kom ud": "unknown whether it went out", "fejlet": "failed",
    "sprunget over": "skipped", "uvist om den kom frem": "unknown whether it arrived",
    "Planlagt": "Planned", "Ingen tid planlagt": "No time planned", "godkendt af {name}": "approved by {name}",
    "Billedkort til opslaget": "The post's card image", "Tekst": "Text", "{n} af {limit} tegn": "{n} of {limit} characters",
    "Gem teksten": "Save the text", "Godkend opslaget": "Approve the post", "Godkend alle": "Approve all",
    "Lav opslagene igen": "Make the posts again", "Lav opslagene": "Make the posts",
    "Opslagene er lavet: {n} i alt.": "The posts are made: {n} in all.",
    "Gemt: {count} af {limit} tegn på {network}.": "Saved: {count} of {limit} characters on {network}.",
    "Opslaget til {network} er godkendt.": "The {network} post is approved.",
    "{n} godkendt; {refused} er for lange og skal rettes først.": "{n} approved; {refused} are too long and must be edited first.",
    "{n} opslag er godkendt.": "{n} posts are approved.",
})
DANISH_ERRORS.append((r"post \d+ \((?P<network>\w+)\) (?P<count>\d+)/(?P<limit>\d+) \((?P<notes>.*)\): not saved$",
                      "Teksten er ikke gemt: {count} af {limit} tegn er for meget. Gør den kortere."))
DANISH_ERRORS.append((r"(?P<over>\d+) over (?P<label>\w+)'s limit of (?P<limit>\d+)$",
                      "{over} tegn over grænsen på {limit} hos {label}"))


# --- issue 9, the rest: dragging cards, changing roles, the workspace's error pages -------------
EN.update({
    "Historien er flyttet.": "The story is moved.", "Træk for at flytte historien": "Drag to move the story",
    "{name} er nu {role}.": "{name} is now {role}.", "Rolle for {name}": "Role of {name}",
    "Skift rolle for {name}": "Change the role of {name}", "Skift": "Change",
    "Fejl {code}": "Error {code}", "Til forsiden": "To the start page",
    "Adressen er forkert, eller det, der lå her, er slettet.": "The address is wrong, or what was here has been deleted.",
    "Formularen er for stor": "The form is too large",
    "Gør teksten kortere, eller send færre ting ad gangen.": "Make the text shorter, or send fewer things at once.",
    "Gå tilbage, og prøv igen. Sker det igen, så sig det til en administrator.":
        "Go back and try again. If it happens again, tell an admin.",
})
DANISH_ERRORS.append((r"(?P<name>\S+) is the last active admin and cannot be",
                      "{name} er den sidste aktive administrator. Gør en anden bruger til administrator først."))
DANISH_ERRORS.append((r"unknown role '(?P<role>.*)'; choose one of", "«{role}» er ikke en rolle. Vælg redaktør, godkender eller administrator."))


# --- preview: advice for the newer preflight checks (their findings' own words are in
# newsletter/render/preflight/texts.py) ------------------------------------------------------------
EN.update({
    "Mailen er gjort kortere, så Gmail ikke klipper den. Vil I selv vælge, så tag historier ud.":
        "The email was shortened so that Gmail does not clip it. To choose yourselves, take stories out.",
    "Historien står i mailen uden billede. Ret billedet, hvis det skal med.":
        "The story is in the email without its picture. Fix the picture if it should be there.",
    "Ret forhåndsteksten under «Emne, forhåndstekst og intro» på udgavens side.":
        "Edit the preheader under “Subject, preheader and intro” on the issue's page.",
})
