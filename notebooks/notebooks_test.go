// Package notebooks holds bgdlab's GoNB notebooks; its test executes each one
// headlessly and fails on any cell error.
package notebooks

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/pkg/notebook"
)

// TestNotebooks executes every notebook in this folder with nbconvert and the
// GoNB kernel (installed by scripts/setup). Set BGDLAB_SKIP_NOTEBOOKS=1 to
// skip it when Jupyter is not installed.
func TestNotebooks(t *testing.T) {
	if os.Getenv("BGDLAB_SKIP_NOTEBOOKS") == "1" {
		t.Skip("BGDLAB_SKIP_NOTEBOOKS=1")
	}
	paths, err := notebook.List(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no notebooks found")
	}
	root, _ := filepath.Abs("..")
	out := t.TempDir()
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
			defer cancel()
			res, err := notebook.Execute(ctx, path, notebook.Options{
				OutDir:         out,
				ToolsBin:       filepath.Join(root, ".tools", "bin"),
				JupyterDataDir: filepath.Join(root, ".tools", "jupyter"),
				// Figures go to the test's temporary folder, not the repository.
				Env: []string{"BGDLAB_OUT=" + out},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s executed in %.1fs", filepath.Base(path), res.Duration.Seconds())
			for _, p := range res.Problems {
				t.Error(p)
			}
			if filepath.Base(path) == "01_bgd_from_scratch.ipynb" && runtime.GOARCH == "amd64" {
				// The kernel's env (scripts/setup) must give notebooks the
				// SIMD matrix products; notebook 01 prints what it got.
				raw, err := os.ReadFile(res.Executed)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(raw), "SIMD matrix products: compiled in") {
					t.Error("notebook 01 was not built with GOEXPERIMENT=simd: rerun scripts/setup to refresh the GoNB kernel's env")
				}
			}
		})
	}
}

// TestCheckDetectsFailures feeds Check a notebook whose cells failed in each
// way GoNB reports failures, so the notebook test cannot pass vacuously.
func TestCheckDetectsFailures(t *testing.T) {
	const bad = `{"cells": [
 {"cell_type": "code", "execution_count": 1, "source": "!*echo SETUP-OK", "outputs": [{"output_type": "stream", "name": "stdout", "text": "SETUP-OK\n"}]},
 {"cell_type": "code", "execution_count": 2, "source": "x := 1", "outputs": [{"output_type": "stream", "name": "stderr", "text": ["main.go:12:2: declared and not used: x\n"]}]},
 {"cell_type": "code", "execution_count": 3, "source": "panic(1)", "outputs": [{"output_type": "stream", "name": "stderr", "text": "panic: 1\n\ngoroutine 1 [running]:\n"}]},
 {"cell_type": "code", "execution_count": 4, "source": "y", "outputs": [{"output_type": "error", "ename": "ERROR", "evalue": "failed", "traceback": []}]},
 {"cell_type": "code", "execution_count": null, "source": "z", "outputs": []}
], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`
	path := filepath.Join(t.TempDir(), "bad.ipynb")
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	probs, err := notebook.Check(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 4 {
		t.Fatalf("got %d problems, want 4 (compile error, panic, error output, unexecuted cell): %q", len(probs), probs)
	}
}
