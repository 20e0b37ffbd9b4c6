package notebook

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/internal/testenv"
)

// TestCheckToolchain builds a fake .tools folder around the real pinned
// venv and checks which interpreters CheckToolchain accepts. The symlink case
// is the bug a fresh machine showed: .tools/python -> .tools/pyenv/bin/python
// runs as the system Python, and on a machine with Debian's nbconvert the
// notebooks silently ran under it.
func TestCheckToolchain(t *testing.T) {
	root, _ := filepath.Abs("../..")
	venvPy := filepath.Join(root, ".tools", "pyenv", "bin", "python")
	req := filepath.Join(root, "scripts", "python", "requirements.txt")
	if _, err := os.Stat(venvPy); err != nil {
		testenv.Missing(t, "the pinned Python environment (.tools/pyenv)", "run scripts/setup")
	}
	raw, err := os.ReadFile(req)
	if err != nil {
		t.Fatal(err)
	}
	wrongPin := filepath.Join(t.TempDir(), "requirements.txt")
	if err := os.WriteFile(wrongPin, []byte(strings.Replace(string(raw), "nbconvert==", "nbconvert==0.0.1-", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	wrapper := "#!/bin/sh\nexec \"" + venvPy + "\" \"$@\"\n"
	cases := []struct {
		name    string
		python  func(tools string) error // makes tools/python
		req     string
		noGonb  bool
		noSpec  bool
		wantErr string // "" means accepted
	}{
		{name: "wrapper script", python: writeScript(wrapper), req: req},
		{name: "symlink to the venv's python", python: func(p string) error { return os.Symlink(venvPy, p) }, req: req, wantErr: "not a virtual environment"},
		{name: "system python", python: func(p string) error { return os.Symlink("/usr/bin/python3", p) }, req: req, wantErr: "not a virtual environment"},
		{name: "another nbconvert than the pin", python: writeScript(wrapper), req: wrongPin, wantErr: "not the pinned"},
		{name: "no gonb", python: writeScript(wrapper), req: req, noGonb: true, wantErr: "gonb not found"},
		{name: "no kernelspec", python: writeScript(wrapper), req: req, noSpec: true, wantErr: "kernelspec"},
	}
	t.Setenv("BGDLAB_PYTHON", "")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tools := filepath.Join(t.TempDir(), ".tools")
			bin, data := filepath.Join(tools, "bin"), filepath.Join(tools, "jupyter")
			if err := os.MkdirAll(filepath.Join(data, "kernels", "gonb"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"gonb", "goimports"} {
				if f == "gonb" && c.noGonb {
					continue
				}
				if err := os.WriteFile(filepath.Join(bin, f), nil, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if !c.noSpec {
				if err := os.WriteFile(filepath.Join(data, "kernels", "gonb", "kernel.json"), []byte("{}"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.python(filepath.Join(tools, "python")); err != nil {
				t.Fatal(err)
			}
			err := CheckToolchain(context.Background(), Options{ToolsBin: bin, JupyterDataDir: data, Requirements: c.req})
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case c.wantErr != "" && err == nil:
				t.Fatalf("accepted; want an error containing %q", c.wantErr)
			case c.wantErr != "" && (!strings.Contains(err.Error(), c.wantErr) || !errors.Is(err, ErrToolchain)):
				t.Fatalf("error %q: want ErrToolchain containing %q", err, c.wantErr)
			}
		})
	}
}

func writeScript(text string) func(string) error {
	return func(path string) error { return os.WriteFile(path, []byte(text), 0o755) }
}

func TestNameGoLexer(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ meta, want string }{
		{`{"language_info": {"name": "go", "pygments_lexer": ""}}`, "go"},
		{`{}`, "go"},
		{`{"language_info": {"name": "python", "pygments_lexer": "ipython3"}}`, "ipython3"},
		{`{"language_info": {"name": "python"}}`, ""},
	} {
		path := filepath.Join(dir, "n.ipynb")
		if err := os.WriteFile(path, []byte(`{"cells": [], "metadata": `+tc.meta+`, "nbformat": 4, "nbformat_minor": 5}`), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := NameGoLexer(path); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(path)
		var nb struct {
			Metadata struct {
				LanguageInfo struct {
					PygmentsLexer string `json:"pygments_lexer"`
				} `json:"language_info"`
			}
			Nbformat int
		}
		if err := json.Unmarshal(raw, &nb); err != nil || nb.Metadata.LanguageInfo.PygmentsLexer != tc.want || nb.Nbformat != 4 {
			t.Errorf("%s: lexer %q (want %q), nbformat %d, %v", tc.meta, nb.Metadata.LanguageInfo.PygmentsLexer, tc.want, nb.Nbformat, err)
		}
	}
}

// The GoNB kernel that setup builds (with third_party/gonb's main.go) logs
// nothing at startup: upstream v0.11.3 passed a nil *os.File as an
// io.Writer and printed "E… main.go:191] Error message" to the stderr of
// every notebook run. A kernel given a connection file that does not exist
// gets as far as its logging setup, then stops.
func TestGoNBStartsWithoutTestMessages(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	gonb := filepath.Join(root, ".tools", "bin", "gonb")
	if _, err := os.Stat(gonb); err != nil {
		testenv.Missing(t, "GoNB (.tools/bin/gonb)", "run scripts/setup")
	}
	cmd := exec.Command(gonb, "--kernel", filepath.Join(t.TempDir(), "missing.json"), "--logtostderr=false")
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "missing.json") {
		t.Fatalf("the kernel did not reach its connection file; output:\n%s", out)
	}
	for _, m := range []string{"Error message", "Warning message", "Info message"} {
		if strings.Contains(string(out), m) {
			t.Errorf("the kernel logged GoNB's test line %q at startup (rerun scripts/setup to rebuild it with third_party/gonb):\n%s", m, out)
		}
	}
}
