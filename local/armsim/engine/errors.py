"""The one error type of the template engine, shaped like ARM's error object."""

from __future__ import annotations

from typing import Any

# ARM appends these help links to its template errors; keeping them makes messages familiar.
EXPRESSIONS_HELP = "Please see https://aka.ms/arm-template-expressions for usage details."
PARAMETERS_HELP = "Please see https://aka.ms/arm-template/#parameters for usage details."
PARAMETER_FILE_HELP = "Please see https://aka.ms/arm-deploy/#parameter-file for usage details."
CREATE_PARAMETER_FILE_HELP = (
    "Please see https://aka.ms/arm-create-parameter-file for usage details."
)
RESOURCES_HELP = "Please see https://aka.ms/arm-syntax-resources for usage details."


class TemplateError(Exception):
    """An ARM template/parameter error with ARM's real error code."""

    def __init__(
        self, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: list[dict[str, Any]] = list(details or [])

    def to_error(self) -> dict[str, Any]:
        """The ARM error object: {"code", "message", "details": [...]}."""
        return {"code": self.code, "message": self.message, "details": list(self.details)}

    def __repr__(self) -> str:
        return f"TemplateError({self.code!r}, {self.message!r})"


class ExpressionError(TemplateError):
    """A language-expression failure; callers wrap it with where it happened."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidTemplate", message)


def validation_failed(inner: str) -> TemplateError:
    """ARM's envelope for anything found wrong before a deployment starts."""
    return TemplateError("InvalidTemplate", f"Deployment template validation failed: '{inner}'.")
