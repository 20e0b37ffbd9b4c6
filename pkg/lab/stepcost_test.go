package lab_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/pkg/bench"
	"github.com/bgdlab/bgdlab/pkg/lab"
)

// TestStepCostReading: FindStep picks the timing by backend, case and size;
// CompileCost reports first − step at one size only, in steps' worth.
func TestStepCostReading(t *testing.T) {
	rs := []bench.Result{
		{Backend: "go", Case: "mlp", N: 100, Min: 10 * time.Millisecond, First: 110 * time.Millisecond},
		{Backend: "go", Case: "mlp", N: 400, Min: 40 * time.Millisecond, First: 140 * time.Millisecond},
		{Backend: "xla:cpu", Case: "mlp", N: 400, Min: 20 * time.Millisecond, First: 1020 * time.Millisecond},
	}
	if r := lab.FindStep(rs, "go", "mlp", 400); r.Min != 40*time.Millisecond {
		t.Errorf("FindStep: %+v", r)
	}
	if r := lab.FindStep(rs, "go", "softmax", 400); r.Min != 0 {
		t.Errorf("FindStep of a missing case: %+v", r)
	}
	table, bars := lab.CompileCost(rs, 400)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "≈ 0.100 s") || !strings.Contains(lines[0], "2.5 steps' worth") || !strings.Contains(lines[1], "50.0 steps' worth") || bars == nil {
		t.Errorf("CompileCost:\n%s", table)
	}
	if lab.StepTimeFigure(rs) == nil {
		t.Error("no figure")
	}
}
