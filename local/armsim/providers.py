"""Writing resources the way their providers would: validation, computed properties, timing.

One entry point for both paths that create resources — a deployment step and a direct PUT —
so a template and an SDK call see the same checks and the same results.
"""

from __future__ import annotations

import copy
import ipaddress
import uuid
from typing import Any

from local.armsim import compute_rules
from local.armsim.errors import ArmError
from local.armsim.ids import ResourceId, parse_resource_id
from local.armsim.state import Resource, Store, VmRuntime, iso, new_guid

# Keys of a template resource that are deployment instructions, not part of the resource.
_TEMPLATE_ONLY = ("apiVersion", "dependsOn", "condition", "copy", "comments", "metadata", "scope")
_VM = "microsoft.compute/virtualmachines"
_PIP = "microsoft.network/publicipaddresses"
_NIC = "microsoft.network/networkinterfaces"
_VNET = "microsoft.network/virtualnetworks"
_SUBNET = "microsoft.network/virtualnetworks/subnets"
_VPN_GW = "microsoft.network/virtualnetworkgateways"


def put_resource(
    store: Store, rid: ResourceId, body: dict[str, Any], at: float
) -> tuple[Resource, float, bool]:
    """Validate and store a resource as its provider would on PUT.

    Returns the stored resource (provisioningState Creating/Updating), the seconds until it
    reaches Succeeded, and whether it was created (rather than updated).
    """
    rtype = rid.type.lower()
    existing = store.resource(str(rid))
    group = store.group(rid.resource_group)
    if group is None:
        raise ArmError(
            404,
            "ResourceGroupNotFound",
            f"Resource group '{rid.resource_group}' could not be found.",
        )
    # Ids carry the resource group's own casing, whatever casing the request used.
    rid = ResourceId(rid.subscription_id, group.name, rid.namespace, rid.types, rid.names)
    doc = {k: copy.deepcopy(v) for k, v in body.items() if k not in _TEMPLATE_ONLY}
    canonical_id = existing.id if existing else str(rid)
    doc["id"] = canonical_id
    doc["name"] = rid.name
    doc["type"] = existing.type if existing else rid.type
    if "location" not in doc and rtype != _SUBNET:
        if existing and "location" in existing.body:
            doc["location"] = existing.body["location"]
        else:
            raise ArmError(
                400, "LocationRequired", "The location property is required for this definition."
            )
    doc.setdefault("properties", {})
    if not isinstance(doc["properties"], dict):
        raise ArmError(400, "InvalidRequestContent", "The 'properties' value must be an object.")
    if rtype == _SUBNET:
        _check_parent(store, rid)
    delay_kind = "resource_create"
    if rtype == _VM:
        compute_rules.check_vm(store, canonical_id, doc)
        _shape_vm(doc, existing)
        delay_kind = "vm_create"
    elif rtype == _PIP:
        _shape_public_ip(store, doc, existing)
    elif rtype == _NIC:
        _shape_nic(store, doc)
    elif rtype == _VPN_GW:
        _link_ip_configurations(store, doc)
        delay_kind = "vpn_gateway_create"
    doc["properties"].setdefault("resourceGuid", existing_guid(existing))
    if rtype.startswith("microsoft.network/"):
        doc["etag"] = f'W/"{uuid.uuid4()}"'
    # CRP reports Creating for a new VM; NRP reports Updating while it writes anything.
    state = "Creating" if rtype == _VM and not existing else "Updating"
    doc["properties"]["provisioningState"] = state
    if existing:
        existing.body = doc
        existing.changed_at = at
        res = existing
    else:
        res = Resource(
            id=canonical_id,
            type=rid.type,
            resource_group=rid.resource_group.lower(),
            body=doc,
            created_at=at,
            changed_at=at,
            vm=VmRuntime(power="starting") if rtype == _VM else None,
        )
        store.resources[canonical_id.lower()] = res
    if rtype == _VNET:
        _sync_subnets_from_vnet(store, res, at)
    elif rtype == _SUBNET:
        _sync_vnet_from_subnet(store, res)
    if res.vm is not None:
        res.vm.generation += 1
        res.vm.last_op_time = at
        if not existing:
            res.vm.power = "starting"
    return res, store.delay(delay_kind), existing is None


def complete_resource(store: Store, res: Resource, at: float) -> None:
    """Finish a write: provisioningState Succeeded (and a new VM starts running)."""
    res.set_state("Succeeded", at)
    if res.vm is not None and res.vm.power == "starting":
        res.vm.power = "running"
    if res.type.lower() == _VNET:
        for sub in res.body["properties"].get("subnets") or []:
            sub.setdefault("properties", {})["provisioningState"] = "Succeeded"
            child = store.resource(sub["id"])
            if child:
                child.set_state("Succeeded", at)


