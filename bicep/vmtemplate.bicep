metadata name = 'Beast data-science VM (JupyterHub)'
metadata description = 'A Data Science VM with password login, JupyterHub on https://IP:8000 and a public IP reachable only from allowedSourcePrefixes.'

// Deploy on its own:
//   az deployment group create -f bicep/vmtemplate.bicep --resource-group RG \
//     --parameters adminUsername=alice adminPassword='...' allowedSourcePrefixes='["203.0.113.7/32"]'
// With no allowedSourcePrefixes the VM is created with every inbound port closed.

@description('Optional. VM size; list the sizes of a region with `az vm list-skus -l REGION -o table`.')
@minLength(1)
@maxLength(64)
param vmModel string = 'Standard_E4s_v3'

@description('Optional. OS disk size in GiB, at most 4095 (one managed disk); Azure refuses a size below that of the image disk.')
@minValue(30)
@maxValue(4095)
param osDiskSize int = 1000

@description('Optional. OS disk type: Premium_LRS (premium SSD), StandardSSD_LRS (standard SSD) or Standard_LRS (HDD).')
@allowed([
  'Premium_LRS'
  'StandardSSD_LRS'
  'Standard_LRS'
])
param osDiskType string = 'Premium_LRS'

@description('Optional. Name of the VM and prefix of the names of its other resources; Beast passes its VM name, e.g. beast-alice-1. Start with a letter; lowercase letters, digits and hyphens.')
@minLength(2)
@maxLength(40)
param projectName string = 'projectname'

@description('Required. Linux admin and JupyterHub user name: lowercase (JupyterHub refuses capitals), starting with a letter, not a reserved name such as admin or root.')
@minLength(1)
@maxLength(32)
param adminUsername string

@description('Required. Admin password, also the JupyterHub password: 12 to 72 characters with three of lowercase, uppercase, digit and symbol.')
@secure()
@minLength(12)
@maxLength(72)
param adminPassword string

@description('Optional. An SSH public key (ssh-rsa or ssh-ed25519) to accept besides the password; empty for none.')
param adminPublicKey string = ''

@description('Optional. Azure region of every resource; defaults to the location of the resource group.')
param location string = resourceGroup().location

@description('Optional. Source address prefixes (CIDR or IP) allowed to reach SSH (22) and JupyterHub (8000); empty closes every inbound port.')
param allowedSourcePrefixes array = []

@description('Optional. Tags put on every resource; Beast sets owner, created-by, operation id and keep-until.')
param tags object = {}

@description('Optional. Secure boot of the Trusted Launch VM; turn off only for unsigned kernel modules such as some GPU drivers.')
param secureBootEnabled bool = true

var vmName = projectName
var vnetName = '${projectName}-vnet'
var subnetName = '${projectName}-subnet'
var publicIpName = '${projectName}-ip'
var nicName = '${projectName}-nic'
var nsgName = '${projectName}-nsg'
var osDiskName = '${projectName}-osdisk'
var vnetAddressPrefix = '10.1.0.0/16'
var subnetAddressPrefix = '10.1.0.0/24'

// Linux names that Azure refuses for the admin account.
var reservedUsernames = [
  '1'
  '123'
  'a'
  'actuser'
  'adm'
  'admin'
  'admin1'
  'admin2'
  'administrator'
  'aspnet'
  'backup'
  'console'
  'david'
  'guest'
  'john'
  'owner'
  'root'
  'server'
  'sql'
  'support'
  'support_388945a0'
  'sys'
  'test'
  'test1'
  'test2'
  'test3'
  'user'
  'user1'
  'user2'
  'user3'
  'user4'
  'user5'
]

// Bicep has no pattern decorator, so the user-name rule is an expression that cannot be
// evaluated when the name is bad: json() of text that is not JSON. ARM evaluates variables
// while it validates the template, before it creates anything, so a bad name fails the whole
// deployment with InvalidTemplate, and the error names this variable. `if` evaluates only the
// branch it takes, so a good name never reaches json(). The text holds the name because Bicep
// parses a literal json() argument when it compiles and refuses one that is not JSON (BCP186).
var adminUsernameIsValid = toLower(adminUsername) == adminUsername && !contains(reservedUsernames, adminUsername) && !contains('0123456789-_', first(adminUsername))
var adminUsernameMustBeLowercaseAndNotReserved = adminUsernameIsValid ? adminUsername : json('adminUsername ${adminUsername} must be lowercase, start with a letter and not be a reserved name')

