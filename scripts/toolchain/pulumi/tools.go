//go:build tools

// Keeps the CLI's main package in this module's build list so that
// `go mod tidy` records every dependency it needs in go.sum.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
