// Package backend chooses the GoMLX backend that bgdlab's library, notebooks and
// CLI run on, deciding only from environment variables and files present: it
// never downloads a PJRT plugin and never touches the network.
//
// Resolution order: $BGDLAB_BACKEND, then GoMLX's own $GOMLX_BACKEND, then
// "auto", which picks XLA (cuda before cpu) when a PJRT plugin is installed
// where go-xla looks ($PJRT_PLUGIN_LIBRARY_PATH, ~/.local/lib/go-xla, ...)
// and the embedded pure-Go backend ("go") otherwise, saying so once on
// stderr. The plugin scripts/setup installs in the project (.tools/pjrt) is
// used when XLA is asked for ("xla", "xla:cpu"); it does not change the
// default.
package backend

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/go-xla/compute/xla"
	"github.com/gomlx/go-xla/pjrt"

	// Installs the efficient matrix-product gradients for every graph built
	// with a backend from this package.
	_ "github.com/bgdlab/bgdlab/pkg/vjp"
)

// EnvVar is the environment variable that selects bgdlab's backend. It takes
// precedence over GoMLX's own GOMLX_BACKEND.
const EnvVar = "BGDLAB_BACKEND"

// DefaultGoOptions are the pure-Go backend options used for "go" unless the
// user gives their own ("go:ops_parallel", "go:parallelism=2", ...).
// GoMLX's parallel op scheduler still deadlocks in v0.28.3 (compute v0.1.3;
// re-checked 2026-12-02):
// independent ops run as worker-pool tasks, and a large matrix product in
// one of them waits in the pool's Saturate for a worker that never frees up.
// TestParallelSchedulerStillDeadlocks reproduces it (eight 512³ products on
// two workers), and bgdlab bench hung on the CNN's matrix products. Ops in
// sequence avoid it; each large op still uses every core. Parallel ops were
// faster where they did finish (a 30-layer MLP: 27.9 s against 37.8 s; the
// CNN: 159 s against 200 s), so "go:ops_parallel" is there for whoever
// accepts the risk.
const DefaultGoOptions = "ops_sequential"

// Names lists the backend configurations bgdlab accepts. "xla" means the best
// installed PJRT plugin; "xla:NAME" a specific one; "auto" XLA if a plugin is
// installed, else "go".
var Names = []string{"auto", "go", "xla", "xla:cpu", "xla:cuda"}

// Info describes the backend that was chosen and why.
type Info struct {
	// Config is the GoMLX configuration used, e.g. "go" or "xla:cpu".
	Config string
	// Requested is what the user asked for ("auto" when nothing was set) and
	// Source where it came from (an environment variable or "default").
	Requested, Source string
	// Reason explains the choice in one sentence.
	Reason string
	// Plugins maps the PJRT plugins installed where go-xla looks to their
	// paths, and ProjectPlugins those scripts/setup installed in .tools/pjrt.
	Plugins, ProjectPlugins map[string]string
	// PluginPath is the path of the plugin in use, empty for "go".
	PluginPath string
	// Fallback is true when XLA was wanted by default but unavailable.
	Fallback bool
}

var (
	fallbackOnce sync.Once
	// Warnings is where the one-time fallback message goes (stderr by default).
	Warnings io.Writer = os.Stderr
)

func init() {
	// Never let GoMLX's auto-installer reach GitHub: bgdlab decides from files.
	xla.EnableAutoInstall(false)
	_ = os.Setenv(xla.NoAutoInstallEnv, "1")
}

// Requested returns the backend configuration asked for by the environment and
// where it came from.
func Requested() (config, source string) {
	if v := strings.TrimSpace(os.Getenv(EnvVar)); v != "" {
		return v, "$" + EnvVar
	}
	if v := strings.TrimSpace(os.Getenv(compute.ConfigEnvVar)); v != "" {
		return v, "$" + compute.ConfigEnvVar
	}
	return "auto", "default"
}

// Plugins returns the locally installed PJRT plugins (name → path), searched in
// $PJRT_PLUGIN_LIBRARY_PATH or, if unset, /usr/local/lib/go-xla,
// ~/.local/lib/go-xla and the system library directories. It never downloads.
// When a file there is named like a plugin but does not load, it returns no
// plugins (see ScanPlugins for the error).
func Plugins() map[string]string {
	found, _ := ScanPlugins()
	return found
}

