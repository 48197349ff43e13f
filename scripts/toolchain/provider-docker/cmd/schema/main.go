// Command schema prints the Pulumi package schema of the docker plugin, as
// the bridge's generator derives it from the upstream provider and the
// mapping. scripts/toolchain.sh embeds its output in the plugin.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"

	"dind-compose.local/toolchain/provider-docker/mapping"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: schema VERSION > schema.json")
		os.Exit(2)
	}
	sink := diag.DefaultSink(os.Stderr, os.Stderr, diag.FormatOptions{Color: colors.Never})
	res, err := tfgen.GenerateSchemaWithOptions(tfgen.GenerateSchemaOptions{
		ProviderInfo:    mapping.Provider(os.Args[1]),
		DiagnosticsSink: sink,
		XInMemoryDocs:   true, // docs from the provider schema only: no repository lookups
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "schema: %v\n", err)
		os.Exit(1)
	}
	out, err := json.MarshalIndent(res.PackageSpec, "", "  ")
	if err != nil {
		fmt.Fprintf(os.Stderr, "schema: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.Write(append(out, '\n'))
}
