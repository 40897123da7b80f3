"""Component ids, one module per page (and one for the shared header). Every id starts with its
page's prefix: the server decides who may run a callback from that prefix
(dashboard.domain.permissions.CALLBACK_PREFIXES)."""
