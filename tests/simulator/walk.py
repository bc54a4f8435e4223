"""Driving the simulator page as a person does: by what each screen says."""

from __future__ import annotations

import re

from core.i18n import translator

DESCRIPTION = "Nimesubiri TIN kwa wiki tatu bila jibu"


def wait_for_screen(page) -> str:
    page.wait_for_selector("#screen:not([data-state='running'])")
    return page.inner_text("#screen-text")


def option(screen: str, label: str) -> str | None:
    """The number of the option called ``label`` on a screen, as a citizen reads it."""
    match = re.search(rf"^(\d+)[.)]? {re.escape(label)}$", screen, re.MULTILINE)
    return match.group(1) if match else None


def answer(page, text: str) -> str:
    """Type on the keypad (digits) or the keyboard (words), press Send, read the next screen."""
    if text.isdigit():
        for key in text:
            page.click(f"[data-key='{key}']")
    else:
        page.fill("#reply", text)
    page.click("#send")
    return wait_for_screen(page)


def dial(page, code: str) -> str:
    page.fill("#dial", code)
    page.click("#dial-form button[type=submit]")
    return wait_for_screen(page)


def submit_complaint(page) -> str:
    """Walk the menu by what each screen says; return the last (END) screen."""
    t = translator("sw")
    choices = [t._("Complaint"), t._("Search by name"), "TRA kodi", t._("Next: who is sending"),
               t._("Known, with my number"), t._("Send")]
    typed = {t._("Type the first letters of the institution's name:"): "TRA",
             t._("Describe it for %(inst)s (up to %(n)s letters):", inst="TRA kodi", n=300):
             DESCRIPTION,
             t._("Write your name, or 1 to skip:"): "Asha Said"}
    screen = dial(page, "*152*00*9*2#")
    for _hop in range(15):
        if page.inner_text("#bar-state") != "Session":
            return screen
        number = next((n for n in (option(screen, c) for c in choices) if n), None)
        reply = number or next((v for k, v in typed.items() if screen.startswith(k)), None)
        assert reply is not None, f"the walk does not know this screen:\n{screen}"
        screen = answer(page, reply)
    raise AssertionError("the session did not end")
