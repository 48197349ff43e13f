package main

import (
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func TestParseArgsTakesTheEngineAddressLastAndToleratesUnknownFlags(t *testing.T) {
	opts, engine, err := parseArgs([]string{
		"--logtostderr", "-v=9", "--tracing", "http://127.0.0.1:9411", "-root", "/proj",
		"--some-future-flag", "127.0.0.1:4242",
	})
	if err != nil {
		t.Fatal(err)
	}
	if engine != "127.0.0.1:4242" {
		t.Errorf("engine address = %q", engine)
	}
	if opts.tracing != "http://127.0.0.1:9411" || !opts.typescript {
		t.Errorf("options = %+v", opts)
	}
	if _, _, err := parseArgs([]string{"--logtostderr"}); err == nil {
		t.Error("no engine address: want an error")
	}
}

func TestRuntimeOptionsFromProgramInfoOverrideFlags(t *testing.T) {
	h := &nodeHost{defaults: runtimeOptions{typescript: true, nodeargs: "--flag-from-args"}}
	options, err := structpb.NewStruct(map[string]any{
		"typescript": false, "nodeargs": "--max-old-space-size=4096", "tsconfig": "tsconfig.pulumi.json",
	})
	if err != nil {
		t.Fatal(err)
	}
	got := h.options(&pulumirpc.ProgramInfo{Options: options})
	if got.typescript || got.nodeargs != "--max-old-space-size=4096" || got.tsconfig != "tsconfig.pulumi.json" {
		t.Errorf("options = %+v", got)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRequiredPackagesComeFromResourcePackagesNearestFirst(t *testing.T) {
	root := t.TempDir()
	program := filepath.Join(root, "app")
	writeFile(t, filepath.Join(program, "package.json"), `{"name":"app"}`)
	writeFile(t, filepath.Join(program, "node_modules/@pulumi/docker/package.json"),
		`{"name":"@pulumi/docker","version":"5.2.0","pulumi":{"resource":true,"name":"docker","version":"5.2.0"}}`)
	writeFile(t, filepath.Join(program, "node_modules/@pulumi/pulumi/package.json"),
		`{"name":"@pulumi/pulumi","version":"3.270.0"}`)
	writeFile(t, filepath.Join(program, "node_modules/left-pad/package.json"), `{"name":"left-pad"}`)
	// A parent node_modules is visible too, but the nearest copy wins.
	writeFile(t, filepath.Join(root, "node_modules/@pulumi/docker/package.json"),
		`{"name":"@pulumi/docker","version":"4.0.0","pulumi":{"resource":true}}`)
	writeFile(t, filepath.Join(root, "node_modules/@pulumi/tls/package.json"),
		`{"name":"@pulumi/tls","version":"5.6.1","pulumi":{"resource":true}}`)

	pkgs, err := pulumiPackages(program)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range pkgs {
		if p.Kind != "resource" {
			t.Errorf("%s: kind %q", p.Name, p.Kind)
		}
		got[p.Name] = p.Version
	}
	want := map[string]string{"docker": "v5.2.0", "tls": "v5.6.1"}
	if len(got) != len(want) || got["docker"] != want["docker"] || got["tls"] != want["tls"] {
		t.Errorf("packages = %v, want %v", got, want)
	}
}
