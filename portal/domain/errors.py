"""Errors a use case raises when a rule says no. `code` is stable; the web layer words it."""


class DomainError(Exception):
    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


class NotFound(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what}_not_found")
