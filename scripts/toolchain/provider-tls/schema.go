package main

import (
	"context"
	"os"
	"sync"

	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

// The Pulumi package schema is generated from the upstream provider by the
// bridge's own generator (already part of the plugin), on the first
// GetSchema call only: running a program never asks for it.
var (
	schemaOnce  sync.Once
	schemaBytes []byte
	schemaErr   error
)

func getSchema(ctx context.Context, _ plugin.GetSchemaRequest) ([]byte, error) {
	schemaOnce.Do(func() {
		sink := diag.DefaultSink(os.Stderr, os.Stderr, diag.FormatOptions{Color: colors.Never})
		res, err := pftfgen.GenerateSchema(ctx, pftfgen.GenerateSchemaOptions{
			ProviderInfo:    providerInfo(),
			DiagnosticsSink: sink,
			XInMemoryDocs:   true, // docs from the provider schema only: no repository lookups
		})
		if err != nil {
			schemaErr = err
			return
		}
		schemaBytes = res.ProviderMetadata.PackageSchema
	})
	return schemaBytes, schemaErr
}
