metadata name = 'Beast'
metadata description = 'Beast itself: a Flex Consumption function app running as a user-assigned managed identity, with identity-only storage, Application Insights, Key Vault for the Slack secrets, and a custom role on the subscription. Deploy with `azd up`.'

@description('Required. Name of the azd environment; part of every resource name and tag.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Optional. Azure region of Beast itself; defaults to the location of the resource group.')
param location string = resourceGroup().location

@description('Optional. Tags put on every resource besides azd-env-name.')
param tags object = {}

@description('Required. Slack app signing secret; stored in Key Vault only.')
@secure()
@minLength(1)
param slackSigningSecret string

@description('Required. Slack bot token (xoxb-...); stored in Key Vault only.')
@secure()
@minLength(1)
param slackBotToken string

@description('Optional. Id of the Slack workspace Beast serves (T...); requests from any other workspace, such as Slack Connect guests, are refused. Empty: any workspace the app is installed in.')
param slackTeamId string = ''

@description('Required. Comma-separated CIDR ranges allowed to reach the VMs (SSH and JupyterHub).')
@minLength(1)
param allowedSourcePrefixes string

@description('Optional. Region of new VMs when a request names none; defaults to the location of Beast.')
param defaultRegion string = location

@description('Optional. Comma-separated Slack user ids or e-mail addresses of Beast admins.')
param admins string = ''

@description('Optional. Comma-separated VM sizes people may ask for; empty allows any size.')
param allowedSizes string = ''

@description('Optional. Largest OS disk in GiB people may ask for.')
@minValue(30)
@maxValue(4095)
param maxDiskGb int = 4095

@description('Optional. How many VMs one person may have at once.')
@minValue(1)
@maxValue(1000)
param maxVmsPerUser int = 3

@description('Optional. Average CPU percentage below which a VM counts as idle.')
param idleCpuPercent string = '5'

@description('Optional. Hours of low CPU after which a VM counts as idle.')
@minValue(1)
@maxValue(72)
param idleLookbackHours int = 2

@description('Optional. NCRONTAB schedule (UTC) of the warning to owners of idle VMs.')
param warnSchedule string = '0 0 18 * * *'

@description('Optional. NCRONTAB schedule (UTC) of the sweep that deallocates idle VMs.')
param sweepSchedule string = '0 0 19 * * *'

@description('Optional. NCRONTAB schedule (UTC) of the reconciliation of the records of Beast with Azure.')
param reconcileSchedule string = '0 */15 * * * *'

@description('Optional. Prefix of the resource group Beast creates for each VM.')
@minLength(1)
@maxLength(20)
param resourceGroupPrefix string = 'rg-'

@description('Optional. Public data of the VPN root certificate for VPN VMs; empty disables the VPN variant.')
param vpnRootCertData string = ''

@description('Optional. Seconds between two checks of a running deployment.')
@minValue(1)
@maxValue(600)
param pollSeconds int = 15

@description('Optional. Prefix of the names of the tables of Beast.')
param tablePrefix string = 'beast'

@description('Optional. Name of the queue that carries the jobs of Beast.')
param jobsQueueName string = 'beast-jobs'

@description('Optional. Trust the identity headers of App Service authentication (Easy Auth) on the HTTP API.')
param trustEasyAuth bool = false

@description('Optional. Largest number of instances the function app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

var token = uniqueString(subscription().id, resourceGroup().id, environmentName)
var allTags = union(tags, {
  'azd-env-name': environmentName
})
var identityName = 'id-beast-${token}'
var storageName = 'stbeast${token}'
var deploymentContainerName = 'app-package'
var workspaceName = 'log-beast-${token}'
var appInsightsName = 'appi-beast-${token}'
var keyVaultName = 'kv-beast-${token}'
var planName = 'plan-beast-${token}'
var functionAppName = 'func-beast-${token}'

// Built-in role definition ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: allTags
}

// Identity only: shared keys are off, so no connection string exists to leak.
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  tags: allTags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource jobsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: jobsQueueName
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: allTags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

// Entra ID auth only: the app sends telemetry as its identity (Monitoring Metrics Publisher).
resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: allTags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: allTags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
  }
}

resource signingSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'slack-signing-secret'
  tags: allTags
  properties: {
    value: slackSigningSecret
  }
}