// ScanPlugins is Plugins with the error: go-xla (v0.4.1; v0.4.2 not re-checked) panics while scanning
// when a file named like a plugin (pjrt_c_api_*_plugin.so, ...) is not a
// loadable PJRT plugin; the error says where to look and what to do.
func ScanPlugins() (found map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			where := os.Getenv("PJRT_PLUGIN_LIBRARY_PATH")
			if where == "" {
				where = "~/.local/lib/go-xla, /usr/local/lib/go-xla or the system library folders"
			}
			found, err = map[string]string{}, fmt.Errorf("a file named like a PJRT plugin in %s does not load (go-xla: %v; the warning above names it): remove it or point PJRT_PLUGIN_LIBRARY_PATH at a folder with a working plugin", where, r)
		}
	}()
	found = pjrt.AvailablePlugins()
	if found == nil {
		found = map[string]string{}
	}
	return found, nil
}

// Resolve decides which backend configuration to use without creating it.
func Resolve() (Info, error) {
	req, src := Requested()
	info := Info{Requested: req, Source: src, Plugins: map[string]string{}, ProjectPlugins: projectPlugins()}
	name, plugin, _ := strings.Cut(strings.ToLower(req), ":")
	var scanErr error
	if name != "go" && name != "simplego" { // "go" never looks at plugins
		info.Plugins, scanErr = ScanPlugins()
	}
	switch name {
	case "go", "simplego": // simplego: the name before GoMLX v0.28
		info.Config = "go"
		if plugin != "" { // options, e.g. go:ops_parallel,parallelism=2
			opts := strings.SplitN(req, ":", 2)[1]
			if err := checkGoOptions(opts); err != nil {
				return info, fmt.Errorf("%s=%s: %w", EnvVar, req, err)
			}
			info.Config = "go:" + opts
		}
		info.Reason = fmt.Sprintf("pure-Go backend requested by %s", src)
	case "auto", "":
		if p := bestPlugin(info.Plugins); p != "" {
			info.Config = "xla:" + p
			info.PluginPath = info.Plugins[p]
			info.Reason = fmt.Sprintf("PJRT plugin %q found at %s", p, info.PluginPath)
		} else {
			info.Config = "go"
			info.Fallback = true
			info.Reason = "the default; no PJRT plugin is installed (scripts/setup installs the XLA CPU plugin from PyPI)"
			if p := bestPlugin(info.ProjectPlugins); p != "" {
				info.Reason = fmt.Sprintf("the default; an XLA %s plugin is installed at %s: set %s=xla to use it", strings.ToUpper(p), info.ProjectPlugins[p], EnvVar)
			}
			if scanErr != nil {
				info.Reason = "the default; " + scanErr.Error()
			}
		}
	case "xla", "stablehlo":
		if scanErr != nil {
			return info, fmt.Errorf("backend %q requested by %s: %w", req, src, scanErr)
		}
		all := allPlugins(info.Plugins, info.ProjectPlugins)
		if plugin == "" {
			plugin = bestPlugin(all)
			if plugin == "" {
				return info, fmt.Errorf("backend %q requested by %s, but no PJRT plugin is installed locally: run scripts/setup to install the XLA CPU plugin, set PJRT_PLUGIN_LIBRARY_PATH to a folder with pjrt_c_api_cpu_plugin.so, or use %s=go", req, src, EnvVar)
			}
		}
		path, ok := all[plugin]
		if !ok {
			return info, fmt.Errorf("backend %q requested by %s, but PJRT plugin %q is not installed (found: %s): run scripts/setup, or choose one of %s", req, src, plugin, pluginList(all), strings.Join(Names, ", "))
		}
		info.Config = "xla:" + plugin
		info.PluginPath = path
		info.Reason = fmt.Sprintf("XLA requested by %s; plugin %q at %s", src, plugin, path)
	default:
		return info, fmt.Errorf("unknown backend %q (from %s): valid backends are %s", req, src, strings.Join(Names, ", "))
	}
	return info, nil
}

