"""The one-tap acknowledgement: the link in an on-call alert opens a page with one
button, and pressing it records the reaction without signing in. Apart because it is
the one console page that the link's signed token, not a session, lets in.
"""

from __future__ import annotations

import logging

from starlette.responses import Response

from mailbot.core.contracts import Staff
from mailbot.outgoing.links import LinkError, staff_code
from mailbot.services.base import ActionError, find_ticket
from mailbot.services.tickets import ack
from mailbot.web.base import ConsoleBase
from mailbot.web.links import use_once
from mailbot.web.request import Ctx

log = logging.getLogger("mailbot.web")


class AckPage(ConsoleBase):
    def ack_page(self, ctx: Ctx) -> Response:
        """The on-call alert's link: a page with one button (link scanners only look);
        pressing it records the reaction as `mailbot ack` does, without a login."""
        token = ctx.request.path_params["token"]
        try:
            claim = self.c.links.read(token)
        except LinkError as exc:
            return self.render(ctx, "ack.html", 410, problem=str(exc))
        staff: Staff | None = next(
            (s for s in self.c.rules.book.staff if staff_code(s.id) == claim.staff_code), None
        )
        try:
            ticket = find_ticket(ctx.session, claim.ticket) if staff else None
        except ActionError:
            ticket = None
        if staff is None or ticket is None:
            return self.render(ctx, "ack.html", 410, problem="Ten link jest nieaktualny.")
        if ctx.form is None:
            return self.render(ctx, "ack.html", t=ticket, staff=staff, token=token)
        try:
            use_once(ctx.session, claim, staff.id, ticket.id, ctx.now)
        except LinkError as exc:
            ctx.session.rollback()
            return self.render(ctx, "ack.html", 410, problem=str(exc), t=ticket)
        done = ack(ctx.session, self.c.desk, ticket.number, by=staff.id, when=ctx.now)
        ctx.session.commit()
        log.info(
            "one-tap acknowledgement of %s by %s (%s)",
            ticket.number,
            staff.id,
            "already reacted" if done.already else "recorded",
        )
        return self.render(
            ctx, "ack.html", t=ticket, staff=staff, recorded=not done.already, used=True,
            first_by=self.staff_names.get(done.by, done.by), first_at=done.at,
        )  # fmt: skip
