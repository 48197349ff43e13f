// Command dind-compose-model prints a compose project's model exactly as the
// runner's `docker compose config --format json` sees it, plus every host file
// compose read to build it. It is compose's own loader (compose-go) driven
// the way docker compose v2.26.1 drives it, so the TypeScript program never
// re-implements the compose specification.
//
// The environment compose sees is the request's env only: this process's own
// environment is dropped first, because the runner's compose runs in a
// container with an environment of its own, not the host's.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/compose-spec/compose-go/v2/utils"
	"github.com/sirupsen/logrus"
)

const usage = `usage: dind-compose-model [--project-directory DIR] [-f FILE]... [-p NAME]
                          [--profile P]... [--env-file F]... [--env K=V]...
       dind-compose-model --stdin      (the same request as JSON on stdin)
       dind-compose-model --version

Prints {"project", "files", "composeFiles", "envFiles", "workingDir",
"warnings", "composeGo"} as JSON; "project" is what docker compose config
--format json prints (without its $ -> $$ escaping). Relative paths resolve
from the current directory, as compose's do. Compose sees only the variables
given with --env or the request's "env" (never this process's environment);
pass secrets through --stdin, not --env.

JSON request: {"projectDirectory": "", "files": [], "projectName": "",
"profiles": [], "envFiles": [], "env": {"K": "V"}}
`

// request mirrors compose's project flags plus the environment compose runs in.
type request struct {
	ProjectDirectory string            `json:"projectDirectory"`
	Files            []string          `json:"files"`
	ProjectName      string            `json:"projectName"`
	Profiles         []string          `json:"profiles"`
	EnvFiles         []string          `json:"envFiles"`
	Env              map[string]string `json:"env"`
}

type result struct {
	// Project is compose-go's Project.MarshalJSON, as `docker compose config --format json`.
	Project json.RawMessage `json:"project"`
	// Files are the host files compose read, absolute, each once, in reading order.
	Files []string `json:"files"`
	// ComposeFiles are the -f files (or the discovered default and its override).
	ComposeFiles []string `json:"composeFiles"`
	// EnvFiles are the .env / --env-file files used for interpolation.
	EnvFiles   []string `json:"envFiles"`
	WorkingDir string   `json:"workingDir"`
	// Warnings are what compose would print as WARN lines (e.g. the obsolete `version`).
	Warnings  []string `json:"warnings"`
	ComposeGo string   `json:"composeGo"`
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	req, err := parseArgs(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Print(usage)
			return
		}
		fmt.Fprintf(os.Stderr, "dind-compose-model: %v\n%s", err, usage)
		os.Exit(2)
	}
	if req == nil { // --version
		fmt.Println(composeGoVersion())
		return
	}
	out, err := load(context.Background(), req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err.Error())
		os.Exit(1)
	}
	b, err := json.Marshal(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err.Error())
		os.Exit(1)
	}
	os.Stdout.Write(append(b, '\n'))
}

func parseArgs(args []string) (*request, error) {
	fs := flag.NewFlagSet("dind-compose-model", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		req                               request
		files, profiles, envFiles, envKVs stringList
		fromStdin, version                bool
	)
	fs.StringVar(&req.ProjectDirectory, "project-directory", "", "")
	fs.Var(&files, "f", "")
	fs.Var(&files, "file", "")
	fs.StringVar(&req.ProjectName, "p", "", "")
	fs.StringVar(&req.ProjectName, "project-name", "", "")
	fs.Var(&profiles, "profile", "")
	fs.Var(&envFiles, "env-file", "")
	fs.Var(&envKVs, "env", "")
	fs.BoolVar(&fromStdin, "stdin", false, "")
	fs.BoolVar(&version, "version", false, "")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if version {
		return nil, nil
	}
	if fromStdin {
		if fs.NFlag() > 1 {
			return nil, errors.New("--stdin takes the whole request as JSON; give no other flags")
		}
		dec := json.NewDecoder(os.Stdin)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return nil, fmt.Errorf("reading the JSON request on stdin: %w", err)
		}
		return &req, nil
	}
	req.Files, req.Profiles, req.EnvFiles = files, profiles, envFiles
	req.Env = map[string]string{}
	for _, kv := range envKVs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--env %q: expected KEY=VALUE", kv)
		}
		req.Env[k] = v
	}
	return &req, nil
}