def remove_resource(store: Store, res: Resource) -> None:
    """Forget a resource and its children."""
    prefix = res.id.lower() + "/"
    for key in [k for k in store.resources if k == res.id.lower() or k.startswith(prefix)]:
        del store.resources[key]
    store.metrics.pop(res.id.lower(), None)
    if res.type.lower() == _SUBNET:
        parent = store.resource(res.id.rsplit("/", 2)[0])
        if parent:
            subnets = parent.body["properties"].get("subnets") or []
            parent.body["properties"]["subnets"] = [
                s for s in subnets if s.get("id", "").lower() != res.id.lower()
            ]


def public_body(res: Resource) -> dict[str, Any]:
    """The body a GET returns (a copy, so callers may add to it)."""
    return copy.deepcopy(res.body)


def existing_guid(existing: Resource | None) -> str:
    """Keep a resource's resourceGuid across updates."""
    if existing:
        return str(existing.body.get("properties", {}).get("resourceGuid") or new_guid())
    return new_guid()


def _check_parent(store: Store, rid: ResourceId) -> None:
    parent = rid.parent
    if parent and store.resource(parent) is None:
        raise ArmError(
            404,
            "ParentResourceNotFound",
            f"Failed to perform 'write' on resource(s) of type '{'/'.join(rid.types)}', "
            "because the "
            f"parent resource '{parent}' could not be found.",
        )


def _shape_vm(doc: dict[str, Any], existing: Resource | None) -> None:
    props = doc["properties"]
    name = doc["name"]
    os_profile = props.get("osProfile")
    if isinstance(os_profile, dict):
        # CRP never returns secrets.
        os_profile.pop("adminPassword", None)
        os_profile.pop("customData", None)
        os_profile.setdefault("computerName", name)
        os_profile.setdefault("allowExtensionOperations", True)
        os_profile.setdefault("requireGuestProvisionSignal", True)
    storage = props.setdefault("storageProfile", {})
    ref = storage.get("imageReference")
    if isinstance(ref, dict) and ref.get("publisher"):
        ref.setdefault("version", "latest")
        ref["exactVersion"] = "25.09.19"
    os_disk = storage.setdefault("osDisk", {})
    windows = isinstance(os_profile, dict) and "windowsConfiguration" in os_profile
    os_disk.setdefault("osType", "Windows" if windows else "Linux")
    os_disk.setdefault("createOption", "FromImage")
    os_disk.setdefault("caching", "ReadWrite")
    disk_name = os_disk.setdefault("name", f"{name}_OsDisk_1_{uuid.uuid4().hex}")
    managed = os_disk.setdefault("managedDisk", {})
    managed.setdefault("storageAccountType", "Premium_LRS")
    rg_id = doc["id"].split("/providers/")[0]
    managed["id"] = f"{rg_id}/providers/Microsoft.Compute/disks/{disk_name}"
    os_disk.setdefault("deleteOption", "Detach")
    storage.setdefault("dataDisks", [])
    if existing is not None:
        props["vmId"] = existing.body["properties"].get("vmId")
        props["timeCreated"] = existing.body["properties"].get("timeCreated")
    else:
        props["vmId"] = new_guid()
    props.setdefault("timeCreated", iso(Store.now()))


def _shape_public_ip(store: Store, doc: dict[str, Any], existing: Resource | None) -> None:
    props = doc["properties"]
    sku = (doc.get("sku") or {}).get("name", "Basic")
    doc["sku"] = {"name": sku, "tier": (doc.get("sku") or {}).get("tier", "Regional")}
    props.setdefault("publicIPAddressVersion", "IPv4")
    props.setdefault(
        "publicIPAllocationMethod", "Static" if sku.lower() == "standard" else "Dynamic"
    )
    props.setdefault("idleTimeoutInMinutes", 4)
    props.setdefault("ipTags", [])
    old = (existing.body.get("properties") or {}) if existing else {}
    if old.get("ipAddress"):
        props["ipAddress"] = old["ipAddress"]
    elif props["publicIPAllocationMethod"].lower() == "static":
        n = next(store.public_ip_counter)
        props["ipAddress"] = f"20.81.{n // 250 % 250}.{n % 250 + 1}"
    if old.get("ipConfiguration"):
        props["ipConfiguration"] = old["ipConfiguration"]
    dns = props.get("dnsSettings") or {}
    if dns.get("domainNameLabel"):
        # Azure derives the FQDN from the label and the region.
        region = str(doc.get("location") or "eastus").replace(" ", "").lower()
        dns["fqdn"] = f"{dns['domainNameLabel']}.{region}.cloudapp.azure.com"


def _invalid_reference(target: str, referrer: str) -> ArmError:
    return ArmError(
        400,
        "InvalidResourceReference",
        f"Resource {target} referenced by resource {referrer} was not found. Please make sure that "
        "the referenced resource exists, and that both resources are in the same region.",
    )


