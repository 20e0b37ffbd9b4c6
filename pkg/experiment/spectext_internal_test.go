package experiment

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

// A run.json written before specs were typed holds its grammar fields as the
// caller wrote them ("32", "gd:lr=0.010", "mlp:hidden=256x128"), hashed as
// written. It must still read (its hash checked against that text, not
// today's canonical form) and be reused for the same experiment.
func TestOldSpecTextReadsAndIsReused(t *testing.T) {
	s := Spec{Data: data.Textbook{}, Model: models.Linear{}, Optimizer: optim.GD{LR: 0.03}, Batch: data.MiniBatch(2), Steps: 4, DType: "float64", Init: "zeros", Seed: 1}
	res, err := Run(context.Background(), nil, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, RunFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite the spec as an older bgdlab wrote it: non-canonical text,
	// hashed as written (the struct's JSON with string fields).
	old := s.WithDefaults().text()
	old.Optimizer, old.Batch = "gd:lr=0.030", "mini:size=2"
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	rec["spec"], _ = json.Marshal(old)
	rec["spec_sha256"], _ = json.Marshal(HashJSON(old))
	raw, _ = json.Marshal(rec)
	if !strings.Contains(string(raw), `"gd:lr=0.030"`) {
		t.Fatal("the old text did not make it into run.json")
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := Read(dir)
	if err != nil {
		t.Fatalf("an old run.json no longer reads: %v", err)
	}
	if got := back.Spec.Optimizer.String(); got != "gd:lr=0.03" {
		t.Errorf("optimizer read as %s", got)
	}
	if _, why := Reusable(dir, s); why != "" {
		t.Errorf("the old run is not reused for the same experiment: %s", why)
	}
}
