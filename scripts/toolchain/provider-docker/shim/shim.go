// Package shim exposes the upstream Terraform Docker provider's SDKv2
// provider (kept in an internal package) to the Pulumi bridge.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	dockerprovider "github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns a new instance of the upstream SDKv2 provider.
func NewProvider(version string) *schema.Provider {
	return dockerprovider.New(version)()
}
