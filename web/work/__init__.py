"""The officer's and manager's workspace pages beside the queue: the visit log (走访), the
supervision orders (督办), the extension decisions (延期) and the assist requests (协办).

Views parse a form, call one service or selector, and render; domain errors become field
errors (Invalid), 403 (Forbidden), 404 (NotFound) or a message with 409 (Conflict)."""