var sshPublicKey = {
  path: '/home/${adminUsername}/.ssh/authorized_keys'
  keyData: adminPublicKey
}
var sshPublicKeys = empty(adminPublicKey) ? [] : [sshPublicKey]

var inboundRules = [
  {
    name: 'allow-ssh'
    properties: {
      priority: 300
      access: 'Allow'
      direction: 'Inbound'
      protocol: 'Tcp'
      sourcePortRange: '*'
      sourceAddressPrefixes: allowedSourcePrefixes
      destinationPortRange: '22'
      destinationAddressPrefix: '*'
    }
  }
  {
    name: 'allow-jupyterhub'
    properties: {
      priority: 310
      access: 'Allow'
      direction: 'Inbound'
      protocol: 'Tcp'
      sourcePortRange: '*'
      sourceAddressPrefixes: allowedSourcePrefixes
      destinationPortRange: '8000'
      destinationAddressPrefix: '*'
    }
  }
]

// Basic public IPs are retired: Standard SKU with Static allocation.
resource publicIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: publicIpName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Regional'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
    dnsSettings: {
      domainNameLabel: '${projectName}-${uniqueString(resourceGroup().id)}'
    }
  }
}

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: nsgName
  location: location
  tags: tags
  properties: {
    // An empty list leaves only Azure's default rules, which refuse inbound internet traffic.
    securityRules: empty(allowedSourcePrefixes) ? [] : inboundRules
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: vnetName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        vnetAddressPrefix
      ]
    }
    subnets: [
      {
        name: subnetName
        properties: {
          addressPrefix: subnetAddressPrefix
        }
      }
    ]
  }
}

resource nic 'Microsoft.Network/networkInterfaces@2024-05-01' = {
  name: nicName
  location: location
  tags: tags
  properties: {
    ipConfigurations: [
      {
        name: 'ipconfig1'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          publicIPAddress: {
            id: publicIp.id
          }
          subnet: {
            id: resourceId('Microsoft.Network/virtualNetworks/subnets', vnetName, subnetName)
          }
        }
      }
    ]
    networkSecurityGroup: {
      id: nsg.id
    }
  }
  dependsOn: [
    vnet
  ]
}

resource vm 'Microsoft.Compute/virtualMachines@2024-07-01' = {
  name: vmName
  location: location
  tags: tags
  properties: {
    hardwareProfile: {
      vmSize: vmModel
    }
    osProfile: {
      computerName: vmName
      adminUsername: adminUsernameMustBeLowercaseAndNotReserved
      adminPassword: adminPassword
      linuxConfiguration: {
        // JupyterHub logs in with the password.
        disablePasswordAuthentication: false
        ssh: {
          publicKeys: sshPublicKeys
        }
      }
    }
    storageProfile: {
      imageReference: {
        publisher: 'microsoft-dsvm'
        offer: 'ubuntu-2204'
        sku: '2204-gen2'
        version: 'latest'
      }
      osDisk: {
        name: osDiskName
        createOption: 'FromImage'
        diskSizeGB: osDiskSize
        caching: 'ReadWrite'
        deleteOption: 'Delete'
        managedDisk: {
          storageAccountType: osDiskType
        }
      }
    }
    // The DSVM image is Gen2 only, which Trusted Launch requires.
    securityProfile: {
      securityType: 'TrustedLaunch'
      uefiSettings: {
        secureBootEnabled: secureBootEnabled
        vTpmEnabled: true
      }
    }
    networkProfile: {
      networkInterfaces: [
        {
          id: nic.id
          properties: {
            deleteOption: 'Delete'
          }
        }
      ]
    }
    diagnosticsProfile: {
      bootDiagnostics: {
        enabled: true
      }
    }
  }
}

@description('Name of the virtual machine.')
output vmName string = vm.name

@description('Resource id of the virtual machine.')
output vmId string = vm.id

@description('Public IP address of the VM.')
output publicIp string = publicIp.properties.ipAddress

@description('Private IP address of the VM in its virtual network.')
output privateIp string = nic.properties.ipConfigurations[0].properties.privateIPAddress

@description('DNS name of the public IP.')
output fqdn string = publicIp.properties.dnsSettings.fqdn

@description('JupyterHub address; its certificate is self-signed.')
output jupyterUrl string = 'https://${publicIp.properties.ipAddress}:8000'

@description('Command that opens a shell on the VM.')
output sshCommand string = 'ssh ${adminUsername}@${publicIp.properties.ipAddress}'