// load follows docker compose v2.26.1 (cmd/compose/compose.go and config.go)
// step by step, with the request's env as the process environment.
func load(ctx context.Context, req *request) (*result, error) {
	os.Clearenv()
	for k, v := range req.Env {
		if err := os.Setenv(k, v); err != nil {
			return nil, fmt.Errorf("env %q: %w", k, err)
		}
	}
	warnings := captureWarnings()

	// compose's ProjectOptions, as its flags set them.
	o := &composeFlags{
		ProjectName: req.ProjectName,
		Profiles:    append([]string{}, req.Profiles...),
		ConfigPaths: append([]string{}, req.Files...),
		ProjectDir:  req.ProjectDirectory,
		EnvFiles:    append([]string{}, req.EnvFiles...),
	}

	// PersistentPreRunE (1): setEnvWithDotEnv puts the env files' variables
	// into the process environment (the process's own values win), which is
	// how COMPOSE_FILE, COMPOSE_PROFILES... in .env take effect.
	if len(o.EnvFiles) == 0 {
		if envFiles := os.Getenv("COMPOSE_ENV_FILES"); envFiles != "" {
			o.EnvFiles = strings.Split(envFiles, ",")
		}
	}
	pre, err := o.toProjectOptions()
	if err != nil {
		return nil, err
	}
	envFromFile, err := dotenv.GetEnvFromFile(utils.GetAsEqualsMap(os.Environ()), pre.EnvFiles)
	if err != nil {
		return nil, err
	}
	for k, v := range envFromFile {
		if _, ok := os.LookupEnv(k); !ok {
			if err := os.Setenv(k, v); err != nil {
				return nil, err
			}
		}
	}
	// PersistentPreRunE (4): env files made absolute.
	for i, f := range o.EnvFiles {
		if !filepath.IsAbs(f) {
			if o.EnvFiles[i], err = filepath.Abs(f); err != nil {
				return nil, err
			}
		}
	}

	// `config`: configOptions.ToProjectOptions, then ProjectOptions.ToProject.
	// WithDiscardEnvFile is applied by hand below, after the env_file and
	// label_file paths are recorded.
	po := []cli.ProjectOptionsFn{
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithDefaultProfiles(o.Profiles...),
		cli.WithResourceLoader(remoteResources{}),
	}
	options, err := o.toProjectOptions(po...)
	if err != nil {
		return nil, err
	}
	var events []event
	options.WithListeners(func(name string, metadata map[string]any) {
		events = append(events, event{name, metadata})
	})
	project, err := options.LoadProject(ctx)
	if err != nil {
		return nil, err
	}
	if project.Name == "" {
		return nil, errors.New("project name can't be empty. Use `--project-name` to set a valid name")
	}
	if project, err = project.WithServicesEnabled(); err != nil {
		return nil, err
	}

	files := newFileSet()
	files.add(project.ComposeFiles...)
	files.add(options.EnvFiles...)
	files.addReferenced(events, project.WorkingDir)
	for name, s := range project.Services {
		for _, f := range s.EnvFiles {
			if isFile(f.Path) {
				files.add(f.Path)
			}
		}
		files.add(s.LabelFiles...)
		s.EnvFiles, s.LabelFiles = nil, nil // WithDiscardEnvFile
		project.Services[name] = s
	}

	project = project.WithoutUnnecessaryResources()
	if project, err = project.WithSelectedServices(nil); err != nil {
		return nil, err
	}
	model, err := project.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return &result{
		Project:      model,
		Files:        files.list,
		ComposeFiles: nonNil(project.ComposeFiles),
		EnvFiles:     nonNil(options.EnvFiles),
		WorkingDir:   project.WorkingDir,
		Warnings:     nonNil(*warnings),
		ComposeGo:    composeGoVersion(),
	}, nil
}

// composeFlags is compose's cmd/compose ProjectOptions (the project flags).
type composeFlags struct {
	ProjectName string
	Profiles    []string
	ConfigPaths []string
	ProjectDir  string
	EnvFiles    []string
}

