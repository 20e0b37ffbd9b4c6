package report

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
