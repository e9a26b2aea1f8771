"""Microsoft.Compute: virtual machines (get, instance view, lists, power operations, delete),
vCPU usages, resource SKUs, and the CRP-style asynchronous operation status URLs."""

from __future__ import annotations

import re
from typing import Any

from local.armsim import catalog, providers
from local.armsim.errors import ArmError, resource_group_not_found, resource_not_found
from local.armsim.state import AsyncOp, Resource, Store, iso
from local.armsim.web import Request, Response, Router

_VM_TYPE = "microsoft.compute/virtualmachines"
# action -> (power state while it runs, power state after)
_POWER = {
    "start": ("starting", "running"),
    "deallocate": ("deallocating", "deallocated"),
    "poweroff": ("stopping", "stopped"),
    "restart": ("starting", "running"),
}
_POWER_DISPLAY = {
    "starting": "VM starting",
    "running": "VM running",
    "stopping": "VM stopping",
    "stopped": "VM stopped",
    "deallocating": "VM deallocating",
    "deallocated": "VM deallocated",
}
_PROVISIONING_DISPLAY = {
    "creating": "Creating",
    "updating": "Updating",
    "deleting": "Deleting",
    "succeeded": "Provisioning succeeded",
}


class Compute:
    """The Compute handlers."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def register(self, router: Router) -> None:
        """Add the routes (before the generic resource routes)."""
        sub = "/subscriptions/{sub}/providers/Microsoft.Compute"
        router.add("GET", sub + "/virtualMachines", self.list_all)
        router.add("GET", sub + "/locations/{location}/usages", self.usages)
        router.add("GET", sub + "/skus", self.skus)
        router.add(
            "GET",
            "/subscriptions/{sub}/providers/{ns}/locations/{location}/operations/{op}",
            self.operation,
        )
        vms = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines"
        router.add("GET", vms, self.list_vms)
        router.add("GET", vms + "/{vm}", self.get)
        router.add("DELETE", vms + "/{vm}", self.delete)
        router.add("GET", vms + "/{vm}/instanceView", self.instance_view)
        router.add("POST", vms + "/{vm}/{action}", self.power)

    def get(self, req: Request, sub: str, rg: str, vm: str) -> Response:
        """VirtualMachines_Get, with $expand=instanceView."""
        res = self._vm(rg, vm)
        body = providers.public_body(res)
        if (req.q("$expand") or "").lower() == "instanceview":
            body["properties"]["instanceView"] = instance_view(res)
        return Response(200, body)

    def instance_view(self, req: Request, sub: str, rg: str, vm: str) -> Response:
        """VirtualMachines_InstanceView."""
        return Response(200, instance_view(self._vm(rg, vm)))

    def list_vms(self, req: Request, sub: str, rg: str) -> Response:
        """VirtualMachines_List (one resource group)."""
        group = self.store.group(rg)
        if group is None:
            raise resource_group_not_found(rg)
        vms = [r for r in self._all_vms() if r.resource_group == group.name.lower()]
        return Response(200, {"value": [self._list_body(req, r) for r in vms]})

    def list_all(self, req: Request, sub: str) -> Response:
        """VirtualMachines_ListAll (statusOnly=true adds the instance view)."""
        return Response(200, {"value": [self._list_body(req, r) for r in self._all_vms()]})

    def _list_body(self, req: Request, res: Resource) -> dict[str, Any]:
        body = providers.public_body(res)
        if (req.q("statusOnly") or "").lower() == "true" or (
            req.q("$expand") or ""
        ).lower() == "instanceview":
            body["properties"]["instanceView"] = instance_view(res)
        return body

    def _all_vms(self) -> list[Resource]:
        vms = [r for r in self.store.resources.values() if r.type.lower() == _VM_TYPE]
        return sorted(vms, key=lambda r: r.created_at)

    def power(self, req: Request, sub: str, rg: str, vm: str, action: str) -> Response:
        """start / deallocate / powerOff / restart: 202 with Azure-AsyncOperation and Location."""
        kind = action.lower()
        if kind not in _POWER:
            raise ArmError(
                400,
                "InvalidResourceType",
                f"The resource type 'virtualMachines/{action}' could not be found in the "
                "namespace 'Microsoft.Compute'.",
            )
        store = self.store
        res = self._vm(rg, vm)
        rt = res.vm
        assert rt is not None
        if res.provisioning_state == "Deleting":
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Operation '{action}' is not allowed on VM '{res.body['name']}' since the VM "
                "is marked for deletion. You can only retry the Delete operation (or wait for "
                "an ongoing one to complete).",
            )
        if kind == "restart" and rt.power in ("deallocated", "deallocating"):
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Operation 'restart' is not allowed on VM '{res.body['name']}' since the VM "
                "is deallocated or marked to be deallocated.",
            )
        now = store.now()
        op = self._begin(res, kind, now)
        during, after = _POWER[kind]
        rt.power = during
        res.set_state("Updating", now)
        gen = rt.generation

        def done(at: float) -> None:
            if rt.generation == gen and store.resource(res.id) is res:
                rt.power = after
                res.set_state("Succeeded", at)
                op.status, op.end = "Succeeded", at

        store.schedule(now + store.delay("vm_power"), done)
        return self._accepted(req, res, op)

    def delete(self, req: Request, sub: str, rg: str, vm: str) -> Response:
        """VirtualMachines_Delete: 202, Deleting meanwhile, then gone; 204 if it never existed."""
        store = self.store
        group = store.group(rg)
        if group is None:
            raise resource_group_not_found(rg)
        res = self._find(rg, vm)
        if res is None:
            return Response(204)
        now = store.now()
        op = self._begin(res, "delete", now)
        assert res.vm is not None
        res.vm.power = "deallocating"
        res.set_state("Deleting", now)
        gen = res.vm.generation

        def done(at: float) -> None:
            if res.vm is not None and res.vm.generation == gen and store.resource(res.id) is res:
                providers.remove_resource(store, res)
                op.status, op.end = "Succeeded", at

        store.schedule(now + store.delay("vm_delete"), done)
        return self._accepted(req, res, op)

    def _begin(self, res: Resource, kind: str, now: float) -> AsyncOp:
        rt = res.vm
        assert rt is not None
        self.store.preempt_vm_operation(rt, now)
        rt.generation += 1
        rt.last_op_time = now
        op = self.store.new_op(kind, now)
        rt.op_id = op.id
        return op

    def _accepted(self, req: Request, res: Resource, op: AsyncOp) -> Response:
        location = str(res.body.get("location"))
        sub = f"/subscriptions/{self.store.subscription_id}"
        path = f"{sub}/providers/Microsoft.Compute/locations/{location}/operations/{op.id}"
        headers = {
            "Azure-AsyncOperation": req.url(path, **{"p": "c", "api-version": req.api_version}),
            "Location": req.url(
                path, **{"p": "c", "monitor": "true", "api-version": req.api_version}
            ),
            "Retry-After": str(self.store.retry_after),
        }
        return Response(202, None, headers)

    def operation(self, req: Request, sub: str, ns: str, location: str, op: str) -> Response:
        """Status of an asynchronous operation (monitor=true: the Location form, 202 until done)."""
        record = self.store.ops.get(op)
        if record is None:
            raise ArmError(404, "NotFound", f"The operation '{op}' could not be found.")
        if (req.q("monitor") or "").lower() == "true":
            if record.status == "InProgress":
                return Response(
                    202,
                    None,
                    {
                        "Location": req.url(req.path, **req.query),
                        "Retry-After": str(self.store.retry_after),
                    },
                )
            if record.status == "Failed":
                raise ArmError(
                    409,
                    (record.error or {}).get("code", "Failed"),
                    (record.error or {}).get("message", ""),
                )
            return Response(200)
        headers = (
            {"Retry-After": str(self.store.retry_after)} if record.status == "InProgress" else {}
        )
        return Response(200, record.status_body(), headers)

    def usages(self, req: Request, sub: str, location: str) -> Response:
        """Usage_List: Total Regional vCPUs ('cores') and one entry per size family."""
        store = self.store
        loc = location.lower()
        vms = store.vms_in(loc)
        by_family: dict[str, int] = {}
        total = 0
        for r in vms:
            size = catalog.find_size(str(r.body["properties"]["hardwareProfile"]["vmSize"]))
            if size is None:
                continue
            total += size.vcpus
            by_family[size.family.lower()] = by_family.get(size.family.lower(), 0) + size.vcpus

        def usage(value: str, label: str, current: int, limit: int) -> dict[str, Any]:
            return {
                "unit": "Count",
                "currentValue": current,
                "limit": limit,
                "name": {"value": value, "localizedValue": label},
            }

        items = [
            usage("availabilitySets", "Availability Sets", 0, 2500),
            usage("cores", "Total Regional vCPUs", total, store.regional_limit(loc)),
            usage("virtualMachines", "Virtual Machines", len(vms), 25000),
            usage("virtualMachineScaleSets", "Virtual Machine Scale Sets", 0, 2500),
            usage("lowPriorityCores", "Total Regional Low-priority vCPUs", 0, 100),
        ]
        for fam in catalog.FAMILIES.values():
            items.append(
                usage(
                    fam.name,
                    fam.label,
                    by_family.get(fam.name.lower(), 0),
                    store.family_limit(loc, fam.name),
                )
            )
        return Response(200, {"value": items})

    def skus(self, req: Request, sub: str) -> Response:
        """ResourceSkus_List; only `location eq 'x'` is a supported $filter."""
        flt = req.q("$filter")
        location = None
        if flt:
            m = re.fullmatch(r"\s*location\s+eq\s+'([^']*)'\s*", flt, re.IGNORECASE)
            if not m:
                raise ArmError(
                    400,
                    "InvalidFilter",
                    f"The filter '{flt}' is not supported. Only 'location eq' is supported.",
                )
            location = m.group(1)
        return Response(200, {"value": catalog.sku_documents(location)})

    def _find(self, rg: str, vm: str) -> Resource | None:
        sub = f"/subscriptions/{self.store.subscription_id}"
        rid = f"{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}"
        return self.store.resource(rid)

    def _vm(self, rg: str, vm: str) -> Resource:
        group = self.store.group(rg)
        if group is None:
            raise resource_group_not_found(rg)
        res = self._find(rg, vm)
        if res is None:
            raise resource_not_found(f"Microsoft.Compute/virtualMachines/{vm}", group.name)
        return res


def instance_view(res: Resource) -> dict[str, Any]:
    """The VirtualMachineInstanceView of a VM as it is now."""
    rt = res.vm
    assert rt is not None
    state = res.provisioning_state.lower()
    prov: dict[str, Any] = {
        "code": f"ProvisioningState/{state}",
        "level": "Info",
        "displayStatus": _PROVISIONING_DISPLAY.get(state, state.capitalize()),
    }
    if state in ("succeeded", "failed"):
        prov["time"] = iso(rt.last_op_time or res.changed_at)
    statuses = [
        prov,
        {
            "code": f"PowerState/{rt.power}",
            "level": "Info",
            "displayStatus": _POWER_DISPLAY[rt.power],
        },
    ]
    props = res.body.get("properties") or {}
    os_disk = (props.get("storageProfile") or {}).get("osDisk") or {}
    view: dict[str, Any] = {
        "computerName": (props.get("osProfile") or {}).get("computerName", res.body.get("name")),
        "disks": [{"name": os_disk.get("name"), "statuses": [dict(prov)]}],
        "hyperVGeneration": "V2",
        "statuses": statuses,
    }
    if rt.power == "running":
        view["osName"] = (
            "ubuntu" if os_disk.get("osType") == "Linux" else "Windows Server 2022 Datacenter"
        )
        view["osVersion"] = "22.04" if os_disk.get("osType") == "Linux" else "10.0.20348"
        view["vmAgent"] = {
            "vmAgentVersion": "2.13.1.1",
            "statuses": [
                {
                    "code": "ProvisioningState/succeeded",
                    "level": "Info",
                    "displayStatus": "Ready",
                    "message": "Guest Agent is running",
                    "time": iso(res.changed_at),
                }
            ],
        }
    return view
