metadata name = 'Beast VM operator role'
metadata description = 'A custom role with exactly the ARM actions Beast uses on the subscription, assigned to its managed identity.'

targetScope = 'subscription'

@description('Required. Object (principal) id of the managed identity Beast runs as.')
@minLength(36)
@maxLength(36)
param principalId string

@description('Required. Role name, unique in the tenant; main.bicep adds the azd environment name and a token of the subscription.')
@minLength(1)
@maxLength(128)
param roleName string

// Beast creates one resource group per VM, deploys a VM template into it, starts,
// deallocates and watches the VM, and deletes the group. Deleting a group needs delete
// permission on everything in it, and a deployment runs with the caller's permissions,
// so the role also holds what the three VM templates create and the status of the long
// operations that ARM follows while it creates them. Nothing else: no
// Contributor, no role assignments, no other resource types.
var actions = [
  'Microsoft.Resources/subscriptions/resourceGroups/read'
  'Microsoft.Resources/subscriptions/resourceGroups/write'
  'Microsoft.Resources/subscriptions/resourceGroups/delete'
  'Microsoft.Resources/subscriptions/resourceGroups/resources/read'
  'Microsoft.Resources/deployments/read'
  'Microsoft.Resources/deployments/write'
  'Microsoft.Resources/deployments/operationstatuses/read'
  'Microsoft.Resources/deployments/operations/read'
  'Microsoft.Resources/deployments/validate/action'
  'Microsoft.Resources/deployments/cancel/action'
  'Microsoft.Compute/virtualMachines/read'
  'Microsoft.Compute/virtualMachines/write'
  'Microsoft.Compute/virtualMachines/delete'
  'Microsoft.Compute/virtualMachines/start/action'
  'Microsoft.Compute/virtualMachines/deallocate/action'
  'Microsoft.Compute/virtualMachines/instanceView/read'
  'Microsoft.Compute/disks/read'
  'Microsoft.Compute/disks/write'
  'Microsoft.Compute/disks/delete'
  'Microsoft.Compute/locations/operations/read'
  'Microsoft.Compute/locations/usages/read'
  'Microsoft.Compute/skus/read'
  'Microsoft.Insights/metrics/read'
  'Microsoft.Network/publicIPAddresses/read'
  'Microsoft.Network/publicIPAddresses/write'
  'Microsoft.Network/publicIPAddresses/delete'
  'Microsoft.Network/publicIPAddresses/join/action'
  'Microsoft.Network/networkSecurityGroups/read'
  'Microsoft.Network/networkSecurityGroups/write'
  'Microsoft.Network/networkSecurityGroups/delete'
  'Microsoft.Network/networkSecurityGroups/join/action'
  'Microsoft.Network/virtualNetworks/read'
  'Microsoft.Network/virtualNetworks/write'
  'Microsoft.Network/virtualNetworks/delete'
  'Microsoft.Network/virtualNetworks/subnets/read'
  'Microsoft.Network/virtualNetworks/subnets/write'
  'Microsoft.Network/virtualNetworks/subnets/delete'
  'Microsoft.Network/virtualNetworks/subnets/join/action'
  'Microsoft.Network/networkInterfaces/read'
  'Microsoft.Network/networkInterfaces/write'
  'Microsoft.Network/networkInterfaces/delete'
  'Microsoft.Network/networkInterfaces/join/action'
  'Microsoft.Network/natGateways/read'
  'Microsoft.Network/natGateways/write'
  'Microsoft.Network/natGateways/delete'
  'Microsoft.Network/natGateways/join/action'
  'Microsoft.Network/virtualNetworkGateways/read'
  'Microsoft.Network/virtualNetworkGateways/write'
  'Microsoft.Network/virtualNetworkGateways/delete'
  'Microsoft.Network/locations/operations/read'
]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, roleName)
  properties: {
    roleName: roleName
    description: 'Lets Beast deploy, start, deallocate and delete its data-science VMs, each in a resource group of its own.'
    type: 'CustomRole'
    permissions: [
      {
        actions: actions
        notActions: []
      }
    ]
    assignableScopes: [
      subscription().id
    ]
  }
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, role.id)
  properties: {
    roleDefinitionId: role.id
    principalId: principalId
    // Skips the directory lookup that fails while a new identity is still replicating.
    principalType: 'ServicePrincipal'
  }
}

@description('Resource id of the custom role.')
output roleDefinitionId string = role.id
