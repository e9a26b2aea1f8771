"""ARM error responses: the exception the handlers raise and the body ARM returns."""

from __future__ import annotations

from typing import Any


class ArmError(Exception):
    """An ARM error response: HTTP status plus the `{"error": {...}}` body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details or []
        self.headers = headers or {}

    def to_error(self) -> dict[str, Any]:
        """The ARM error object (the value of the body's `error` key)."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return error

    def body(self) -> dict[str, Any]:
        """The full response body."""
        return {"error": self.to_error()}


def resource_group_not_found(name: str) -> ArmError:
    """404 for any call under a resource group that does not exist."""
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")


def resource_group_being_deleted(name: str) -> ArmError:
    """409 for a write into a resource group that is being deleted."""
    return ArmError(
        409,
        "ResourceGroupBeingDeleted",
        f"The resource group '{name}' is in deprovisioning state and cannot perform this "
        "operation.",
    )


def resource_not_found(type_and_name: str, group: str) -> ArmError:
    """404 for a missing resource, worded like ARM."""
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{type_and_name}' under resource group '{group}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def deployment_not_found(name: str) -> ArmError:
    """404 for a missing deployment."""
    return ArmError(404, "DeploymentNotFound", f"Deployment '{name}' could not be found.")
