"""The knowledge base (办事指南 / FAQ) with its deflection count.

Above tickets: an article may come from a resolved ticket. Tickets know nothing of this
package. Canned replies (replies/) and the support policies (policies/) are its siblings."""
