package report

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/notebook"
)

// A report writes only into a new or empty folder or one an earlier report
// wrote; someone else's index.html survives.
func TestReportClaimsOnlyItsOwnFolder(t *testing.T) {
	foreign := t.TempDir()
	index := filepath.Join(foreign, "index.html")
	os.WriteFile(index, []byte("<p>my page</p>"), 0o644)
	_, err := Run(context.Background(), Config{Out: foreign, Sections: []string{"textbook"}})
	if err == nil || !strings.Contains(err.Error(), "not a bgdlab report") {
		t.Fatalf("report into a foreign folder: %v", err)
	}
	if raw, _ := os.ReadFile(index); string(raw) != "<p>my page</p>" {
		t.Fatalf("the foreign index.html was overwritten: %q", raw)
	}
	legacy := t.TempDir()
	os.MkdirAll(filepath.Join(legacy, "results"), 0o755)
	os.WriteFile(filepath.Join(legacy, "results", "run-hashes.sha256"), nil, 0o644)
	os.WriteFile(filepath.Join(legacy, "index.html"), nil, 0o644)
	for name, dir := range map[string]string{"new": filepath.Join(t.TempDir(), "new"), "empty": t.TempDir(), "an earlier report's": legacy} {
		if err := claimFolder(dir); err != nil {
			t.Errorf("%s folder refused: %v", name, err)
		}
		if err := claimFolder(dir); err != nil {
			t.Errorf("%s folder refused on the rerun: %v", name, err)
		}
	}
}

// A report whose notebooks cannot run fails before its first run: a new
// user without the pinned Jupyter used to get an error after 20 minutes.
func TestReportChecksNotebookToolchainFirst(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	t.Setenv("BGDLAB_PYTHON", "")
	tools := filepath.Join(t.TempDir(), ".tools") // no python, no gonb
	_, err := Run(context.Background(), Config{Out: out, Sections: []string{"textbook"}, Notebooks: "../../notebooks", Tools: tools})
	if err == nil || !errors.Is(err, notebook.ErrToolchain) {
		t.Fatalf("report without a notebook toolchain: %v; want a toolchain error", err)
	}
	if runs, _ := filepath.Glob(filepath.Join(out, "results", "*", "runs", "*")); len(runs) > 0 {
		t.Fatalf("the study ran (%d runs) before the toolchain was checked", len(runs))
	}
}
