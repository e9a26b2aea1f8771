"""What Compute (CRP) checks when a virtual machine is written: image, size, quota, admin name."""

from __future__ import annotations

from typing import Any

from local.armsim import catalog
from local.armsim.errors import ArmError
from local.armsim.state import Store

# Names CRP refuses as adminUsername (public list of disallowed values).
RESERVED_ADMIN_NAMES = frozenset(
    [
        "administrator",
        "admin",
        "user",
        "user1",
        "test",
        "user2",
        "test1",
        "user3",
        "admin1",
        "1",
        "123",
        "a",
        "actuser",
        "adm",
        "admin2",
        "aspnet",
        "backup",
        "console",
        "david",
        "guest",
        "john",
        "owner",
        "root",
        "server",
        "sql",
        "support",
        "support_388945a0",
        "sys",
        "test2",
        "test3",
        "user4",
        "user5",
        "sa",
    ]
)
_BAD_USERNAME_CHARS = set('\\/"[]:|<>+=;,?*@#()! ')


def check_vm(store: Store, vm_id: str, body: dict[str, Any]) -> catalog.VmSize:
    """Raise the ArmError CRP would answer a PUT of this VM with; return its size."""
    location = str(body.get("location") or "")
    props = body.get("properties") or {}
    size_name = str((props.get("hardwareProfile") or {}).get("vmSize") or "")
    size = _check_size(size_name, location)
    _check_image(props, size)
    _check_admin(props)
    _check_quota(store, vm_id, location, size)
    return size


def _check_size(size_name: str, location: str) -> catalog.VmSize:
    size = catalog.find_size(size_name)
    if size is None or location.lower() not in size.locations:
        offered = ",".join(
            s.name for s in catalog.VM_SIZES.values() if location.lower() in s.locations
        )
        raise ArmError(
            400,
            "InvalidParameter",
            f"The requested VM size {size_name} is not available in the current region. "
            f"The sizes available in the current region are: {offered}. "
            "Find out more on the available VM sizes in each region at https://aka.ms/azure-regions.",
            target="vmSize",
        )
    if location.lower() in size.restricted_in:
        raise ArmError(
            409,
            "SkuNotAvailable",
            "The requested VM size for resource 'Following SKUs have failed for Capacity "
            "Restrictions: "
            f"{size.name}' is currently not available in location '{location}'. Please try "
            "another size "
            "or deploy to a different location or different zone. "
            "See https://aka.ms/azureskunotavailable for details.",
        )
    return size


def _check_image(props: dict[str, Any], size: catalog.VmSize) -> None:
    ref = (props.get("storageProfile") or {}).get("imageReference") or {}
    if ref.get("id") or ref.get("sharedGalleryImageId") or ref.get("communityGalleryImageId"):
        return
    publisher, offer, sku = (str(ref.get(k) or "") for k in ("publisher", "offer", "sku"))
    version = str(ref.get("version") or "latest")
    if not (publisher and offer and sku):
        raise ArmError(
            400,
            "InvalidParameter",
            "Required parameter 'imageReference' is missing (null).",
            target="imageReference",
        )
    image = catalog.find_image(publisher, offer, sku)
    if image is None:
        raise ArmError(
            404,
            "PlatformImageNotFound",
            f"The platform image '{publisher}:{offer}:{sku}:{version}' is not available. "
            "Verify that all "
            "fields in the storage profile are correct. For more details about storage profile "
            "information, please refer to https://aka.ms/storageprofile",
            target="imageReference",
        )
    if image.hyperv_generation not in size.hyperv_generations.split(","):
        raise ArmError(
            400,
            "BadRequest",
            f"The selected VM size '{size.name}' cannot boot Hypervisor Generation "
            f"'{image.hyperv_generation[1:]}'. If this was a Create operation please check "
            "that the "
            "Hypervisor Generation of the Image matches the Hypervisor Generation of the "
            "selected VM "
            "Size. If this was an Update operation please select a Hypervisor Generation '"
            f"{image.hyperv_generation[1:]}' VM Size. For more information, see https://aka.ms/azuregen2vm",
        )


