"""The knowledge base (办事指南 / FAQ) with its deflection count, canned replies (回复模板) and
the park's support policies (惠企政策) matched to the enterprises that qualify (政策找企业).

Above tickets: an article may come from a resolved ticket, a canned reply is filled from a
ticket, applying for a policy files a ticket. Tickets know nothing of this package."""
