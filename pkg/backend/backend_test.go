package backend_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/internal/testenv"
	"github.com/bgdlab/bgdlab/pkg/backend"
)

// pluginDir is the project-local plugin folder scripts/setup fills.
func pluginDir(t *testing.T) string {
	dir, _ := filepath.Abs("../../.tools/pjrt")
	return dir
}

// TestMain lets a test re-run this binary as a child with another environment:
// plugin search paths are read once per process, so each case needs its own.
func TestMain(m *testing.M) {
	if os.Getenv("BGDLAB_TEST_CHILD") == "faults" {
		faultsChild()
	}
	if os.Getenv("BGDLAB_TEST_CHILD") == "resolve" {
		b, info, err := backend.New()
		if err != nil {
			os.Stdout.WriteString("ERR " + err.Error() + "\n")
			os.Exit(0)
		}
		if err := backend.Check(b); err != nil {
			os.Stdout.WriteString("CHECKFAIL " + err.Error() + "\n")
			os.Exit(0)
		}
		os.Stdout.WriteString("OK " + info.Config + " fallback=" + map[bool]string{true: "yes", false: "no"}[info.Fallback] + "\n")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// requirePlugin skips (BGDLAB_NO_XLA=1) or reports as missing (fails under
// CI=true) a test that needs the XLA CPU plugin scripts/setup installs.
func requirePlugin(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pluginDir(t), "pjrt_c_api_cpu_plugin.so")); err == nil {
		return
	}
	if os.Getenv("BGDLAB_NO_XLA") == "1" {
		t.Skip("BGDLAB_NO_XLA=1: no XLA plugin wanted")
	}
	testenv.Missing(t, "the XLA CPU plugin in .tools/pjrt", "run scripts/setup (it installs lammps-jax-pjrt-cpu from PyPI)")
}

// child runs this test binary in dir (where the project plugin is looked up
// from) with env added to a clean copy of the environment.
func child(t *testing.T, dir string, env ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Dir = dir
	base := []string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "BGDLAB_BACKEND=") || strings.HasPrefix(kv, "GOMLX_BACKEND=") || strings.HasPrefix(kv, "PJRT_PLUGIN_LIBRARY_PATH=") || strings.HasPrefix(kv, "GONB_TMP_DIR=") {
			continue
		}
		base = append(base, kv)
	}
	cmd.Env = append(append(base, "BGDLAB_TEST_CHILD=resolve"), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("child failed: %v\n%s", err, errb.String())
	}
	return out.String(), errb.String()
}