// projectPlugins returns the PJRT plugins scripts/setup installed in the
// project's .tools/pjrt (see ProjectPluginDir), name → path.
func projectPlugins() map[string]string {
	found := map[string]string{}
	dir := ProjectPluginDir()
	if dir == "" {
		return found
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "pjrt_c_api_*_plugin.so"))
	// go-xla's CUDA installer (scripts/cudaplugin) puts the plugin beside
	// the NVIDIA libraries it loads.
	cuda, _ := filepath.Glob(filepath.Join(dir, "nvidia", "pjrt_c_api_cuda_plugin.so"))
	paths = append(paths, cuda...)
	for _, p := range paths {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "pjrt_c_api_"), "_plugin.so")
		found[name] = p
	}
	return found
}

// ProjectPluginDir returns the folder where scripts/setup installs PJRT
// plugins, <repository>/.tools/pjrt, found next to the running executable
// (.tools/bin/bgdlab) or by walking up to bgdlab's go.mod from the working
// directory, $BGDLAB_ROOT or $GONB_DIR (a notebook's folder: a GoNB cell
// runs in a temporary module elsewhere); "" when there is none.
func ProjectPluginDir() string {
	var roots []string
	if exe, err := os.Executable(); err == nil {
		roots = append(roots, filepath.Dir(filepath.Dir(exe))) // .tools/bin/.. = .tools
	}
	starts := []string{os.Getenv("BGDLAB_ROOT"), os.Getenv("GONB_DIR")}
	if wd, err := os.Getwd(); err == nil {
		starts = append([]string{wd}, starts...)
	}
	for _, start := range starts {
		if root := checkoutAbove(start); root != "" {
			roots = append(roots, filepath.Join(root, ".tools"))
		}
	}
	for _, r := range roots {
		dir := filepath.Join(r, "pjrt")
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	return ""
}

// checkoutAbove returns the bgdlab checkout holding dir (its go.mod names
// the module), walking up; "" when none does or dir is "".
func checkoutAbove(dir string) string {
	if dir == "" {
		return ""
	}
	for d := dir; ; d = filepath.Dir(d) {
		if mod, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.HasPrefix(string(mod), "module github.com/bgdlab/bgdlab\n") {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// InstalledPlugins returns every PJRT plugin XLA may use here (name → path):
// those where go-xla looks, then the project's .tools/pjrt. Its error is
// ScanPlugins'; the project's plugins are returned with it.
func InstalledPlugins() (map[string]string, error) {
	system, err := ScanPlugins()
	return allPlugins(system, projectPlugins()), err
}

// allPlugins merges plugin maps; the first map holding a name wins.
func allPlugins(maps ...map[string]string) map[string]string {
	all := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			if _, ok := all[k]; !ok {
				all[k] = v
			}
		}
	}
	return all
}

func bestPlugin(plugins map[string]string) string {
	for _, p := range xla.DefaultPlugins { // cuda, then cpu
		if _, ok := plugins[p]; ok {
			return p
		}
	}
	return ""
}

func pluginList(plugins map[string]string) string {
	if len(plugins) == 0 {
		return "none"
	}
	var names []string
	for n := range plugins {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// New returns the backend chosen by Resolve. When XLA was the default
// preference but no plugin is installed it prints, once per process, a line
// saying that the pure-Go backend is used and how to get XLA.
func New() (compute.Backend, Info, error) {
	info, err := Resolve()
	if err != nil {
		return nil, info, err
	}
	if info.Fallback {
		fallbackOnce.Do(func() {
			if noteOncePerKernel() {
				fmt.Fprintf(Warnings, "bgdlab: using the embedded pure-Go backend (go), %s (%s=go silences this note)\n", info.Reason, EnvVar)
			}
		})
	}
	b, err := NewWithConfig(info.Config)
	return b, info, err
}

// noteOncePerKernel reports whether the fallback note should be printed: in a
// GoNB kernel every cell is a new process, so a marker file in the kernel's
// temporary folder keeps the note to the first cell.
func noteOncePerKernel() bool {
	dir := os.Getenv("GONB_TMP_DIR")
	if dir == "" {
		return true
	}
	f, err := os.OpenFile(filepath.Join(dir, ".bgdlab-backend-noted"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// MustNew is New for notebooks and examples: it panics on error.
func MustNew() compute.Backend {
	b, _, err := New()
	if err != nil {
		panic(err)
	}
	return b
}

// NewWithConfig creates the backend for a resolved configuration ("go",
// "xla:cpu", ...), turning GoMLX's panics into errors.
func NewWithConfig(config string) (b compute.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("creating backend %q: %v", config, r)
		}
	}()
	if config == "go" || strings.HasPrefix(config, "go:") {
		opts := strings.TrimPrefix(strings.TrimPrefix(config, "go"), ":")
		if opts == "" {
			opts = DefaultGoOptions // see its doc: the parallel scheduler deadlocks
		}
		warnAsyncPreempt()
		return gobackend.New(opts)
	}
	name, plugin, _ := strings.Cut(config, ":")
	if name != "xla" {
		return nil, fmt.Errorf("unknown backend %q: valid backends are %s", config, strings.Join(Names, ", "))
	}
	installed, err := InstalledPlugins()
	if err != nil {
		return nil, err
	}
	path, ok := installed[plugin]
	if !ok {
		return nil, fmt.Errorf("PJRT plugin %q is not installed: run scripts/setup or use %s=go", plugin, EnvVar)
	}
	b, err = xla.New(path)
	if err != nil {
		return nil, fmt.Errorf("loading PJRT plugin %s: %w", path, err)
	}
	return b, nil
}

// Versions returns the Go, GoMLX and go-xla versions linked into this binary.
func Versions() map[string]string {
	v := map[string]string{"go": runtime.Version(), "gomlx": "unknown", "go-xla": "unknown", "bgdlab": "devel"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v["bgdlab"] = bi.Main.Version
		}
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/gomlx/gomlx":
				v["gomlx"] = d.Version
			case "github.com/gomlx/go-xla":
				v["go-xla"] = d.Version
			}
		}
	}
	return v
}

// Describe writes a human-readable report of the backend: configuration,
// reason, devices, plugin and versions.
func Describe(w io.Writer, b compute.Backend, info Info) {
	fmt.Fprintf(w, "backend:   %s\n", info.Config)
	fmt.Fprintf(w, "requested: %s (from %s)\n", info.Requested, info.Source)
	fmt.Fprintf(w, "reason:    %s\n", info.Reason)
	if b != nil {
		fmt.Fprintf(w, "describe:  %s\n", b.Description())
		for i := 0; i < b.NumDevices(); i++ {
			fmt.Fprintf(w, "device %d:  %s\n", i, b.DeviceDescription(compute.DeviceNum(i)))
		}
	}
	if info.PluginPath != "" {
		fmt.Fprintf(w, "plugin:    %s\n", info.PluginPath)
	}
	fmt.Fprintf(w, "plugins:   %s\n", pluginList(info.Plugins))
	if len(info.ProjectPlugins) > 0 {
		fmt.Fprintf(w, "project:   %s in %s (used when %s=xla)\n", pluginList(info.ProjectPlugins), ProjectPluginDir(), EnvVar)
	}
	fmt.Fprintf(w, "malloc:    %s\n", mallocSummary(os.Getenv("GLIBC_TUNABLES")))
	c := DetectCPU()
	fmt.Fprintf(w, "simd:      %s\n", c.simdSummary())
	fmt.Fprintf(w, "cpu:       %s (%s, %d cores; flags %s)\n", c.Model, c.Arch, c.Cores, c.Flags())
	v := Versions()
	fmt.Fprintf(w, "versions:  bgdlab %s, GoMLX %s, go-xla %s, %s\n", v["bgdlab"], v["gomlx"], v["go-xla"], v["go"])
}

// ErrNoPlugin is returned by RequireXLA when no PJRT plugin is installed.
var ErrNoPlugin = errors.New("no PJRT plugin installed: run scripts/setup (installs the XLA CPU plugin from PyPI) or set PJRT_PLUGIN_LIBRARY_PATH")

// checkGoOptions checks the pure-Go backend's options before GoMLX reads
// them: GoMLX takes any integer as parallelism (a negative one meaning no
// limit), so parallelism=-3 would run without a word.
func checkGoOptions(opts string) error {
	for _, part := range strings.Split(opts, ",") {
		key, value, hasValue := strings.Cut(strings.TrimSpace(part), "=")
		if key != "parallelism" {
			continue // GoMLX refuses unknown options itself, listing the valid ones
		}
		n, err := strconv.Atoi(value)
		if !hasValue || err != nil || n < -1 {
			return fmt.Errorf("parallelism=%s must be a whole number of workers ≥ 1 (0: none beyond the caller, -1: no limit)", value)
		}
	}
	return nil
}
