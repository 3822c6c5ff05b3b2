"""Canned replies (回复模板): an officer's own and their department's answers to the questions
that come back every week, with placeholders filled from the ticket they answer.

Above tickets (a reply is filled from a ticket); tickets know nothing of this package."""
