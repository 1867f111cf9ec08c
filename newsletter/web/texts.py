"""What the public pages say, in Danish (the default) and English. Keys are the same in both
(a test checks); a page asks for ``_("key", name=value)``."""

from __future__ import annotations

DA: dict[str, str] = {
    "lang_name": "Dansk",
    "other_lang": "English",
    "subscribe_title": "Tilmeld dig nyhedsbrevet",
    "subscribe_intro": "Få nyt fra erhvervsfremmen i Trekantområdet direkte i din indbakke: nyheder, "
                       "arrangementer og muligheder for virksomheder. Det er gratis, og du kan afmelde "
                       "dig, når du vil.",
    "email": "E-mailadresse",
    "name": "Navn",
    "organisation": "Virksomhed eller organisation",
    "optional": "frivilligt",
    "newsletters": "Nyhedsbreve",
    "choose_newsletters": "Hvilke nyhedsbreve vil du have?",
    "consent": "Samtykke",
    "privacy": "Læs om, hvordan vi behandler dine oplysninger",
    "subscribe_button": "Tilmeld mig",
    "honeypot": "Lad dette felt være tomt",
    "err_empty": "Skriv din e-mailadresse.",
    "err_syntax": "Det ligner ikke en gyldig e-mailadresse. Tjek, at den er skrevet rigtigt, f.eks. navn@firma.dk.",
    "err_too_long": "E-mailadressen er for lang. Tjek, at den er skrevet rigtigt.",
    "err_unicode_local": "Vi kan desværre ikke sende til adresser med æ, ø, å eller andre specialtegn før @. "
                         "Brug gerne en anden adresse.",
    "err_encoded": "Adressen indeholder tegn, som ikke kan stå i en e-mail (=?...?=). Tjek, at den er skrevet rigtigt.",
    "err_name_control": "Navnet må ikke indeholde linjeskift eller kontroltegn. Skriv det på én linje.",
    "err_name_encoded": "Navnet må ikke indeholde tegnfølgen =?...?=, som bruges i e-mailkoder.",
    "err_name_too_long": "Navnet er for langt. Der er plads til 200 tegn.",
    "err_organisation_control": "Navnet på virksomheden må ikke indeholde linjeskift eller kontroltegn. "
                                "Skriv det på én linje.",
    "err_organisation_encoded": "Navnet på virksomheden må ikke indeholde tegnfølgen =?...?=, som bruges i "
                                "e-mailkoder.",
    "err_organisation_too_long": "Navnet på virksomheden er for langt. Der er plads til 200 tegn.",
    "err_newsletters": "Vælg mindst ét nyhedsbrev.",
    "err_consent": "Sæt kryds ved samtykket, så vi må sende dig nyhedsbrevet.",
    "err_sections": "Vælg mindst ét emne for {newsletter}, eller fjern krydset ved nyhedsbrevet.",
    "check_inbox_title": "Tjek din indbakke",
    "check_inbox_body": "Tak! Vi har sendt en mail til {email} med et link, som du skal klikke på for at "
                        "bekræfte din tilmelding. Er du allerede tilmeldt, skal du ikke gøre mere.",
    "check_spam": "Kan du ikke finde mailen om et par minutter, så kig i mappen med uønsket post.",
    "rate_title": "Lidt for mange forsøg",
    "rate_body": "Vi har fået mange henvendelser fra din forbindelse på kort tid. Vent et par minutter, "
                 "og prøv så igen.",
    "csrf_title": "Siden er udløbet",
    "csrf_body": "Formularen var for gammel, blev sendt fra en anden side, eller din browser blokerer "
                 "cookies. Gå tilbage, genindlæs siden, og prøv igen.",
    "confirm_title": "Bekræft din tilmelding",
    "confirm_body": "Klik på knappen for at bekræfte, at du vil have nyhedsbrevet fra {brand}.",
    "confirm_button": "Ja, bekræft min tilmelding",
    "confirmed_title": "Tak – du er nu tilmeldt",
    "confirmed_body": "Din tilmelding er bekræftet. Du får nyhedsbrevet ved næste udsendelse.",
    "choose_topics": "Vælg emner og sprog",
    "expired_title": "Linket er udløbet",
    "expired_body": "Linket virker kun i en begrænset periode, og det er udløbet. Skriv din "
                    "e-mailadresse, så sender vi dig et nyt.",
    "used_title": "Linket er allerede brugt",
    "used_body": "Linket er allerede brugt eller erstattet af et nyere. Har du bekræftet din "
                 "tilmelding, er du tilmeldt. Mangler du stadig at bekræfte, kan du få et nyt link her.",
    "invalid_title": "Linket virker ikke",
    "invalid_body": "Linket er ufuldstændigt eller ændret. Prøv at kopiere hele linket fra mailen ind i "
                    "browseren.",
    "new_link_button": "Send mig et nyt link",
    "resent_title": "Tjek din indbakke",
    "resent_body": "Hvis adressen står på vores liste, har vi sendt et nyt link til den.",
    "unsubscribe_title": "Afmeld nyhedsbrevet",
    "unsubscribe_body": "Vil du afmelde {newsletter}? Du kan altid tilmelde dig igen.",
    "unsubscribe_button": "Ja, afmeld mig",
    "unsubscribed_title": "Du er afmeldt",
    "unsubscribed_body": "Du får ikke flere mails med {newsletter} fra os. Tak for nu – du er altid velkommen tilbage.",
    "resubscribe": "Fortryder du? Tilmeld dig igen",
    "preferences_title": "Dine indstillinger",
    "preferences_intro": "Her bestemmer du, hvad du får fra os. Ændringerne gælder fra næste udsendelse.",
    "language": "Sprog på vores sider og mails til dig",
    "sections": "Emner",
    "save_button": "Gem mine valg",
    "saved": "Dine valg er gemt.",
    "unsubscribe_all_title": "Afmeld alt",
    "unsubscribe_all_body": "Vil du slet ikke have mails fra os mere?",
    "unsubscribe_all_button": "Afmeld alle nyhedsbreve",
    "all_unsubscribed_body": "Du er afmeldt alle vores nyhedsbreve. Vi gemmer kun en note om, hvornår du "
                             "afmeldte dig, så vi kan dokumentere det.",
    "new_consent_note": "Sætter du kryds ved et nyt nyhedsbrev, giver du samtykke efter teksten herunder.",
    "not_found_title": "Siden findes ikke",
    "not_found_body": "Vi kan ikke finde den side, du leder efter.",
    "error_title": "Der gik noget galt",
    "error_body": "Der skete en fejl hos os. Prøv igen om lidt.",
    "back_to_start": "Til forsiden",
    "contact": "Kontakt",
    "cvr": "CVR",
}