func TestResolve(t *testing.T) {
	empty := t.TempDir()
	repo, _ := filepath.Abs("../..")
	// A file named like a plugin that is not one (go-xla v0.4.1 panics on it).
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "pjrt_c_api_cpu_plugin.so"), []byte("not an ELF file"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		env        []string
		wantPrefix string // of stdout
		wantStderr string // substring, "" means stderr must be empty
		needPlugin bool
		inRepo     bool // run inside the repository, where .tools/pjrt is found
	}{
		{"auto without plugin falls back to go and says so", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty}, "OK go fallback=yes", "using the embedded pure-Go backend (go), the default; no PJRT plugin is installed", false, false},
		{"explicit go is silent", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty, "BGDLAB_BACKEND=go"}, "OK go fallback=no", "", false, false},
		{"GOMLX_BACKEND is honoured", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty, "GOMLX_BACKEND=go"}, "OK go fallback=no", "", false, false},
		{"BGDLAB_BACKEND wins over GOMLX_BACKEND", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty, "GOMLX_BACKEND=xla", "BGDLAB_BACKEND=go"}, "OK go", "", false, false},
		{"unknown name lists the valid ones", []string{"BGDLAB_BACKEND=tpu9"}, "ERR unknown backend \"tpu9\" (from $BGDLAB_BACKEND): valid backends are auto, go, xla", "", false, false},
		{"xla without plugin is an error, not a download", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty, "BGDLAB_BACKEND=xla"}, "ERR backend \"xla\" requested by $BGDLAB_BACKEND, but no PJRT plugin is installed", "", false, false},
		{"xla:cuda without that plugin", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty, "BGDLAB_BACKEND=xla:cuda"}, "ERR backend \"xla:cuda\"", "", false, false},
		{"auto with plugin picks xla:cpu", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + pluginDir(t)}, "OK xla:cpu fallback=no", "", true, false},
		{"explicit xla with plugin", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + pluginDir(t), "BGDLAB_BACKEND=xla"}, "OK xla:cpu", "", true, false},
		{"the project plugin does not change the default, and the note names the setting", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty}, "OK go fallback=yes", "an XLA CPU plugin is installed at " + filepath.Join(pluginDir(t), "pjrt_c_api_cpu_plugin.so") + ": set BGDLAB_BACKEND=xla to use it", true, true},
		{"a broken plugin file does not stop go", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + broken, "BGDLAB_BACKEND=go"}, "OK go fallback=no", "", false, false},
		{"auto with a broken plugin file falls back and says why", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + broken}, "OK go fallback=yes", "a file named like a PJRT plugin in " + broken + " does not load", false, false},
		{"xla with a broken plugin file is an error naming the fix", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + broken, "BGDLAB_BACKEND=xla"}, "ERR backend \"xla\" requested by $BGDLAB_BACKEND: a file named like a PJRT plugin in " + broken + " does not load", "file too short", false, false},
		{"BGDLAB_BACKEND=xla alone uses the project plugin", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty, "BGDLAB_BACKEND=xla"}, "OK xla:cpu", "", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needPlugin {
				requirePlugin(t)
			}
			dir := empty
			if tc.inRepo {
				dir = repo
			}
			out, errOut := child(t, dir, tc.env...)
			if !strings.HasPrefix(out, tc.wantPrefix) {
				t.Errorf("stdout = %q, want prefix %q", out, tc.wantPrefix)
			}
			if tc.wantStderr == "" && strings.TrimSpace(errOut) != "" {
				t.Errorf("unexpected stderr %q", errOut)
			}
			if tc.wantStderr != "" && strings.Count(errOut, tc.wantStderr) != 1 {
				t.Errorf("stderr = %q, want exactly one line containing %q", errOut, tc.wantStderr)
			}
		})
	}
}

func TestCurrentBackendComputes(t *testing.T) {
	b, info, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if err := backend.Check(b); err != nil {
		t.Fatalf("%s: %v", info.Config, err)
	}
	t.Logf("backend %s: %s", info.Config, info.Reason)
}

// TestSIMDCompiledMatchesBuild checks the build-tag wiring of SIMDCompiled
// against the toolchain's own record of the experiments it built with.
func TestSIMDCompiledMatchesBuild(t *testing.T) {
	want := runtime.GOARCH == "amd64" && strings.Contains(runtime.Version(), "simd")
	if backend.SIMDCompiled != want {
		t.Fatalf("SIMDCompiled = %v, but runtime.Version() = %q on %s", backend.SIMDCompiled, runtime.Version(), runtime.GOARCH)
	}
	if os.Getenv("CI") == "true" && runtime.GOARCH == "amd64" && !backend.SIMDCompiled {
		t.Fatal("CI builds must set GOEXPERIMENT=simd (scripts/test does)")
	}
	t.Logf("simd: %s", backend.SIMDSummary())
}

// TestProjectPluginDirFromNotebook: a GoNB cell runs in a temporary module
// away from the checkout, with the notebook's folder in $GONB_DIR; the
// project's plugin folder is found from there (notebook 02 said "no PJRT
// plugin is installed" while .tools/pjrt held one).
func TestProjectPluginDirFromNotebook(t *testing.T) {
	repo := t.TempDir()
	if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module github.com/bgdlab/bgdlab\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(repo, ".tools", "pjrt")
	for _, d := range []string{want, filepath.Join(repo, "notebooks")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(t.TempDir()) // GoNB's temporary module
	t.Setenv("BGDLAB_ROOT", "")
	t.Setenv("GONB_DIR", "")
	if got := backend.ProjectPluginDir(); got != "" {
		t.Fatalf("outside any checkout: %q, want none", got)
	}
	t.Setenv("GONB_DIR", filepath.Join(repo, "notebooks"))
	if got := backend.ProjectPluginDir(); got != want {
		t.Errorf("with GONB_DIR in the checkout: %q, want %q", got, want)
	}
}
