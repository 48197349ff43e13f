// Command pulumi-language-nodejs is dind-compose's own Node.js language host
// for the Pulumi engine.
//
// Why it exists: Pulumi's language host is a separate Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) that
// the Go module proxy reachable from this project's machines does not serve,
// and its prebuilt binary comes from a download site they cannot reach. The
// real work of running a program is done by the npm package @pulumi/pulumi
// (its cmd/run entry point), so the host only has to start `node` on that
// entry point with the engine's addresses, configuration and options, and
// report plugins that the program's npm dependencies declare.
//
// Supported: preview/up/destroy/refresh of JavaScript and TypeScript programs
// (runtime options typescript, tsconfig, nodeargs), required-plugin discovery,
// `pulumi install` via npm, `pulumi about`. Not supported: code generation,
// templates, running plugins written in Node.js, attaching a debugger.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/google/shlex"
	"google.golang.org/grpc"
	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	// Only the generated protocol package: the rest of the Go SDK pulls in
	// dependencies that the module proxy does not serve at this release.
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "0.0.0-dev"

// bailExitCode is the exit code @pulumi/pulumi's cmd/run uses after it has
// already shown the user an actionable error (the host must add nothing).
const bailExitCode = 32

func main() {
	opts, engineAddress, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(2)
	}
	host := &nodeHost{engineAddress: engineAddress, defaults: opts}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not listen on 127.0.0.1: %v\n", err)
		os.Exit(1)
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(maxMessageSize), grpc.MaxSendMsgSize(maxMessageSize))
	pulumirpc.RegisterLanguageRuntimeServer(srv, host)

	// The engine reads the port from the first line of stdout, and stops the
	// host with SIGINT/SIGTERM or by closing our stdin.
	fmt.Printf("%d\n", lis.Addr().(*net.TCPAddr).Port)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		srv.Stop()
	}()
	if err := srv.Serve(lis); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

// maxMessageSize matches the engine's own gRPC limit (large configs and
// program outputs travel through this server).
const maxMessageSize = 400 * 1024 * 1024

// runtimeOptions are the `runtime.options` of Pulumi.yaml that this host
// understands. Older engines pass them as flags, newer ones in ProgramInfo.
type runtimeOptions struct {
	typescript     bool
	tsconfig       string
	nodeargs       string
	packageManager string
	tracing        string
}

// parseArgs accepts the flags engines of any 3.x version pass to language
// hosts (unknown ones are ignored, so a newer engine does not break the host)
// and returns the engine address, which is always the last argument.
func parseArgs(args []string) (runtimeOptions, string, error) {
	opts := runtimeOptions{typescript: true}
	var positional []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") {
			positional = append(positional, arg)
			continue
		}
		name := strings.TrimLeft(arg, "-")
		value, hasValue := "", false
		if k, v, ok := strings.Cut(name, "="); ok {
			name, value, hasValue = k, v, true
		}
		takesValue := map[string]bool{
			"root": true, "tracing": true, "tsconfig": true, "nodeargs": true,
			"packagemanager": true, "binary": true, "name": true,
		}
		if !hasValue && takesValue[name] && i+1 < len(args) {
			i++
			value = args[i]
		}
		switch name {
		case "typescript":
			opts.typescript = !hasValue || value == "true"
		case "tsconfig":
			opts.tsconfig = value
		case "nodeargs":
			opts.nodeargs = value
		case "packagemanager":
			opts.packageManager = value
		case "tracing":
			opts.tracing = value
		}
	}
	if len(positional) == 0 {
		return opts, "", errors.New("missing required engine RPC address argument")
	}
	return opts, positional[len(positional)-1], nil
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string
	defaults      runtimeOptions
}

// options merges the ProgramInfo options (newer engines) over the flags.
func (h *nodeHost) options(info *pulumirpc.ProgramInfo) runtimeOptions {
	opts := h.defaults
	if info == nil || info.GetOptions() == nil {
		return opts
	}
	for key, value := range info.GetOptions().GetFields() {
		switch key {
		case "typescript":
			if b, ok := value.GetKind().(*structpb.Value_BoolValue); ok {
				opts.typescript = b.BoolValue
			}
		case "tsconfig":
			opts.tsconfig = value.GetStringValue()
		case "nodeargs":
			opts.nodeargs = value.GetStringValue()
		case "packagemanager":
			opts.packageManager = value.GetStringValue()
		}
	}
	return opts
}

func (h *nodeHost) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *nodeHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *nodeHost) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	pkgs, err := pulumiPackages(dir)
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, p := range pkgs {
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
		})
	}
	return resp, nil
}

func (h *nodeHost) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, err := pulumiPackages(req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

// packageJSON is the part of an npm package.json this host reads.
type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// nodeModulesDirs lists the node_modules directories Node's resolution would
// search from dir, nearest first.
func nodeModulesDirs(dir string) []string {
	var dirs []string
	for d := dir; ; d = filepath.Dir(d) {
		nm := filepath.Join(d, "node_modules")
		if st, err := os.Stat(nm); err == nil && st.IsDir() {
			dirs = append(dirs, nm)
		}
		if filepath.Dir(d) == d {
			return dirs
		}
	}
}

// installedPackages walks the top level of every visible node_modules
// directory (scoped packages included) and returns each package.json once,
// the nearest copy winning, as Node's resolution would.
func installedPackages(dir string) (map[string]*packageJSON, error) {
	found := map[string]*packageJSON{}
	for _, nm := range nodeModulesDirs(dir) {
		entries, err := os.ReadDir(nm)
		if err != nil {
			return nil, err
		}
		var candidates []string
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "@") {
				scoped, err := os.ReadDir(filepath.Join(nm, e.Name()))
				if err != nil {
					continue
				}
				for _, s := range scoped {
					candidates = append(candidates, filepath.Join(e.Name(), s.Name()))
				}
			} else if !strings.HasPrefix(e.Name(), ".") {
				candidates = append(candidates, e.Name())
			}
		}
		for _, c := range candidates {
			if _, seen := found[c]; seen {
				continue
			}
			p, err := readPackageJSON(filepath.Join(nm, c, "package.json"))
			if err != nil {
				continue // not a package (or unreadable): Node would skip it too
			}
			found[c] = p
		}
	}
	return found, nil
}

