"""The staff console: a server-rendered web view of the queue, tickets, clients and
search, with the managers' pages (Starlette + Jinja2 + a little htmx; no build step)."""
