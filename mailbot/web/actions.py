"""Staff actions from the ticket page (and from a queue row): each a POST carrying the
CSRF token (checked in `page`), allowed by the person's role (auth.ACTION_ROLES), one
call of the services layer in one transaction (the service validates, changes, audits,
queues mail), then back to the page with what happened (Post/Redirect/Get). A refused
action shows the ticket again with the reason in Polish, its form open and what was
typed still in it. Builds on the ticket pages (ticket_pages.py): it shows the page again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from starlette.exceptions import HTTPException
from starlette.responses import Response

from mailbot.core.classify_rules import PRODUCTS, SCOPES
from mailbot.services import clients, corrections, ledger, mail, phone, tickets
from mailbot.services.base import ActionError, find_ticket
from mailbot.web.auth import ACTION_ROLES, ROLE_NAMES, may
from mailbot.web.request import Ctx, Invalid, sentence
from mailbot.web.ticket_pages import TicketPages

log = logging.getLogger("mailbot.web")
TEXT_LIMIT = 20_000  # a reply or a note; longer is a paste gone wrong
_Done = tuple[str, str | None]  # (what happened, in Polish; the page to go to, None: back)


class NotAllowed(Exception):
    """A part of an action needs a higher role than the action itself (registering the
    address while linking, marking an emergency not-a-ticket)."""

    def __init__(self, needed: str):
        super().__init__(needed)
        self.needed = needed


class TicketActions(TicketPages):
    # -------------------------------------------------------------- plumbing

    def action(self, ctx: Ctx) -> Response:
        """POST /t/NUMBER/ACTION."""
        name = ctx.request.path_params["action"]
        handler = getattr(self, f"_do_{name}", None) if name in ACTION_ROLES else None
        if handler is None:
            raise HTTPException(404)
        number = self._number(ctx)
        assert ctx.user is not None  # `page` let only a signed-in person through
        if not may(ctx.user.role, ACTION_ROLES[name]):
            return self._refuse(ctx, ACTION_ROLES[name])
        back = self._back(ctx)
        try:
            done, target = handler(ctx, number)
            ctx.session.commit()
        except NotAllowed as exc:
            ctx.session.rollback()
            return self._refuse(ctx, exc.needed)
        except (ActionError, Invalid) as exc:
            ctx.session.rollback()
            status = 409 if isinstance(exc, ActionError) and exc.code == 1 else 400
            if back:
                return self.render(ctx, "error.html", status, title="Nie udało się",
                                   message=sentence(str(exc)), back=back)  # fmt: skip
            typed = {k: v for k, v in (ctx.form or {}).items() if k != "csrf"}
            return self.ticket_response(ctx, number, status, error=sentence(str(exc)),
                                        action=name, typed=typed)  # fmt: skip
        log.info("console: %s %s by %s", name, number, ctx.user.id)
        return self.redirect(target or back or f"/t/{number}", done)

    def _refuse(self, ctx: Ctx, needed: str) -> Response:
        return self.forbidden(
            ctx,
            f"To mogą zrobić tylko: {ROLE_NAMES[needed]} i wyżej "
            f"(Twoja rola: {ctx.user.role_name if ctx.user else '—'}).",
        )

    @staticmethod
    def _back(ctx: Ctx) -> str:
        """The queue page a row's button came from (never another site)."""
        back = ctx.field("back", "Powrót", 500)
        return back if back.startswith("/") and not back.startswith("//") else ""

    def _who(self, staff_id: str) -> str:
        return self.staff_names.get(staff_id, staff_id)

    def _local(self, at: datetime | None) -> str:
        return at.astimezone(self.tz).strftime("%d.%m.%Y %H:%M") if at else "—"

    # -------------------------------------------------------------- the actions

    def _do_ack(self, ctx: Ctx, number: str) -> _Done:
        assert ctx.user is not None
        done = tickets.ack(ctx.session, self.c.desk, number, by=ctx.user.id, when=ctx.now)
        if done.already:
            first = f"{self._who(done.by)}, {self._local(done.at)}"
            return f"{done.number}: reakcja była już wcześniej ({first}).", None
        return f"{done.number}: reakcja odnotowana, zegar reakcji zatrzymany.", None

    def _do_assign(self, ctx: Ctx, number: str) -> _Done:
        assert ctx.user is not None
        who = ctx.field("staff", "Komu", 64, required=True)
        who = ctx.user.id if who == "me" else who
        t = tickets.assign(ctx.session, self.c.desk, number, who, by=ctx.user.id, when=ctx.now)
        return f"{t.number}: prowadzi {self._who(t.assignee or who)}.", None

    def _do_close(self, ctx: Ctx, number: str) -> _Done:
        assert ctx.user is not None
        note = ctx.field("note", "Podsumowanie dla klienta", 4000)
        notify = ctx.flag("notify")
        done = tickets.close(ctx.session, self.c.desk, number, by=ctx.user.id, when=ctx.now,
                             note=note, notify=notify)  # fmt: skip
        told = {
            None: "bez powiadomienia klienta" if notify else "klienta nie powiadomiono",
            "pending": "powiadomienie klienta czeka na wysłanie",
        }.get(done.notice, f"powiadomienie klienta: {done.notice}")
        return f"{done.number}: zamknięte; {told}.", None

    def _do_reopen(self, ctx: Ctx, number: str) -> _Done:
        assert ctx.user is not None
        reason = ctx.field("reason", "Powód", 1000)
        t = tickets.reopen(ctx.session, self.c.desk, number, by=ctx.user.id, when=ctx.now,
                           reason=reason)  # fmt: skip
        return f"{t.number}: otwarte ponownie, wraca do kolejki.", None

    def _do_note(self, ctx: Ctx, number: str) -> _Done:
        assert ctx.user is not None
        text = ctx.field("text", "Notatka", TEXT_LIMIT, required=True)
        t = tickets.add_note(ctx.session, self.c.desk, number, text, by=ctx.user.id,
                             when=ctx.now)  # fmt: skip
        return f"{t.number}: notatka dodana (widzi ją tylko zespół).", None

    def _do_reply(self, ctx: Ctx, number: str) -> _Done:
        assert ctx.user is not None
        text = ctx.field("text", "Odpowiedź", TEXT_LIMIT, required=True)
        done = mail.reply(ctx.session, self.c.desk, number, text, by=ctx.user.id, when=ctx.now)
        state = "czeka na wysłanie" if done.state == "pending" else f"stan: {done.state}"
        first = "; to pierwsza reakcja, zegar zatrzymany" if done.first_reaction else ""
        return f"{done.number}: odpowiedź do {done.to} {state}{first}.", None

    def _do_time(self, ctx: Ctx, number: str) -> _Done:
        assert ctx.user is not None
        minutes = ledger.minutes_of(ctx.field("spent", "Czas pracy", 20, required=True))
        at = ctx.moment("at", "Początek pracy", self.tz)
        if at is not None and at > ctx.now:
            raise Invalid("Początek pracy nie może być w przyszłości.")
        if minutes > ledger.SANE_MINUTES and not ctx.flag("confirmed"):
            raise Invalid(f"{minutes // 60} h {minutes % 60} min to więcej niż dzień pracy: "
                          "zaznacz „potwierdzam”, jeśli to nie pomyłka.")  # fmt: skip
        logged = ledger.log_time(ctx.session, self.c.desk, number, minutes, by=ctx.user.id,
                                 when=ctx.now, at=at, note=ctx.field("note", "Opis", 1000),
                                 confirmed=True)  # fmt: skip
        line = f"{number}: zapisano {minutes} min"
        if logged.plan is not None and logged.plan.charged_hours:
            line += f"; z pakietu {str(logged.plan.charged_hours).replace('.', ',')} h"
        return line + ".", None

    def _do_link(self, ctx: Ctx, number: str) -> _Done:
        assert ctx.user is not None
        client = ctx.choice("client", "Klient", [c.id for c in self.c.rules.book.clients])
        register = ctx.flag("register")
        if register and not may(ctx.user.role, ACTION_ROLES["register"]):
            raise NotAllowed(ACTION_ROLES["register"])
        done = clients.link_client(ctx.session, self.c.desk, number, client, by=ctx.user.id,
                                   when=ctx.now, register=register)  # fmt: skip
        if done.registered:
            self.c.refresh_rules()
        name = self.c.rules.book.client(done.client_id)
        parts = [f"{done.number}: klient {name.name if name else done.client_id}, oceniony "
                 f"ponownie"]  # fmt: skip
        if done.reply:
            parts.append("odpowiedź do klienta w kolejce")
        if done.alerts:
            parts.append(f"powiadomieni dyżurni: {done.alerts}")
        if done.registered:
            parts.append("adres nadawcy zarejestrowany (demon uwzględni go po restarcie)")
        return "; ".join(parts) + ".", None

    def _do_override(self, ctx: Ctx, number: str) -> _Done:
        assert ctx.user is not None
        emergency = ctx.choice("emergency", "Awaria", ("1", "0"), required=False)
        scope = ctx.choice("scope", "Rodzaj sprawy", (*SCOPES, "other"), required=False)
        product = ctx.choice("product", "Produkt", (*PRODUCTS, "other"), required=False)
        priority = ctx.choice("priority", "Priorytet", ("1", "2", "3", "4"), required=False)
        reason = ctx.field("reason", "Powód", 1000, required=True)
        done = corrections.override(
            ctx.session, self.c.desk, number, by=ctx.user.id, when=ctx.now, reason=reason,
            emergency=None if not emergency else emergency == "1", scope=scope or None,
            product=product or None, priority=int(priority) if priority else None,
        )  # fmt: skip
        names = {"emergency": "awaria", "scope": "rodzaj sprawy", "product": "produkt",
                 "priority": "priorytet"}  # fmt: skip
        line = f"{done.number}: poprawione ({', '.join(names[c] for c in done.changed)})"
        return line + ("; zapisane jako poprawka klasyfikacji." if done.correction else "."), None

    def _do_not_ticket(self, ctx: Ctx, number: str) -> _Done:
        assert ctx.user is not None
        kind = ctx.choice("kind", "Rodzaj", tickets.NOT_TICKET_KINDS)
        reason = ctx.field("reason", "Powód", 1000)
        if find_ticket(ctx.session, number).emergency and not may(
            ctx.user.role, ACTION_ROLES["not_ticket_emergency"]
        ):
            raise NotAllowed(ACTION_ROLES["not_ticket_emergency"])
        t = tickets.mark_not_ticket(ctx.session, self.c.desk, number, kind, by=ctx.user.id,
                                    when=ctx.now, reason=reason)  # fmt: skip
        return f"{t.number}: to nie zgłoszenie ({tickets.NOT_TICKET_KINDS[kind]}).", None

    def _do_merge(self, ctx: Ctx, number: str) -> _Done:
        assert ctx.user is not None
        into = ctx.field("into", "Zgłoszenie docelowe", 40, required=True)
        reason = ctx.field("reason", "Powód", 1000)
        kept = tickets.merge(ctx.session, self.c.desk, number, into, by=ctx.user.id,
                             when=ctx.now, reason=reason)  # fmt: skip
        return f"{number} połączone z {kept.number}; wiadomości są teraz tutaj.", (
            f"/t/{kept.number}"
        )

    # -------------------------------------------------------------- time preview

    def time_preview(self, ctx: Ctx) -> Response:
        """GET /t/NUMBER/time/preview?spent=40m (htmx, as the time is typed): what saving
        will deduct, rounded and multiplied as it will be (R-PAK-2, R-PAK-5). Always 200,
        so htmx shows a mistake in words too."""
        number = self._number(ctx)
        spent = ctx.arg("spent", 20)
        if not spent:
            return self.render(ctx, "_time_preview.html", p=None, problem="")
        try:
            minutes = ledger.minutes_of(spent)
            raw_at = ctx.arg("at", 40)
            at = datetime.fromisoformat(raw_at).replace(tzinfo=self.tz) if raw_at else ctx.now
            preview = ledger.preview_time(ctx.session, self.c.desk, number, minutes, at=at)
        except ActionError as exc:
            return self.render(ctx, "_time_preview.html", p=None, problem=sentence(str(exc)))
        except ValueError:
            return self.render(ctx, "_time_preview.html", p=None,
                               problem="Początek pracy: podaj datę i godzinę.")  # fmt: skip
        return self.render(ctx, "_time_preview.html", p=preview, problem="")

    # -------------------------------------------------------------- a phone call, a visit

    def new_ticket(self, ctx: Ctx) -> Response:
        """GET /new: the form; POST: a ticket for a call or a visit, with time logged
        (R-CHN-1..3, R-PAK-2)."""
        if ctx.form is None:
            return self.render(ctx, "new.html", choices=self.choices(), typed={
                "client": ctx.arg("client", 64), "channel": "phone", "close": "1"})  # fmt: skip
        assert ctx.user is not None
        typed = {k: v for k, v in ctx.form.items() if k != "csrf"}
        try:
            client = ctx.choice("client", "Klient", [c.id for c in self.c.rules.book.clients])
            channel = ctx.choice("channel", "Kanał", phone.CHANNELS)
            spent = ctx.field("spent", "Czas pracy", 20)
            started = ctx.moment("at", "Początek", self.tz)
            if started is not None and started > ctx.now:
                raise Invalid("Początek rozmowy nie może być w przyszłości.")
            done = phone.open_ticket(
                ctx.session, self.c.desk, client,
                ctx.field("subject", "Temat", 300, required=True), by=ctx.user.id,
                when=ctx.now, channel=channel, caller=ctx.field("caller", "Kto", 200),
                text=ctx.field("text", "O co chodziło", TEXT_LIMIT),
                minutes=ledger.minutes_of(spent) if spent else None, started=started,
                scope=ctx.choice("scope", "Rodzaj sprawy", (*SCOPES, "other")),
                product=ctx.choice("product", "Produkt", (*PRODUCTS, "other")),
                close=ctx.flag("close"),
            )  # fmt: skip
            ctx.session.commit()
        except (ActionError, Invalid) as exc:
            ctx.session.rollback()
            return self.render(ctx, "new.html", 400, choices=self.choices(), typed=typed,
                               error=sentence(str(exc)))  # fmt: skip
        line = f"{done.number}: założone ({'zamknięte' if done.state == 'closed' else 'otwarte'})"
        if done.logged is not None and done.logged.plan is not None:
            line += f"; z pakietu {str(done.logged.plan.charged_hours).replace('.', ',')} h"
        log.info("console: new %s by %s", done.number, ctx.user.id)
        return self.redirect(f"/t/{done.number}", line + ".")
