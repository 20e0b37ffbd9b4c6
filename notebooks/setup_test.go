package notebooks

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/internal/testenv"
	"github.com/bgdlab/bgdlab/pkg/notebook"
)

// TestSetupCellOutsideCheckout runs a student's copy of exercise 01's setup
// cell and import cell in a folder outside the checkout, as nbgrader's
// fetch_assignment leaves it. Without BGDLAB_ROOT the setup cell must fail
// with the fix in its message — it used to print SETUP-OK after
// `go work use . /`, and the import cell then failed on the module proxy —
// and with BGDLAB_ROOT naming the checkout both cells must run.
func TestSetupCellOutsideCheckout(t *testing.T) {
	if os.Getenv("BGDLAB_SKIP_NOTEBOOKS") == "1" {
		t.Skip("BGDLAB_SKIP_NOTEBOOKS=1")
	}
	root, _ := filepath.Abs("..")
	if _, err := os.Stat(filepath.Join(root, ".tools", "bin", "gonb")); err != nil {
		testenv.Missing(t, "GoNB (.tools/bin/gonb)", "run scripts/setup")
	}
	_, cells := readNB(t, filepath.Join("exercises", "release", "bgd", "01_gd_update.ipynb"))
	var setup string
	for _, c := range cells {
		if src := cellSource(c); strings.Contains(src, notebook.SetupMarker) {
			setup = src
			break
		}
	}
	if setup == "" {
		t.Fatal("exercise 01 has no setup cell")
	}
	student := t.TempDir() // under the system temp folder: no go.mod above it
	nb := map[string]any{"nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{"kernelspec": map[string]any{"name": "gonb", "display_name": "Go (gonb)", "language": "go"}},
		"cells": []map[string]any{
			{"cell_type": "code", "metadata": map[string]any{}, "outputs": []any{}, "execution_count": nil, "source": setup},
			{"cell_type": "code", "metadata": map[string]any{}, "outputs": []any{}, "execution_count": nil,
				"source": "import \"github.com/bgdlab/bgdlab/pkg/exercise\"\n\n%%\nfmt.Println(\"IMPORTED\", exercise.Cases(1) != nil)"},
		}}
	raw, _ := json.Marshal(nb)
	path := filepath.Join(student, "setup.ipynb")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(bgdlabRoot string) (string, []string) {
		t.Helper()
		t.Setenv("BGDLAB_ROOT", bgdlabRoot)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out := t.TempDir()
		res, err := notebook.Execute(ctx, path, notebook.Options{OutDir: out, Timeout: 3 * time.Minute,
			ToolsBin: filepath.Join(root, ".tools", "bin"), JupyterDataDir: filepath.Join(root, ".tools", "jupyter")})
		if err != nil {
			t.Fatal(err)
		}
		// What the cells printed (nbconvert stops at a failing cell and
		// writes no executed copy; its message then holds the outputs).
		printed := strings.Join(res.Problems, "\n")
		if _, err := os.Stat(res.Executed); err == nil {
			_, cells := readNB(t, res.Executed)
			for _, c := range cells {
				printed += "\n" + outputText(c)
			}
		}
		return printed, res.Problems
	}
	printedOK := func(text string) bool {
		for _, l := range strings.Split(text, "\n") {
			if strings.TrimSpace(l) == notebook.SetupMarker {
				return true
			}
		}
		return false
	}
	text, probs := run("")
	if printedOK(text) || !strings.Contains(text, "SETUP FAILED") || !strings.Contains(text, "set BGDLAB_ROOT") && !strings.Contains(text, "Set BGDLAB_ROOT") {
		t.Errorf("outside the checkout without BGDLAB_ROOT the setup cell must fail with the fix; it printed:\n%s", tail(text, 20))
	}
	if len(probs) == 0 {
		t.Error("outside the checkout without BGDLAB_ROOT the notebook ran without a problem")
	}
	text, probs = run(root)
	if len(probs) > 0 || !strings.Contains(text, "IMPORTED true") {
		t.Errorf("with BGDLAB_ROOT=%s: %v\n%s", root, probs, tail(text, 20))
	}
}
