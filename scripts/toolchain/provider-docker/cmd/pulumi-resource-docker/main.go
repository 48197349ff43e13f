// Command pulumi-resource-docker is the `docker` resource plugin for the npm
// SDK @pulumi/docker: the upstream Terraform Docker provider
// (kreuzwerker/terraform-provider-docker) served through
// pulumi-terraform-bridge.
//
// Why this project builds its own: the provider module Pulumi publishes
// (github.com/pulumi/pulumi-docker/provider) is not served by the Go module
// proxy these machines reach, and the prebuilt plugin comes from a download
// site they cannot reach. Only the bridged resources are served; the SDK's
// buildkit-based docker.Image (a native resource in Pulumi's plugin) is not.
package main

import (
	_ "embed"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"dind-compose.local/toolchain/provider-docker/mapping"
)

// version is the plugin version the SDK asks for; set with
// -ldflags "-X main.version=...". The bridge refuses to start without one.
var version = ""

// schema.json is generated at build time by ../schema (scripts/toolchain.sh
// does it in a scratch copy of this module) and served by GetSchema.
//
//go:embed schema.json
var schema []byte

func main() {
	if version == "" {
		fmt.Fprintln(os.Stderr, "pulumi-resource-docker: built without a version (-ldflags -X main.version=...)")
		os.Exit(1)
	}
	tfbridge.Main("docker", version, mapping.Provider(version), schema)
}
