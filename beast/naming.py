"""Names Beast derives: VM names, resource groups, deployments, admin usernames. Pure."""

from __future__ import annotations

import re
import uuid

# Linux names the VM API refuses, and names JupyterHub or the image already use.
RESERVED_USERNAMES = frozenset(
    {
        "administrator", "admin", "admin1", "admin2", "user", "user1", "user2", "user3",
        "user4", "user5",
        "test", "test1", "test2", "test3", "guest", "owner", "root", "server", "sql",
        "support", "support_388945a0", "sys", "backup", "console", "david", "john", "a",
        "actuser", "adm", "aspnet", "asp.net", "sa", "daemon", "bin", "nobody", "jupyter",
    }
)  # fmt: skip


def slug(text: str, *, limit: int) -> str:
    """Lower-case letters, digits and single hyphens, starting with a letter."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    cleaned = re.sub(r"^[^a-z]+", "", cleaned)
    return cleaned[:limit].rstrip("-")


def vm_name(owner_name: str, number: int) -> str:
    """The generated name of a person's ``number``th VM: ``beast-alice-1``."""
    return f"beast-{slug(owner_name, limit=20) or 'user'}-{number}"


def resource_group(prefix: str, name: str) -> str:
    """One resource group per VM, so ``down`` removes everything the VM brought."""
    return f"{prefix}{name}"


def deployment_name(operation_id: str) -> str:
    """Derived from the operation id, so a retried job resumes the same deployment."""
    return f"beast-{operation_id}"[:64]


def admin_username(owner_name: str) -> str:
    """A Linux username JupyterHub accepts: lower-case, not reserved."""
    name = re.sub(r"[^a-z0-9_]", "", slug(owner_name, limit=32).replace("-", "_"))
    if not name or name in RESERVED_USERNAMES or not name[0].isalpha():
        return "beastuser"
    return name


def new_operation_id() -> str:
    """A fresh operation id (32 hex digits: legal as a table key and in ARM names)."""
    return uuid.uuid4().hex


def operation_id_for(key: str) -> str:
    """A stable operation id for a client's idempotency key or a Slack delivery."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"beast:{key}").hex