def _check_admin(props: dict[str, Any]) -> None:
    os_profile = props.get("osProfile")
    if not os_profile:
        return
    name = str(os_profile.get("adminUsername") or "")
    if not name:
        raise ArmError(
            400,
            "InvalidParameter",
            "Required parameter 'adminUsername' is missing (null).",
            target="adminUsername",
        )
    if name.lower() in RESERVED_ADMIN_NAMES:
        raise ArmError(
            400,
            "InvalidParameter",
            "The Admin Username specified is not allowed.",
            target="adminUsername",
        )
    linux = "windowsConfiguration" not in os_profile
    if linux and (
        any(c.isupper() for c in name)
        or any(c in _BAD_USERNAME_CHARS for c in name)
        or name[0] in "$-"
        or len(name) > 64
    ):
        raise ArmError(
            400,
            "InvalidParameter",
            "Linux admin user name cannot contain upper case character A-Z, special characters "
            '\\/"[]:|<>+=;,?*@#()! or start with $ or -',
            target="adminUsername",
        )


def _check_quota(store: Store, vm_id: str, location: str, size: catalog.VmSize) -> None:
    family = catalog.family_of(size)
    others = [r for r in store.vms_in(location) if r.id.lower() != vm_id.lower()]
    family_usage = 0
    regional_usage = 0
    for r in others:
        other = catalog.find_size(str(r.body["properties"]["hardwareProfile"]["vmSize"]))
        if other is None:
            continue
        regional_usage += other.vcpus
        if other.family.lower() == size.family.lower():
            family_usage += other.vcpus
    checks = (
        (
            f"{family.name} Cores",
            family_usage,
            store.family_limit(location, family.name),
            family.name,
        ),
        ("Total Regional Cores", regional_usage, store.regional_limit(location), "cores"),
    )
    for label, usage, limit, resource_name in checks:
        if usage + size.vcpus > limit:
            raise ArmError(
                409,
                "OperationNotAllowed",
                _quota_message(
                    store.subscription_id,
                    location,
                    label=label,
                    resource_name=resource_name,
                    limit=limit,
                    usage=usage,
                    required=size.vcpus,
                ),
            )


def _quota_message(
    subscription_id: str,
    location: str,
    *,
    label: str,
    resource_name: str,
    limit: int,
    usage: int,
    required: int,
) -> str:
    """CRP's quota sentence, numbers and quota-increase link included."""
    new_limit = usage + required
    # The portal deep link real messages embed, percent-encoded JSON as CRP sends it.
    request = (
        f'{{"subscriptionId":"{subscription_id}","command":"openQuotaApprovalBlade",'
        f'"quotas":[{{"location":"{location}","providerId":"Microsoft.Compute",'
        f'"resourceName":"{resource_name}","quotaRequest":{{"properties":{{"limit":{new_limit},'
        f'"unit":"Count","name":{{"value":"{resource_name}"}}}}}}}}]}}'
    )
    link = (
        "https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView/"
        "Parameters/" + request.replace("{", "%7B").replace("}", "%7D").replace('"', "%22")
    )
    return (
        f"Operation could not be completed as it results in exceeding approved {label} quota. "
        f"Additional details - Deployment Model: Resource Manager, Location: {location}, "
        f"Current Limit: {limit}, Current Usage: {usage}, Additional Required: {required}, "
        f"(Minimum) New Limit Required: {new_limit}. Setup Alerts when Quota reaches threshold. "
        "Learn more at https://aka.ms/quotamonitoringalerting . Submit a request for Quota "
        f"increase at {link} by specifying parameters listed in the 'Details' section for "
        "deployment to succeed. Please read more about quota limits at "
        "https://docs.microsoft.com/en-us/azure/azure-supportability/per-vm-quota-requests"
    )
