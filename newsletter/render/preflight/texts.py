"""What each preflight finding says, in Danish (the team's language, first) and English (the CLI,
logs and ``?lang=en``). The one place for these words.

A check makes ``Finding(check, level, code, params)``; the text is ``TEXTS[code]`` filled with
``params`` (``str.format`` fields; a float gets a decimal comma in Danish). A parameter can be
another text, ``part(code, ...)``, or a list of them (joined with "; "), or a list of item ids
(the first 12, then "and N more"). Keep the fields of the two languages the same, and make the
Danish say what to do for someone who does not read HTML: ``tests/compose/test_preflight_texts.py``
checks that every code used in the package has both texts and that they differ.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

LANGUAGES = ("da", "en")
SHOWN_IDS = 12

# code: (Danish, English)
TEXTS: dict[str, tuple[str, str]] = {
    # size.py: Gmail clips a message whose HTML passes about 102 KB
    "size.clipped": ("Mailen fylder {kb:.1f} KB, og Gmail klipper mails over ca. 102 KB. Tag historier eller "
                     "billeder ud.",
                     "HTML is {kb:.1f} KB; Gmail clips messages over ~102 KB. Remove items or images."),
    "size.near_clip": ("Mailen fylder {kb:.1f} KB, tæt på Gmails grænse på ca. 102 KB (advarsel over 90 KB).",
                       "HTML is {kb:.1f} KB; close to Gmail's ~102 KB clip (warning above 90 KB)."),
    "size.ok": ("Mailen fylder {kb:.1f} KB (Gmail klipper ved ca. 102 KB).",
                "HTML is {kb:.1f} KB (Gmail clips at ~102 KB)."),
    # images.py
    "alt.missing": ("Et billede mangler alternativ tekst: {src}", "image without alt text: {src}"),
    "alt.linked_empty": ("Et billede, der er et links eneste indhold, har tom alternativ tekst, så linket "
                         "ikke har noget navn for en skærmlæser: {src}",
                         "linked image with empty alt text (the link has no name for a screen reader): {src}"),
    "width.missing": ("Et billede mangler en bredde (width): {src}", "image without a width attribute: {src}"),
    # links.py
    "scheme.not_http": ("Et link er ikke http(s): {url}", "link is not http(s): {url}"),
    "scheme.empty": ("Et link er tomt.", "link is not http(s): (empty)"),
    "link.offline": ("Linktjekket blev sprunget over, fordi der ikke var forbindelse: ingen af de {count} links "
                     "kunne nås (fx {url}: {error}). Tjek igen, når der er netværk.",
                     "link check skipped: offline (none of the {count} links could be reached; e.g. {url}: "
                     "{error}). Run the check again with network, or use --offline to skip it."),
    "link.broken": ("Linket virker ikke: {url} ({error})", "{url}: {error}"),
    # contrast.py: WCAG 2.1 AA asks 4.5:1 for body text
    "contrast.low": ("Tekst i {fg} på {bg} har en kontrast på {ratio:.1f}:1, under de {minimum}:1, som WCAG AA "
                     "kræver for brødtekst ({count} steder, fx «{example}»). Vælg mørkere eller lysere "
                     "brand.colors i feeds.yaml.",
                     "text {fg} on {bg} has a contrast of {ratio:.1f}:1, under the {minimum}:1 WCAG AA asks for "
                     "body text ({count} places, e.g. {example!r}); choose darker or lighter brand.colors in "
                     "feeds.yaml"),
    # preheader.py
    "preheader.repeats": ("Forhåndsteksten «{preheader}» gentager mailens første linjer, så indbakken viser de "
                          "samme ord to gange. Skriv en forhåndstekst, der siger noget mere.",
                          "the preheader {preheader!r} repeats the first lines of the email, so the inbox shows "
                          "the same words twice; write one that adds something (`newsletter issue edit ID "
                          "--preheader`)"),
    # legal.py: markedsføringsloven §10, e-handelsloven §7
    "legal.no_unsubscribe": ("Mailen har intet afmeldingslink (markedsføringsloven §10). Skabelonen skal beholde "
                             "%%unsubscribe_url%%.",
                             "the email has no unsubscribe link (markedsføringsloven §10): keep "
                             "%%unsubscribe_url%% in the template"),
    "legal.no_postal_address": ("brand.postal_address er tom i feeds.yaml: hvert nyhedsbrev skal vise "
                                "afsenderens postadresse (e-handelsloven §7).",
                                "brand.postal_address is empty in feeds.yaml: every newsletter must show the "
                                "sender's postal address (e-handelsloven §7)"),
    "legal.no_cvr": ("brand.cvr er tom i feeds.yaml: afsenderens CVR-nummer skal stå i mailen (e-handelsloven §7).",
                     "brand.cvr is empty in feeds.yaml: the sender's CVR number must be shown (e-handelsloven §7)"),
    "legal.example_address": ("brand.{key} er stadig en eksempeladresse ({address}). Skriv den rigtige i "
                              "feeds.yaml.",
                              "brand.{key} is still an example address ({address}); set the real one in "
                              "feeds.yaml"),
    # base_url.py: the finding, and what is wrong with BASE_URL (its {problem})
    "base_url.public": ("{problem}. Hver mail linker til webversionen, afmeldingen og indstillingssiden ud fra "
                        "den. Bed den tekniske ansvarlige sætte BASE_URL i miljøet (eller .env) til den offentlige "
                        "https-adresse, webappen (`newsletter serve`) har, fx https://nyhedsbrev.trekantomraadet.dk",
                        "{problem}. Every email links the web version, the unsubscribe and the preferences page "
                        "from it. Set BASE_URL in the environment (or .env) to the public https address the web "
                        "app (`newsletter serve`) is reached at, such as https://nyhedsbrev.trekantomraadet.dk"),
    "base_url.unset": ("BASE_URL er ikke sat (standardværdien {default} virker kun på denne maskine)",
                       "BASE_URL is not set (the default {default} only works on this machine)"),
    "base_url.not_url": ("BASE_URL «{url}» er ikke en webadresse", "BASE_URL {url!r} is not a URL"),
    "base_url.plain": ("BASE_URL {url} bruger ikke https", "BASE_URL {url} is plain {scheme}, not https"),
    "base_url.no_host": ("BASE_URL «{url}» har intet værtsnavn", "BASE_URL {url!r} has no host name"),
    "base_url.private_host": ("BASE_URL {url} peger på en vært ({host}), der ikke er på internettet",
                              "BASE_URL {url} names a host ({host}) that is not on the internet"),
    "base_url.loopback": ("BASE_URL {url} peger på denne maskine (en loopback-adresse), ikke på en offentlig "
                          "adresse",
                          "BASE_URL {url} points at a loopback address, not a public one"),
    "base_url.link_local": ("BASE_URL {url} peger på en lokal netværksadresse (link-local), ikke på en "
                            "offentlig adresse",
                            "BASE_URL {url} points at a link-local address, not a public one"),
    "base_url.unspecified": ("BASE_URL {url} peger på en uspecificeret adresse, ikke på en offentlig adresse",
                             "BASE_URL {url} points at an unspecified address, not a public one"),
    "base_url.private": ("BASE_URL {url} peger på en privat eller reserveret adresse, ikke på en offentlig "
                         "adresse",
                         "BASE_URL {url} points at a private or reserved address, not a public one"),
    # render/fit.py: what was done so the email stays under Gmail's clip
    "fit.shrunk": ("Mailen ville fylde {before:.1f} KB (Gmail klipper ved ca. 102 KB og skjuler bunden), så: "
                   "{steps}. Nu fylder den {after:.1f} KB. Webversionen har alle historier i fuld længde. Vil I "
                   "selv vælge, så tag historier ud eller forkort resuméer, og lav forhåndsvisningen igen.",
                   "the email would be {before:.1f} KB (Gmail clips at ~102 KB and hides the footer), so: "
                   "{steps}. Now {after:.1f} KB. The web version has every item in full. To choose yourself, "
                   "exclude items or shorten summaries and render again."),
    "fit.shortened": ("{n} resuméer er forkortet til {chars} tegn", "{n} summaries shortened to {chars} characters"),
    "fit.moved": ("{n} historier længst nede er vist som links under «Mere fra ugen» (nr. {ids})",
                  "{n} lowest-ranked items shown as links under \"Mere fra ugen\" (items {ids})"),
    "fit.web_only": ("{n} historier står kun i webversionen (nr. {ids})",
                     "{n} items only in the web version (items {ids})"),
    "more": ("og {n} flere", "and {n} more"),
    # render/__init__.py: the issue's own content
    "content.empty": ("Udgaven har ingen historier med.", "the issue has no included items"),
    "content.left_out": ("Historie nr. {item} er med, men {why}, så mailen udelader den: {title}",
                         "item {item} is included but {why}, so the email leaves it out: {title}"),
    "content.event_over": ("arrangementet er slut, når mailen sendes",
                           "is an event that is over by the planned send time"),
    "content.no_link": ("den har intet http(s)-link", "has no http(s) link"),
    "image.left_out": ("Historie nr. {item}: billedet er udeladt ({problem})",
                       "item {item}: picture left out: {problem}"),
}


def part(code: str, **params: Any) -> dict[str, Any]:
    """A text inside another text's parameters (stored as JSON with the finding)."""
    if code not in TEXTS:
        raise KeyError(f"no preflight text {code!r}: add it to newsletter/render/preflight/texts.py")
    return {"code": code, "params": params}


class _Filler(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, dict) and "code" in value:
            return text(value["code"], value.get("params") or {}, self.lang)
        if isinstance(value, list):
            if all(isinstance(v, int) for v in value):
                shown = ", ".join(str(v) for v in value[:SHOWN_IDS])
                rest = len(value) - SHOWN_IDS
                return shown + (" " + text("more", {"n": rest}, self.lang) if rest > 0 else "")
            return "; ".join(self.format_field(v, "") for v in value)
        out = format(value, format_spec)
        if self.lang == "da" and isinstance(value, float):
            out = out.replace(".", ",")
        return out


def text(code: str, params: Mapping[str, Any], lang: str = "da") -> str:
    """The finding's sentence in ``lang`` ("da" or "en")."""
    danish, english = TEXTS[code]
    return _Filler(lang).vformat(english if lang == "en" else danish, (), dict(params))
