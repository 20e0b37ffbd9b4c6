package experiment_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

// TestValidateRefusesBadBudgets checks that missing, negative, infinite and
// absurd budgets are refused with a message naming the field (an epochs of
// 1e300 used to overflow to a negative step count and exit 0 untrained; inf
// trained, then failed to write run.json).
func TestValidateRefusesBadBudgets(t *testing.T) {
	base := experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Optimizer: optim.MustParse("gd:lr=0.01")}
	for _, tc := range []struct {
		name string
		edit func(*experiment.Spec)
		want string
	}{
		{"none", func(s *experiment.Spec) {}, "no budget"},
		{"negative epochs", func(s *experiment.Spec) { s.Epochs = -1 }, "budgets must be ≥ 0"},
		{"NaN seconds", func(s *experiment.Spec) { s.Seconds = math.NaN() }, "budgets must be ≥ 0"},
		{"infinite epochs", func(s *experiment.Spec) { s.Epochs = math.Inf(1) }, "epochs=+Inf must be finite and ≤ 1000000"},
		{"huge epochs", func(s *experiment.Spec) { s.Epochs = 1e300 }, "epochs=1e+300 must be finite"},
		{"infinite seconds", func(s *experiment.Spec) { s.Seconds = math.Inf(1) }, "seconds=+Inf must be finite"},
		{"huge steps", func(s *experiment.Spec) { s.Steps = 1 << 62 }, "steps=4611686018427387904 must be ≤"},
		{"huge grad evals", func(s *experiment.Spec) { s.GradEvals = 1 << 62 }, "grad_evals=4611686018427387904 must be ≤"},
		{"fine", func(s *experiment.Spec) { s.Epochs = 3 }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			tc.edit(&s)
			wantErr(t, "Validate()", s.Validate(), tc.want)
		})
	}
}

// TestReadRefusesIncompleteRuns: a finished run's files that were cut or
// replaced must not be trusted (a sweep redoes such runs, merge refuses
// them). Before, a short history header panicked, a stub run.json and a
// history cut at a line boundary were read as finished runs.
func TestReadRefusesIncompleteRuns(t *testing.T) {
	b, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	res, err := experiment.Run(context.Background(), b, experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Optimizer: optim.GD{LR: 0.03},
		Batch: data.MustParseRegime("full"), Steps: 30, Init: "zeros", DType: "float64"}, experiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cut  func(dir string) error
		want string
	}{
		{"intact", func(string) error { return nil }, ""},
		{"short header", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, experiment.HistoryFile), []byte("step,epoch\n0,0\n"), 0o644)
		}, "unexpected header"},
		{"stub run.json", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, experiment.RunFile), []byte(`{"format":2}`), 0o644)
		}, "no status or spec"},
		{"history cut at a line boundary", func(dir string) error {
			path := filepath.Join(dir, experiment.HistoryFile)
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			lines := strings.SplitAfter(string(raw), "\n")
			return os.WriteFile(path, []byte(strings.Join(lines[:len(lines)-3], "")), 0o644)
		}, "but run.json records 30 steps: truncated"},
		{"spec edited after the run", func(dir string) error {
			path := filepath.Join(dir, experiment.RunFile)
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(path, []byte(strings.Replace(string(raw), `"optimizer": "gd:lr=0.03"`, `"optimizer": "gd:lr=0.02"`, 1)), 0o644)
		}, "does not match its spec_sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := experiment.Write(dir, res); err != nil {
				t.Fatal(err)
			}
			if err := tc.cut(dir); err != nil {
				t.Fatal(err)
			}
			_, err := experiment.Read(dir)
			wantErr(t, "Read()", err, tc.want)
		})
	}
}

// wantErr checks err against want: nil when want is empty, else an error
// whose message contains want.
func wantErr(t *testing.T, call string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("%s = %v, want nil", call, err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("%s = %v, want it to contain %q", call, err, want)
	}
}
