// Command pulumi-resource-tls is the `tls` resource plugin for the npm SDK
// @pulumi/tls: the upstream Terraform TLS provider served through
// pulumi-terraform-bridge.
//
// Why this project builds its own: the provider module Pulumi publishes
// (github.com/pulumi/pulumi-tls/provider/v5) is not served by the Go module
// proxy these machines reach, and the prebuilt plugin comes from a download
// site they cannot reach. The mapping below gives every Terraform resource
// and data source the token the SDK uses; property names follow the bridge's
// standard Terraform-to-Pulumi naming, which is how the SDK was generated.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-provider-tls/shim"
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// version is the plugin version the SDK asks for; set with
// -ldflags "-X main.version=...". The bridge refuses to start without one.
var version = ""

// The SDK's tokens: tls:index/<camelCaseName>:<Name> for resources and
// tls:index/<getName>:<getName> for data sources.
var (
	resources = map[string]string{
		"tls_cert_request":        "CertRequest",
		"tls_locally_signed_cert": "LocallySignedCert",
		"tls_private_key":         "PrivateKey",
		"tls_self_signed_cert":    "SelfSignedCert",
	}
	dataSources = map[string]string{
		"tls_public_key":  "getPublicKey",
		"tls_certificate": "getCertificate",
	}
)

func lowerFirst(s string) string { return string(s[0]|0x20) + s[1:] }

func providerInfo() tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "tls",
		Version:      version,
		GitHubOrg:    "hashicorp",
		MetadataInfo: tfbridge.NewProviderMetadata([]byte("{}")),
		Resources:    map[string]*tfbridge.ResourceInfo{},
		DataSources:  map[string]*tfbridge.DataSourceInfo{},
		// Matches how the published SDK versions its resources' state.
		EnableZeroDefaultSchemaVersion: true,
	}
	for tf, name := range resources {
		info.Resources[tf] = &tfbridge.ResourceInfo{
			Tok: tokens.Type("tls:index/" + lowerFirst(name) + ":" + name),
		}
	}
	for tf, name := range dataSources {
		info.DataSources[tf] = &tfbridge.DataSourceInfo{
			Tok: tokens.ModuleMember("tls:index/" + name + ":" + name),
		}
	}
	return info
}

func main() {
	if version == "" {
		fmt.Fprintln(os.Stderr, "pulumi-resource-tls: built without a version (-ldflags -X main.version=...)")
		os.Exit(1)
	}
	pf.Main(context.Background(), "tls", providerInfo(), pf.ProviderMetadata{
		XGetSchema: getSchema,
	})
}
