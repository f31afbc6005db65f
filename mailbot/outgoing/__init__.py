"""Ticket -> mail and SMS out: render, compose, queue, deliver, escalate, digest."""