resource botToken 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'slack-bot-token'
  tags: allTags
  properties: {
    value: slackBotToken
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: allTags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: union(allTags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve as this identity, not a system-assigned one.
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// Every key of local.settings.sample.json but FUNCTIONS_WORKER_RUNTIME and AzureWebJobsStorage,
// which Flex Consumption takes from functionAppConfig and the identity-based settings below.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__accountName: storage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identity.properties.clientId
    // DefaultAzureCredential picks the user-assigned identity by this client id.
    AZURE_CLIENT_ID: identity.properties.clientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
    BEAST_TABLE_PREFIX: tablePrefix
    BEAST_JOBS_QUEUE: jobsQueueName
    BEAST_SUBSCRIPTION_ID: subscription().subscriptionId
    BEAST_ARM_ENDPOINT: environment().resourceManager
    BEAST_ARM_CA_BUNDLE: ''
    BEAST_METRICS_ENDPOINT: 'https://{region}.metrics.monitor.azure.com'
    BEAST_DEFAULT_REGION: defaultRegion
    BEAST_RESOURCE_GROUP_PREFIX: resourceGroupPrefix
    BEAST_VPN_ROOT_CERT: vpnRootCertData
    BEAST_POLL_SECONDS: string(pollSeconds)
    BEAST_PRICES_URL: 'https://prices.azure.com/api/retail/prices'
    BEAST_ADMINS: admins
    BEAST_ALLOWED_SIZES: allowedSizes
    BEAST_MAX_DISK_GB: string(maxDiskGb)
    BEAST_MAX_VMS_PER_USER: string(maxVmsPerUser)
    BEAST_ALLOWED_SOURCE_PREFIXES: allowedSourcePrefixes
    BEAST_IDLE_CPU_PERCENT: idleCpuPercent
    BEAST_IDLE_LOOKBACK_HOURS: string(idleLookbackHours)
    BEAST_WARN_SCHEDULE: warnSchedule
    BEAST_SWEEP_SCHEDULE: sweepSchedule
    BEAST_RECONCILE_SCHEDULE: reconcileSchedule
    SLACK_SIGNING_SECRET: '@Microsoft.KeyVault(SecretUri=${signingSecret.properties.secretUri})'
    SLACK_BOT_TOKEN: '@Microsoft.KeyVault(SecretUri=${botToken.properties.secretUri})'
    SLACK_API_URL: 'https://slack.com/api/'
    SLACK_TEAM_ID: slackTeamId
    BEAST_TRUST_EASY_AUTH: trustEasyAuth ? 'true' : 'false'
    // A development identity must never be trusted on Azure.
    BEAST_DEV_IDENTITY: ''
  }
}

// The Functions host keeps its locks and keys in blob containers of its own, so it needs
// blob access on the account; Owner only on the container it deploys from.
resource blobOwnerOnDeploymentContainer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deploymentContainer.id, identity.id, roles.storageBlobDataOwner)
  scope: deploymentContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource blobContributorOnAccount 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, roles.keyVaultSecretsUser)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Beast works on the whole subscription (a resource group per VM), with a role that lists
// exactly the actions it uses instead of Contributor.
module operatorRole 'modules/beast-operator-role.bicep' = {
  name: 'beast-operator-role-${token}'
  scope: subscription()
  params: {
    principalId: identity.properties.principalId
    // Role names are unique in the tenant: the token tells subscriptions apart.
    roleName: 'Beast VM operator (${environmentName}, ${token})'
  }
}

@description('Name of the function app.')
output AZURE_FUNCTION_APP_NAME string = functionApp.name

@description('Client id of the managed identity Beast runs as.')
output AZURE_CLIENT_ID string = identity.properties.clientId

@description('Address of the Slack endpoint of Beast, for the Slack app manifest.')
output SLACK_REQUEST_URL string = 'https://${functionApp.properties.defaultHostName}/api/slack/events'

@description('Base address of the HTTP API of Beast.')
output BEAST_API_URL string = 'https://${functionApp.properties.defaultHostName}/api'

@description('Name of the Key Vault that holds the Slack secrets.')
output AZURE_KEY_VAULT_NAME string = keyVault.name

@description('Resource id of the custom role of Beast on the subscription.')
output BEAST_OPERATOR_ROLE_ID string = operatorRole.outputs.roleDefinitionId
