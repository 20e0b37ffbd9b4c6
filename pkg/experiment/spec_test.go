package experiment_test

import (
	"math"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/experiment"
)

// TestValidateRefusesBadBudgets checks that missing, negative, infinite and
// absurd budgets are refused with a message naming the field (an epochs of
// 1e300 used to overflow to a negative step count and exit 0 untrained; inf
// trained, then failed to write run.json).
func TestValidateRefusesBadBudgets(t *testing.T) {
	base := experiment.Spec{Data: "textbook", Model: "linear", Optimizer: "gd:lr=0.01"}
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
			err := s.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
