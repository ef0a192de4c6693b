"""Attack payloads shared by the hardening tests (issue 9): one module per kind of attack."""