EN: dict[str, str] = {
    "lang_name": "English",
    "other_lang": "Dansk",
    "subscribe_title": "Subscribe to the newsletter",
    "subscribe_intro": "News, events and opportunities for businesses from business development in the "
                       "Triangle Region of Denmark, straight to your inbox. It is free, and you can "
                       "unsubscribe whenever you like.",
    "email": "Email address",
    "name": "Name",
    "organisation": "Company or organisation",
    "optional": "optional",
    "newsletters": "Newsletters",
    "choose_newsletters": "Which newsletters would you like?",
    "consent": "Consent",
    "privacy": "How we handle your data",
    "subscribe_button": "Subscribe",
    "honeypot": "Leave this field empty",
    "err_empty": "Please enter your email address.",
    "err_syntax": "That does not look like a valid email address. Please check it, e.g. name@company.com.",
    "err_too_long": "The email address is too long. Please check it.",
    "err_unicode_local": "Sorry, we cannot send to addresses with special characters before the @. "
                         "Please use another address.",
    "err_encoded": "The address contains characters that cannot be used in an email (=?...?=). Please check it.",
    "err_name_control": "The name may not contain line breaks or control characters. Please write it on one line.",
    "err_name_encoded": "The name may not contain =?...?=, which is used for email encodings.",
    "err_name_too_long": "The name is too long. There is room for 200 characters.",
    "err_organisation_control": "The organisation may not contain line breaks or control characters. "
                                "Please write it on one line.",
    "err_organisation_encoded": "The organisation may not contain =?...?=, which is used for email encodings.",
    "err_organisation_too_long": "The organisation is too long. There is room for 200 characters.",
    "err_newsletters": "Please choose at least one newsletter.",
    "err_consent": "Please tick the consent box so that we may send you the newsletter.",
    "err_sections": "Choose at least one topic for {newsletter}, or untick the newsletter.",
    "check_inbox_title": "Check your inbox",
    "check_inbox_body": "Thank you! We have sent an email to {email} with a link to confirm your "
                        "subscription. If you are already subscribed, nothing more happens.",
    "check_spam": "If the email has not arrived in a few minutes, please look in your spam folder.",
    "rate_title": "Too many attempts",
    "rate_body": "We have received many requests from your connection in a short time. Please wait a "
                 "few minutes and try again.",
    "csrf_title": "This page has expired",
    "csrf_body": "The form was too old, was sent from another site, or your browser blocks cookies. "
                 "Go back, reload the page and try again.",
    "confirm_title": "Confirm your subscription",
    "confirm_body": "Click the button to confirm that you want the newsletter from {brand}.",
    "confirm_button": "Yes, confirm my subscription",
    "confirmed_title": "Thank you – you are subscribed",
    "confirmed_body": "Your subscription is confirmed. You will receive the next newsletter we send.",
    "choose_topics": "Choose topics and language",
    "expired_title": "This link has expired",
    "expired_body": "The link only works for a limited time, and this one is too old. Enter your email "
                    "address and we will send you a new one.",
    "used_title": "This link has already been used",
    "used_body": "This link has already been used or replaced by a newer one. If you confirmed, you "
                 "are subscribed. If you still need to confirm, you can get a new link here.",
    "invalid_title": "This link does not work",
    "invalid_body": "The link is incomplete or has been changed. Try copying the whole link from the "
                    "email into your browser.",
    "new_link_button": "Send me a new link",
    "resent_title": "Check your inbox",
    "resent_body": "If the address is on our list, we have sent a new link to it.",
    "unsubscribe_title": "Unsubscribe",
    "unsubscribe_body": "Do you want to unsubscribe from {newsletter}? You can always subscribe again.",
    "unsubscribe_button": "Yes, unsubscribe me",
    "unsubscribed_title": "You are unsubscribed",
    "unsubscribed_body": "You will not receive {newsletter} from us any more. Thank you, and you are "
                         "always welcome back.",
    "resubscribe": "Changed your mind? Subscribe again",
    "preferences_title": "Your settings",
    "preferences_intro": "Choose what you receive from us. Changes apply from the next newsletter.",
    "language": "Language of our pages and emails to you",
    "sections": "Topics",
    "save_button": "Save my choices",
    "saved": "Your choices have been saved.",
    "unsubscribe_all_title": "Unsubscribe from everything",
    "unsubscribe_all_body": "Do you not want any emails from us at all?",
    "unsubscribe_all_button": "Unsubscribe from all newsletters",
    "all_unsubscribed_body": "You are unsubscribed from all our newsletters. We keep only a note of when "
                             "you unsubscribed, so that we can document it.",
    "new_consent_note": "If you tick a new newsletter, you consent according to the text below.",
    "not_found_title": "Page not found",
    "not_found_body": "We cannot find the page you are looking for.",
    "error_title": "Something went wrong",
    "error_body": "An error occurred on our side. Please try again shortly.",
    "back_to_start": "Back to the start page",
    "contact": "Contact",
    "cvr": "CVR",
}

TEXTS = {"da": DA, "en": EN}


def translate(language: str, key: str, **values: object) -> str:
    text = TEXTS.get(language, DA).get(key) or DA[key]
    return text.format(**values) if values else text