// pulumiPackages returns the resource plugins that installed npm packages
// declare with a `"pulumi": {"resource": true, ...}` block.
func pulumiPackages(dir string) ([]*pulumirpc.PackageDependency, error) {
	if dir == "" {
		return nil, nil
	}
	installed, err := installedPackages(dir)
	if err != nil {
		return nil, err
	}
	var pkgs []*pulumirpc.PackageDependency
	for npmName, p := range installed {
		if p.Pulumi == nil || !p.Pulumi.Resource {
			continue
		}
		name := p.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(npmName, "@pulumi/")
		}
		v := p.Pulumi.Version
		if v == "" {
			v = p.Version
		}
		if v != "" && !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		pkgs = append(pkgs, &pulumirpc.PackageDependency{
			Name: name, Kind: "resource", Version: v, Server: p.Pulumi.Server,
		})
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].Name < pkgs[j].Name })
	return pkgs, nil
}

func (h *nodeHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	manifest, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	installed, err := installedPackages(dir)
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	names := map[string]bool{}
	for n := range manifest.Dependencies {
		names[n] = true
	}
	if req.GetTransitiveDependencies() {
		for n := range installed {
			names[n] = true
		}
	}
	for n := range names {
		v := manifest.Dependencies[n]
		if p, ok := installed[n]; ok {
			v = p.Version
		}
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: n, Version: v})
	}
	sort.Slice(resp.Dependencies, func(i, j int) bool {
		return resp.Dependencies[i].Name < resp.Dependencies[j].Name
	})
	return resp, nil
}

func (h *nodeHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("could not find `node` on PATH: install Node.js")
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("`node --version` failed: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

// InstallDependencies runs the project's package manager (npm unless
// runtime.options.packagemanager says otherwise) in the program directory.
func (h *nodeHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest,
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	manager := h.options(req.GetInfo()).packageManager
	if manager == "" || manager == "auto" {
		manager = "npm"
	}
	bin, err := exec.LookPath(manager)
	if err != nil {
		return fmt.Errorf("could not find package manager %q on PATH", manager)
	}
	stdout := &streamWriter{send: func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b})
	}}
	stderr := &streamWriter{send: func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b})
	}}
	cmd := exec.CommandContext(server.Context(), bin, "install")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("`%s install` in %s failed: %w", manager, dir, err)
	}
	return nil
}

// streamWriter forwards writes to a gRPC stream, one message per write.
type streamWriter struct {
	mu   sync.Mutex
	send func([]byte) error
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.send(append([]byte(nil), p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Run starts @pulumi/pulumi's cmd/run entry point under node, the way the
// upstream host does: engine addresses and run settings as flags, the
// configuration and runtime options as environment variables.
func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	entryPoint := info.GetEntryPoint()
	if entryPoint == "" {
		entryPoint = req.GetProgram() //nolint:staticcheck // older engines
	}
	if entryPoint == "" {
		entryPoint = "."
	}
	program := entryPoint
	if !filepath.IsAbs(program) {
		program = filepath.Join(programDir, program)
	}
	opts := h.options(info)

	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("could not find `node` on PATH: install Node.js to run this program")
	}
	runPath, err := resolveRunScript(ctx, node, programDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args, err := shlex.Split(opts.nodeargs)
	if err != nil {
		return nil, fmt.Errorf("runtime option nodeargs %q: %w", opts.nodeargs, err)
	}
	args = append(args, runPath, "--monitor="+req.GetMonitorAddress())
	if h.engineAddress != "" {
		args = append(args, "--engine="+h.engineAddress)
	}
	for flag, value := range map[string]string{
		"organization":   req.GetOrganization(),
		"project":        req.GetProject(),
		"stack":          req.GetStack(),
		"pwd":            req.GetPwd(),
		"root-directory": info.GetRootDirectory(),
		"tracing":        opts.tracing,
	} {
		if value != "" {
			args = append(args, "--"+flag+"="+value)
		}
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 1 {
		args = append(args, "--parallel="+strconv.Itoa(int(req.GetParallel())))
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secrets),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript),
	)
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	if req.GetLoaderTarget() != "" {
		env = append(env, "PULUMI_LOADER_TARGET="+req.GetLoaderTarget())
	}

	cmd := exec.Command(node, args...)
	cmd.Dir = req.GetPwd()
	if cmd.Dir == "" {
		cmd.Dir = programDir
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting node: %w", err)
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGINT)
		case <-done:
		}
	}()
	err = cmd.Wait()
	close(done)

	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr):
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok {
			if status.Signaled() {
				return &pulumirpc.RunResponse{
					Error: fmt.Sprintf("Program exited due to signal %v", status.Signal()),
				}, nil
			}
			if status.ExitStatus() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", status.ExitStatus()),
			}, nil
		}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program: %v", err)}, nil
}

// resolveRunScript finds @pulumi/pulumi's cmd/run from the program
// directory, i.e. the copy of the SDK the program itself will load.
func resolveRunScript(ctx context.Context, node, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, node, "-e",
		"process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run'))")
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("could not find @pulumi/pulumi from %s; run `npm install` there first "+
			"(%v: %s)", dir, err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

var _ io.Writer = (*streamWriter)(nil)