def _link_ip_configurations(store: Store, doc: dict[str, Any]) -> None:
    """Check the public IPs an ipConfigurations list references and point them back at it."""
    for cfg in doc["properties"].get("ipConfigurations") or []:
        cfg_id = f"{doc['id']}/ipConfigurations/{cfg.get('name', 'ipconfig1')}"
        cfg["id"] = cfg_id
        cprops = cfg.setdefault("properties", {})
        pip_ref = (cprops.get("publicIPAddress") or {}).get("id")
        if pip_ref:
            pip = store.resource(pip_ref)
            if pip is None:
                raise _invalid_reference(pip_ref, doc["id"])
            pip.body["properties"]["ipConfiguration"] = {"id": cfg_id}


def _shape_nic(store: Store, doc: dict[str, Any]) -> None:
    _link_ip_configurations(store, doc)
    nsg = (doc["properties"].get("networkSecurityGroup") or {}).get("id")
    if nsg and store.resource(nsg) is None:
        raise _invalid_reference(nsg, doc["id"])
    for cfg in doc["properties"].get("ipConfigurations") or []:
        cprops = cfg["properties"]
        cprops["provisioningState"] = "Succeeded"
        cprops.setdefault("privateIPAddressVersion", "IPv4")
        cprops.setdefault("primary", True)
        subnet_id = (cprops.get("subnet") or {}).get("id")
        if not subnet_id:
            continue
        prefix = _subnet_prefix(store, subnet_id)
        if prefix is None:
            raise _invalid_reference(subnet_id, doc["id"])
        if cprops.get(
            "privateIPAllocationMethod", "Dynamic"
        ).lower() == "dynamic" or not cprops.get("privateIPAddress"):
            cprops["privateIPAllocationMethod"] = cprops.get("privateIPAllocationMethod", "Dynamic")
            cprops["privateIPAddress"] = _next_private_ip(store, subnet_id, prefix, doc["id"])


def _subnet_prefix(store: Store, subnet_id: str) -> str | None:
    subnet = store.resource(subnet_id)
    if subnet is None:
        return None
    props = subnet.body.get("properties") or {}
    prefix = props.get("addressPrefix") or (props.get("addressPrefixes") or [None])[0]
    return str(prefix) if prefix else None


def _next_private_ip(store: Store, subnet_id: str, prefix: str, nic_id: str) -> str:
    used: set[str] = set()
    for r in store.resources.values():
        if r.type.lower() != _NIC or r.id.lower() == nic_id.lower():
            continue
        for cfg in r.body["properties"].get("ipConfigurations") or []:
            cp = cfg.get("properties") or {}
            if (cp.get("subnet") or {}).get("id", "").lower() == subnet_id.lower() and cp.get(
                "privateIPAddress"
            ):
                used.add(cp["privateIPAddress"])
    net = ipaddress.ip_network(prefix, strict=False)
    # Azure reserves the first four addresses and the last one of every subnet.
    for i, host in enumerate(net.hosts()):
        if i >= 3 and str(host) not in used:
            return str(host)
    raise ArmError(
        400,
        "SubnetIsFull",
        f"Subnet {subnet_id.rsplit('/', 1)[-1]} with address prefix {prefix} does not have enough "
        "capacity for 1 IP addresses.",
    )


def _sync_subnets_from_vnet(store: Store, vnet: Resource, at: float) -> None:
    """A VNet's inline subnets become child resources readable by id."""
    subnets = vnet.body["properties"].get("subnets") or []
    keep: set[str] = set()
    for sub in subnets:
        sub_id = f"{vnet.id}/subnets/{sub.get('name')}"
        sub["id"] = sub_id
        sub["type"] = "Microsoft.Network/virtualNetworks/subnets"
        sub.setdefault("properties", {})["provisioningState"] = "Updating"
        keep.add(sub_id.lower())
        child_doc = copy.deepcopy(sub)
        existing = store.resource(sub_id)
        if existing:
            existing.body = child_doc
            existing.changed_at = at
        else:
            store.resources[sub_id.lower()] = Resource(
                id=sub_id,
                type="Microsoft.Network/virtualNetworks/subnets",
                resource_group=vnet.resource_group,
                body=child_doc,
                created_at=at,
                changed_at=at,
            )
    prefix = vnet.id.lower() + "/subnets/"
    for key in [
        k
        for k in store.resources
        if k.startswith(prefix) and k not in keep and k.count("/") == prefix.count("/")
    ]:
        del store.resources[key]


def _sync_vnet_from_subnet(store: Store, subnet: Resource) -> None:
    parent = store.resource(subnet.id.rsplit("/", 2)[0])
    if parent is None:
        return
    subnets = [
        s
        for s in parent.body["properties"].get("subnets") or []
        if s.get("id", "").lower() != subnet.id.lower()
    ]
    subnets.append(copy.deepcopy(subnet.body))
    parent.body["properties"]["subnets"] = subnets


def parse_id(resource_id: str) -> ResourceId:
    """Parse a resource id (re-exported for handlers)."""
    return parse_resource_id(resource_id)