// toProjectOptions is compose's ProjectOptions.toProjectOptions.
func (o *composeFlags) toProjectOptions(po ...cli.ProjectOptionsFn) (*cli.ProjectOptions, error) {
	return cli.NewProjectOptions(o.ConfigPaths,
		append(po,
			cli.WithWorkingDirectory(o.ProjectDir),
			cli.WithOsEnv,
			cli.WithConfigFileEnv,
			cli.WithDefaultConfigPath,
			cli.WithEnvFiles(o.EnvFiles...),
			cli.WithDotEnv,
			cli.WithDefaultProfiles(o.Profiles...),
			cli.WithName(o.ProjectName))...)
}

// remoteResources stands in for compose's git and OCI resource loaders: it
// claims the same references (so compose-go leaves them unresolved, as in
// compose) and refuses to fetch them.
type remoteResources struct{}

var _ loader.ResourceLoader = remoteResources{}

// An scp-like git reference (user@host:path), as buildkit's gitutil parses it.
var scpLike = regexp.MustCompile(`^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:`)

func (remoteResources) Accept(p string) bool {
	if strings.HasPrefix(p, "oci://") {
		return true
	}
	if strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") {
		return false
	}
	for _, prefix := range []string{"github.com/", "git://", "ssh://"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	if strings.HasPrefix(p, "https://") || strings.HasPrefix(p, "http://") {
		u, _, _ := strings.Cut(p, "#")
		return strings.HasSuffix(u, ".git")
	}
	return scpLike.MatchString(p)
}

func (remoteResources) Load(_ context.Context, p string) (string, error) {
	return "", fmt.Errorf("%s: remote compose resources (git, oci://) are not supported by dind-compose-model", p)
}

func (remoteResources) Dir(p string) string { return p }

type event struct {
	name     string
	metadata map[string]any
}

type fileSet struct {
	seen map[string]bool
	list []string
}

func newFileSet() *fileSet { return &fileSet{seen: map[string]bool{}, list: []string{}} }

func (s *fileSet) add(paths ...string) {
	for _, p := range paths {
		if p == "" || p == "-" || s.seen[p] {
			continue
		}
		s.seen[p] = true
		s.list = append(s.list, p)
	}
}

// addReferenced adds the files named by `extends.file` and `include`. The
// loader reports them as written; they resolve from the project's working
// directory or, when nested, from a file read before them.
func (s *fileSet) addReferenced(events []event, workingDir string) {
	dirs := []string{workingDir}
	resolve := func(p, base string) string {
		if p == "" || (remoteResources{}).Accept(p) {
			return ""
		}
		if filepath.IsAbs(p) {
			if isFile(p) {
				return p
			}
			return ""
		}
		candidates := dirs
		if base != "" {
			if !filepath.IsAbs(base) {
				base = filepath.Join(workingDir, base)
			}
			candidates = append([]string{base}, dirs...)
		}
		for _, d := range candidates {
			if f := filepath.Join(d, p); isFile(f) {
				return f
			}
		}
		return ""
	}
	for _, e := range events {
		switch e.name {
		case "extends":
			file, _ := e.metadata["file"].(string)
			if f := resolve(file, ""); f != "" {
				s.add(f)
				dirs = append(dirs, filepath.Dir(f))
			}
		case "include":
			base, _ := e.metadata["workingdir"].(string)
			var paths []string
			switch v := e.metadata["path"].(type) {
			case types.StringList:
				paths = v
			case []string:
				paths = v
			}
			for i, p := range paths {
				f := resolve(p, base)
				if f == "" {
					continue
				}
				s.add(f)
				dirs = append(dirs, filepath.Dir(f))
				// An include without env_file reads the .env beside its first file.
				if dotEnv := filepath.Join(filepath.Dir(f), ".env"); i == 0 && isFile(dotEnv) {
					s.add(dotEnv)
				}
			}
		}
	}
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// captureWarnings collects what compose-go logs at warning level (compose
// prints these as WARN[0000] lines) instead of printing them.
func captureWarnings() *[]string {
	var warnings []string
	logrus.SetOutput(io.Discard)
	logrus.AddHook(warningHook{&warnings})
	return &warnings
}

type warningHook struct{ into *[]string }

func (warningHook) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

func (h warningHook) Fire(e *logrus.Entry) error {
	*h.into = append(*h.into, e.Message)
	return nil
}

func composeGoVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == "github.com/compose-spec/compose-go/v2" {
				return m.Version
			}
		}
	}
	return "unknown"
}
