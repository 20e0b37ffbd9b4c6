package backend_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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

func child(t *testing.T, env ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
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
	tests := []struct {
		name       string
		env        []string
		wantPrefix string // of stdout
		wantStderr string // substring, "" means stderr must be empty
		needPlugin bool
	}{
		{"auto without plugin falls back to go and says so", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty}, "OK go fallback=yes", "using the pure-Go backend", false},
		{"explicit go is silent", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty, "BGDLAB_BACKEND=go"}, "OK go fallback=no", "", false},
		{"GOMLX_BACKEND is honoured", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty, "GOMLX_BACKEND=go"}, "OK go fallback=no", "", false},
		{"BGDLAB_BACKEND wins over GOMLX_BACKEND", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty, "GOMLX_BACKEND=xla", "BGDLAB_BACKEND=go"}, "OK go", "", false},
		{"unknown name lists the valid ones", []string{"BGDLAB_BACKEND=tpu9"}, "ERR unknown backend \"tpu9\" (from $BGDLAB_BACKEND): valid backends are auto, go, xla", "", false},
		{"xla without plugin is an error, not a download", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty, "BGDLAB_BACKEND=xla"}, "ERR backend \"xla\" requested by $BGDLAB_BACKEND, but no PJRT plugin is installed", "", false},
		{"xla:cuda without that plugin", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + empty, "BGDLAB_BACKEND=xla:cuda"}, "ERR backend \"xla:cuda\"", "", false},
		{"auto with plugin picks xla:cpu", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + pluginDir(t)}, "OK xla:cpu fallback=no", "", true},
		{"explicit xla with plugin", []string{"PJRT_PLUGIN_LIBRARY_PATH=" + pluginDir(t), "BGDLAB_BACKEND=xla"}, "OK xla:cpu", "", true},
	}
	_, statErr := os.Stat(filepath.Join(pluginDir(t), "pjrt_c_api_cpu_plugin.so"))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needPlugin && statErr != nil {
				t.Skip("no XLA CPU plugin in .tools/pjrt: run scripts/setup to install it from PyPI and enable this test")
			}
			out, errOut := child(t, tc.env...)
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
