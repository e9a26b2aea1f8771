metadata name = 'Beast data-science VM (private, behind a VPN gateway)'
metadata description = 'A Data Science VM with no public IP, reached through a point-to-site VPN gateway with certificate authentication; outbound internet through a NAT gateway.'

// Deploy on its own (the VPN gateway takes about 45 minutes):
//   az deployment group create -f bicep/vmtemplate_vpn.bicep --resource-group RG \
//     --parameters adminUsername=alice adminPublicKey="$(cat ~/.ssh/id_ed25519.pub)" vpnRootCertData="$(sed '1d;$d' root.cer | tr -d '\n')"
// Then download the VPN client profile (`az network vnet-gateway vpn-client generate`), connect,
// and run the sshCommand output.

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

@description('Required. Linux admin user name: lowercase, starting with a letter, not a reserved name such as admin or root.')
@minLength(1)
@maxLength(32)
param adminUsername string

@description('Required. The SSH public key (ssh-rsa or ssh-ed25519 line) that may log in as adminUsername.')
@minLength(1)
param adminPublicKey string

@description('Required. Public data of the VPN root certificate: the base64 body of its .cer file, without the BEGIN and END lines.')
@minLength(1)
param vpnRootCertData string

@description('Optional. Size in GiB of an empty data disk to attach (mount it yourself); 0 attaches none.')
@minValue(0)
@maxValue(32767)
param dataDiskSize int = 1

@description('Optional. Data disk type: Premium_LRS (premium SSD), StandardSSD_LRS (standard SSD) or Standard_LRS (HDD).')
@allowed([
  'Premium_LRS'
  'StandardSSD_LRS'
  'Standard_LRS'
])
param dataDiskType string = 'Premium_LRS'

@description('Optional. Azure region of every resource; defaults to the location of the resource group.')
param location string = resourceGroup().location

@description('Optional. Source address prefixes (CIDR or IP) inside the network allowed to reach SSH (22), besides the VPN clients.')
param allowedSourcePrefixes array = []

@description('Optional. Tags put on every resource; Beast sets owner, created-by, operation id and keep-until.')
param tags object = {}

@description('Optional. Secure boot of the Trusted Launch VM; turn off only for unsigned kernel modules such as some GPU drivers.')
param secureBootEnabled bool = true

var vmName = projectName
var vnetName = '${projectName}-vnet'
var subnetName = '${projectName}-subnet'
var nicName = '${projectName}-nic'
var nsgName = '${projectName}-nsg'
var osDiskName = '${projectName}-osdisk'
var dataDiskName = '${projectName}-datadisk'
var natGatewayName = '${projectName}-nat'
var natPublicIpName = '${projectName}-nat-ip'
var gatewayName = '${projectName}-vpngw'
var gatewayPublicIpName = '${projectName}-vpngw-ip'
var vnetAddressPrefix = '10.1.0.0/16'
var subnetAddressPrefix = '10.1.0.0/24'
// Azure requires this exact name for the subnet of a virtual network gateway.
var gatewaySubnetName = 'GatewaySubnet'
var gatewaySubnetAddressPrefix = '10.1.255.0/27'
var vpnClientAddressPoolPrefix = '10.2.0.0/24'
var sshSourcePrefixes = concat([vpnClientAddressPoolPrefix], allowedSourcePrefixes)

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


var dataDisk = {
  lun: 0
  name: dataDiskName
  createOption: 'Empty'
  diskSizeGB: dataDiskSize
  caching: 'None'
  deleteOption: 'Delete'
  managedDisk: {
    storageAccountType: dataDiskType
  }
}

// Basic public IPs are retired: Standard SKU with Static allocation, for the NAT and the gateway.
resource natPublicIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: natPublicIpName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Regional'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

// New subnets may be private (no default outbound access): the VM reaches the internet through NAT.
resource natGateway 'Microsoft.Network/natGateways@2024-05-01' = {
  name: natGatewayName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    idleTimeoutInMinutes: 4
    publicIpAddresses: [
      {
        id: natPublicIp.id
      }
    ]
  }
}

resource gatewayPublicIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: gatewayPublicIpName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Regional'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: nsgName
  location: location
  tags: tags
  properties: {
    securityRules: [
      {
        name: 'allow-ssh'
        properties: {
          priority: 300
          access: 'Allow'
          direction: 'Inbound'
          protocol: 'Tcp'
          sourcePortRange: '*'
          sourceAddressPrefixes: sshSourcePrefixes
          destinationPortRange: '22'
          destinationAddressPrefix: '*'
        }
      }
    ]
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
          defaultOutboundAccess: false
          natGateway: {
            id: natGateway.id
          }
        }
      }
      {
        name: gatewaySubnetName
        properties: {
          addressPrefix: gatewaySubnetAddressPrefix
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
      linuxConfiguration: {
        disablePasswordAuthentication: true
        ssh: {
          publicKeys: [
            {
              path: '/home/${adminUsername}/.ssh/authorized_keys'
              keyData: adminPublicKey
            }
          ]
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
      dataDisks: dataDiskSize > 0 ? [dataDisk] : []
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

// Non-AZ gateway SKUs can no longer be created: VpnGw1AZ is the smallest that can.
resource vpnGateway 'Microsoft.Network/virtualNetworkGateways@2024-05-01' = {
  name: gatewayName
  location: location
  tags: tags
  properties: {
    gatewayType: 'Vpn'
    vpnType: 'RouteBased'
    vpnGatewayGeneration: 'Generation1'
    enableBgp: false
    activeActive: false
    sku: {
      name: 'VpnGw1AZ'
      tier: 'VpnGw1AZ'
    }
    ipConfigurations: [
      {
        name: 'vnetGatewayConfig0'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          publicIPAddress: {
            id: gatewayPublicIp.id
          }
          subnet: {
            id: resourceId('Microsoft.Network/virtualNetworks/subnets', vnetName, gatewaySubnetName)
          }
        }
      }
    ]
    vpnClientConfiguration: {
      vpnClientAddressPool: {
        addressPrefixes: [
          vpnClientAddressPoolPrefix
        ]
      }
      vpnClientProtocols: [
        'IkeV2'
        'OpenVPN'
      ]
      vpnAuthenticationTypes: [
        'Certificate'
      ]
      vpnClientRootCertificates: [
        {
          name: 'beast-root'
          properties: {
            publicCertData: vpnRootCertData
          }
        }
      ]
    }
  }
  dependsOn: [
    vnet
  ]
}

@description('Name of the virtual machine.')
output vmName string = vm.name

@description('Resource id of the virtual machine.')
output vmId string = vm.id

@description('Private IP address of the VM, reachable once connected to the VPN.')
output privateIp string = nic.properties.ipConfigurations[0].properties.privateIPAddress

@description('Command that opens a shell on the VM once connected to the VPN.')
output sshCommand string = 'ssh ${adminUsername}@${nic.properties.ipConfigurations[0].properties.privateIPAddress}'

@description('Public IP address of the VPN gateway that clients connect to.')
output gatewayIp string = gatewayPublicIp.properties.ipAddress
