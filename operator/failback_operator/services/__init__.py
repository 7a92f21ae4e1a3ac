"""Services between the Kopf handlers and the adapters: they gather facts, decide, call and write."""
