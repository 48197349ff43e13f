// Package shim exposes the upstream Terraform TLS provider (a
// terraform-plugin-framework provider kept in an internal package) to the
// Pulumi bridge.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"

	tlsprovider "github.com/hashicorp/terraform-provider-tls/internal/provider"
)

// NewProvider returns a new instance of the upstream framework provider.
func NewProvider() provider.Provider {
	return tlsprovider.New()
}
