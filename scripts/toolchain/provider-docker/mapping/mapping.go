// Package mapping describes how the upstream Terraform Docker provider is
// presented to Pulumi: the token of every resource and data source the npm
// SDK @pulumi/docker uses, and the few places where its names or behaviour
// differ from the bridge's defaults.
package mapping

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

var (
	resources = map[string]string{
		"docker_buildx_builder": "BuildxBuilder",
		"docker_config":         "ServiceConfig",
		"docker_container":      "Container",
		"docker_image":          "RemoteImage",
		"docker_network":        "Network",
		"docker_plugin":         "Plugin",
		"docker_registry_image": "RegistryImage",
		"docker_secret":         "Secret",
		"docker_service":        "Service",
		"docker_tag":            "Tag",
		"docker_volume":         "Volume",
	}
	dataSources = map[string]string{
		"docker_image":                    "getRemoteImage",
		"docker_logs":                     "getLogs",
		"docker_network":                  "getNetwork",
		"docker_plugin":                   "getPlugin",
		"docker_registry_image":           "getRegistryImage",
		"docker_registry_image_manifests": "getRegistryImageManifests",
	}
)

func lowerFirst(s string) string { return string(s[0]|0x20) + s[1:] }

// Provider returns the bridge configuration for plugin version `version`.
// Upstream resources the SDK does not know (e.g. the framework-based ones)
// are left out.
func Provider(version string) tfbridge.ProviderInfo {
	upstream := shim.NewProvider(version)
	for tf := range upstream.ResourcesMap {
		if _, ok := resources[tf]; !ok {
			delete(upstream.ResourcesMap, tf)
		}
	}
	for tf := range upstream.DataSourcesMap {
		if _, ok := dataSources[tf]; !ok {
			delete(upstream.DataSourcesMap, tf)
		}
	}

	info := tfbridge.ProviderInfo{
		P:            shimv2.NewProvider(upstream),
		Name:         "docker",
		Version:      version,
		GitHubOrg:    "kreuzwerker",
		MetadataInfo: tfbridge.NewProviderMetadata([]byte("{}")),
		Config: map[string]*tfbridge.SchemaInfo{
			// A list in Terraform whose SDK name is singular.
			"registry_auth": {Name: "registryAuth"},
		},
		Resources:   map[string]*tfbridge.ResourceInfo{},
		DataSources: map[string]*tfbridge.DataSourceInfo{},
	}
	for tf, name := range resources {
		info.Resources[tf] = &tfbridge.ResourceInfo{
			Tok: tokens.Type("docker:index/" + lowerFirst(name) + ":" + name),
		}
	}
	for tf, name := range dataSources {
		info.DataSources[tf] = &tfbridge.DataSourceInfo{
			Tok: tokens.ModuleMember("docker:index/" + name + ":" + name),
		}
	}

	container := info.Resources["docker_container"]
	// A container's name is unique per daemon: the old one must go first.
	container.DeleteBeforeReplace = true
	container.Fields = map[string]*tfbridge.SchemaInfo{
		// Lists that the SDK keeps singular: one command, one set of networks.
		"command":           {Name: "command"},
		"networks_advanced": {Name: "networksAdvanced"},
	}
	// The SDK calls an image by the name it pulls, not an auto-generated one.
	info.Resources["docker_image"].Fields = map[string]*tfbridge.SchemaInfo{
		"name": {Name: "name"},
	}

	// Names that Terraform requires become optional, generated from the
	// Pulumi resource name plus a random suffix, as in the published plugin.
	info.SetAutonaming(255, "-")
	return info
}
