"""Resource groups, the resources inside them, and generic access to any resource by id."""

from __future__ import annotations

import re
from typing import Any

from local.armsim import catalog, providers
from local.armsim.errors import (
    ArmError,
    resource_group_being_deleted,
    resource_group_not_found,
    resource_not_found,
)
from local.armsim.ids import parse_resource_id
from local.armsim.state import Group, Store, iso
from local.armsim.web import Request, Response, Router

_RG_NAME = re.compile(r"^[-\w._()]{1,90}$")
_TAG_FILTER = re.compile(
    r"\s*tagName\s+eq\s+'(?P<name>[^']*)'(\s+and\s+tagValue\s+eq\s+'(?P<value>[^']*)')?\s*",
    re.IGNORECASE,
)


class Groups:
    """Handlers for Microsoft.Resources/resourceGroups and generic resources."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def register(self, router: Router) -> None:
        """Add the routes."""
        router.add("GET", "/subscriptions", self.list_subscriptions)
        router.add("GET", "/subscriptions/{sub}", self.get_subscription)
        router.add("GET", "/subscriptions/{sub}/resourcegroups", self.list_groups)
        rg = "/subscriptions/{sub}/resourcegroups/{rg}"
        router.add("PUT", rg, self.put)
        router.add("PATCH", rg, self.patch)
        router.add("GET", rg, self.get)
        router.add("HEAD", rg, self.head)
        router.add("DELETE", rg, self.delete)
        router.add("GET", rg + "/resources", self.list_resources)
        router.add("GET", "/subscriptions/{sub}/operationresults/{token}", self.delete_result)

    def register_generic(self, router: Router) -> None:
        """Add the catch-all resource routes (register last: specific routes win)."""
        path = "/subscriptions/{sub}/resourcegroups/{rg}/providers/{ns}/{rest:path}"
        router.add("GET", "/subscriptions/{sub}/providers/{ns}/{rtype}", self.list_in_subscription)
        router.add("GET", path, self.get_resource)
        router.add("PUT", path, self.put_resource)
        router.add("DELETE", path, self.delete_resource)

    # --- subscription ----------------------------------------------------------------------

    def list_subscriptions(self, req: Request) -> Response:
        """Subscriptions_List: the one simulated subscription."""
        return Response(200, {"value": [self._subscription()]})

    def get_subscription(self, req: Request, sub: str) -> Response:
        """Subscriptions_Get."""
        return Response(200, self._subscription())

    def _subscription(self) -> dict[str, Any]:
        s = self.store.subscription_id
        return {
            "id": f"/subscriptions/{s}",
            "subscriptionId": s,
            "tenantId": self.store.tenant_id,
            "displayName": "Beast simulated subscription",
            "state": "Enabled",
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "PayAsYouGo_2014-09-01",
                "spendingLimit": "Off",
            },
            "authorizationSource": "RoleBased",
        }

    # --- resource groups -------------------------------------------------------------------

    def put(self, req: Request, sub: str, rg: str) -> Response:
        """ResourceGroups_CreateOrUpdate: 201 on create, 200 on update."""
        if not _RG_NAME.fullmatch(rg) or rg.endswith("."):
            raise ArmError(
                400,
                "InvalidResourceGroupNameLength" if len(rg) > 90 else "InvalidResourceGroup",
                f"The provided resource group name '{rg}' has these invalid characters: "
                f"'{rg}'. The name "
                "can only be a letter, digit, '-', '.', '(', ')' or '_'. See https://aka.ms/resource-group-naming",
            )
        body = req.json_object()
        location = str(body.get("location") or "")
        if not location:
            raise ArmError(
                400, "LocationRequired", "The location property is required for this definition."
            )
        existing = self.store.group(rg)
        if existing and existing.deleting:
            raise resource_group_being_deleted(existing.name)
        if location.lower() not in catalog.RESOURCE_GROUP_LOCATIONS:
            raise ArmError(
                400,
                "LocationNotAvailableForResourceGroup",
                f"The provided location '{location}' is not available for resource group. List of "
                f"available regions is '{','.join(catalog.RESOURCE_GROUP_LOCATIONS)}'.",
            )
        if existing:
            if existing.location.lower() != location.lower():
                raise ArmError(
                    409,
                    "InvalidResourceGroupLocation",
                    f"Invalid resource group location '{location}'. The Resource group already "
                    "exists in "
                    f"location '{existing.location}'.",
                )
            existing.tags = dict(body.get("tags") or {})
            if "managedBy" in body:
                existing.managed_by = body.get("managedBy")
            return Response(200, existing.body(self.store.subscription_id))
        group = Group(
            name=rg,
            location=location.lower(),
            tags=dict(body.get("tags") or {}),
            managed_by=body.get("managedBy"),
        )
        self.store.groups[rg.lower()] = group
        return Response(201, group.body(self.store.subscription_id))

    def patch(self, req: Request, sub: str, rg: str) -> Response:
        """ResourceGroups_Update (tags, managedBy)."""
        group = self._group(rg)
        body = req.json_object()
        if "tags" in body:
            group.tags = dict(body.get("tags") or {})
        if "managedBy" in body:
            group.managed_by = body.get("managedBy")
        return Response(200, group.body(self.store.subscription_id))

    def get(self, req: Request, sub: str, rg: str) -> Response:
        """ResourceGroups_Get."""
        return Response(200, self._group(rg).body(self.store.subscription_id))

    def head(self, req: Request, sub: str, rg: str) -> Response:
        """ResourceGroups_CheckExistence: 204 or 404."""
        return Response(204 if self.store.group(rg) else 404)

    def list_groups(self, req: Request, sub: str) -> Response:
        """ResourceGroups_List with the tagName/tagValue $filter and $top."""
        groups = sorted(self.store.groups.values(), key=lambda g: g.name.lower())
        flt = req.q("$filter")
        if flt:
            m = _TAG_FILTER.fullmatch(flt)
            if not m:
                raise ArmError(
                    400,
                    "InvalidFilterInQueryString",
                    f"Invalid $filter '{flt}' specified in the query string.",
                )
            name, value = m.group("name").lower(), m.group("value")
            groups = [
                g
                for g in groups
                if any(
                    k.lower() == name and (value is None or v == value) for k, v in g.tags.items()
                )
            ]
        top = req.top()
        if top:
            groups = groups[:top]
        return Response(200, {"value": [g.body(self.store.subscription_id) for g in groups]})

    def delete(self, req: Request, sub: str, rg: str) -> Response:
        """ResourceGroups_Delete: 202 + Location; everything inside goes after the delay."""
        store = self.store
        group = self._group(rg)
        if group.delete_op is None:
            group.deleting = True
            now = store.now()
            op = store.new_op("rg_delete", now)
            group.delete_op = op.id
            store.schedule(
                now + store.delay("rg_delete"), lambda at: self._finish_delete(group, op.id, at)
            )
        token = group.delete_op
        location = req.url(
            f"/subscriptions/{store.subscription_id}/operationresults/{token}",
            **{"api-version": req.api_version},
        )
        return Response(202, None, {"Location": location, "Retry-After": str(store.retry_after)})

    def _finish_delete(self, group: Group, op_id: str, at: float) -> None:
        store = self.store
        key = group.name.lower()
        if store.groups.get(key) is not group:
            return
        for res_key in [k for k, r in store.resources.items() if r.resource_group == key]:
            res = store.resources.pop(res_key)
            store.metrics.pop(res.id.lower(), None)
            if res.vm is not None:
                # Else a power operation's status URL would say InProgress for ever.
                store.preempt_vm_operation(res.vm, at)
        for dep_key in [k for k in store.deployments if k[0] == key]:
            dep = store.deployments.pop(dep_key)
            dep.generation += 1  # a running deployment stops creating things
        del store.groups[key]
        op = store.ops.get(op_id)
        if op:
            op.status, op.end = "Succeeded", at

    def delete_result(self, req: Request, sub: str, token: str) -> Response:
        """The Location URL of a resource group delete: 202 while deleting, then 200."""
        op = self.store.ops.get(token)
        if op is None:
            raise ArmError(404, "NotFound", f"The operation '{token}' could not be found.")
        if op.status == "InProgress":
            return Response(
                202,
                None,
                {
                    "Location": req.url(req.path, **{"api-version": req.api_version}),
                    "Retry-After": str(self.store.retry_after),
                },
            )
        return Response(200)

    def list_resources(self, req: Request, sub: str, rg: str) -> Response:
        """Resources_ListByResourceGroup ($filter resourceType/name/location eq, $expand, $top)."""
        group = self._group(rg)
        items = [r for r in self.store.resources.values() if r.resource_group == group.name.lower()]
        items.sort(key=lambda r: r.created_at)
        flt = req.q("$filter")
        if flt:
            for clause in re.split(r"\s+and\s+", flt.strip(), flags=re.IGNORECASE):
                m = re.fullmatch(
                    r"(resourceType|name|location)\s+eq\s+'([^']*)'", clause.strip(), re.IGNORECASE
                )
                if not m:
                    raise ArmError(
                        400,
                        "InvalidFilterInQueryString",
                        f"Invalid $filter '{flt}' specified in the query string.",
                    )
                field, value = m.group(1).lower(), m.group(2).lower()
                key = {"resourcetype": "type", "name": "name", "location": "location"}[field]
                items = [r for r in items if str(r.body.get(key, "")).lower() == value]
        expand = (req.q("$expand") or "").lower()
        out = []
        for r in items:
            doc: dict[str, Any] = {
                "id": r.id,
                "name": "/".join(parse_resource_id(r.id).names),
                "type": r.type,
            }
            for k in ("location", "tags", "sku", "kind", "identity", "zones", "managedBy", "plan"):
                if k in r.body:
                    doc[k] = r.body[k]
            if "createdtime" in expand:
                doc["createdTime"] = iso(r.created_at)
            if "changedtime" in expand:
                doc["changedTime"] = iso(r.changed_at)
            if "provisioningstate" in expand:
                doc["provisioningState"] = r.provisioning_state
            out.append(doc)
        top = req.top()
        if top:
            out = out[:top]
        return Response(200, {"value": out})

    # --- generic resources -----------------------------------------------------------------

    def list_in_subscription(self, req: Request, sub: str, ns: str, rtype: str) -> Response:
        """List all resources of a type in the subscription (e.g. publicIPAddresses ListAll)."""
        wanted = f"{ns}/{rtype}".lower()
        items = [r for r in self.store.resources.values() if r.type.lower() == wanted]
        items.sort(key=lambda r: r.created_at)
        return Response(200, {"value": [providers.public_body(r) for r in items]})

    def get_resource(self, req: Request, sub: str, rg: str, ns: str, rest: str) -> Response:
        """GET of any stored resource by id, or of a collection (…/{type}, …/{name}/{child})."""
        group = self._group(rg)
        segments = rest.strip("/").split("/")
        if len(segments) % 2 == 1:
            prefix = req.path.rstrip("/").rsplit("/", 1)[0].lower() + "/"
            wanted = f"{ns}/{'/'.join(segments[0::2])}".lower()
            items = [
                r
                for r in self.store.resources.values()
                if r.type.lower() == wanted and r.id.lower().startswith(prefix)
            ]
            items.sort(key=lambda r: r.created_at)
            return Response(200, {"value": [providers.public_body(r) for r in items]})
        rid = parse_resource_id(req.path)
        res = self.store.resource(str(rid))
        if res is None:
            raise resource_not_found(rid.type_and_name, group.name)
        return Response(200, providers.public_body(res))

    def put_resource(self, req: Request, sub: str, rg: str, ns: str, rest: str) -> Response:
        """PUT of any resource type: stored as sent, Succeeded after its provider delay."""
        group = self._group(rg)
        if group.deleting:
            raise resource_group_being_deleted(group.name)
        rid = parse_resource_id(req.path)
        store = self.store
        now = store.now()
        res, delay, created = providers.put_resource(store, rid, req.json_object(), now)
        op = store.new_op("put", now)
        gen = res.vm.generation if res.vm else None

        def done(at: float) -> None:
            if store.resource(res.id) is res and (res.vm is None or res.vm.generation == gen):
                providers.complete_resource(store, res, at)
            op.status, op.end = "Succeeded", at

        store.schedule(now + delay, done)
        location = str(res.body.get("location") or group.location)
        status_url = req.url(
            f"/subscriptions/{store.subscription_id}/providers/{rid.namespace}/locations/{location}/operations/{op.id}",
            **{"api-version": req.api_version},
        )
        headers = {"Azure-AsyncOperation": status_url, "Retry-After": str(store.retry_after)}
        return Response(201 if created else 200, providers.public_body(res), headers)

    def delete_resource(self, req: Request, sub: str, rg: str, ns: str, rest: str) -> Response:
        """DELETE of any resource: 200 once gone, 204 if it did not exist."""
        self._group(rg)
        rid = parse_resource_id(req.path)
        res = self.store.resource(str(rid))
        if res is None:
            return Response(204)
        providers.remove_resource(self.store, res)
        return Response(200)

    def _group(self, rg: str) -> Group:
        group = self.store.group(rg)
        if group is None:
            raise resource_group_not_found(rg)
        return group
