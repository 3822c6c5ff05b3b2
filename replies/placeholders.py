"""The placeholders of a canned reply: `{enterprise}`, `{ticket}`, `{officer}`, `{due}`;
`{{` and `}}` are literal braces. Any other name in braces is refused when a reply is saved."""

from __future__ import annotations

import string

from django.utils.translation import gettext as _

from servicedesk.errors import Invalid

PLACEHOLDERS = ("enterprise", "ticket", "officer", "due")


def placeholders_in(body: str) -> list[str]:
    """The placeholder names of a text, in order; Invalid (on `body`) for a name that is not
    one of PLACEHOLDERS, a format spec or conversion, or an unpaired brace."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError:
        message = _("A brace is not closed: write {{ and }} for a literal brace.")
        raise Invalid(message, detail={"body": [message]}) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            message = _("Unknown placeholder {%(name)s}: use %(known)s.") % {
                "name": shown,
                "known": ", ".join("{" + p + "}" for p in PLACEHOLDERS),
            }
            raise Invalid(message, detail={"body": [message]})
        names.append(name)
    return names
