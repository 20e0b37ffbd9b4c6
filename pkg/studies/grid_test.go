package studies

import (
	"testing"

	"github.com/bgdlab/bgdlab/pkg/train"
)

func TestAtGridEdge(t *testing.T) {
	grid := []any{0.01, 0.03, 0.1}
	for _, tc := range []struct {
		lr   float64
		grid []any
		want bool
	}{
		{0.01, grid, true}, {0.1, grid, true}, {0.03, grid, false},
		{0.1 * (1 + 1e-12), grid, true}, // parsed back from a spec string
		{0.3, []any{0.1, 0.3}, false},   // two points: every choice is an edge, not flagged
		{1e-3, []any{3e-3, 1e-3, 3e-4}, false},
	} {
		if got := atGridEdge(tc.lr, tc.grid); got != tc.want {
			t.Errorf("atGridEdge(%g, %v) = %v, want %v", tc.lr, tc.grid, got, tc.want)
		}
	}
}

// Every outcome of the vanishing-gradient claim is reachable.
func TestVanishingVerdict(t *testing.T) {
	for _, tc := range []struct {
		vanish, ln, he float64
		want           Verdict
	}{
		{1e-6, 0.5, 0.8, Supported},
		{0.5, 0.5, 0.8, Refuted},    // plain sigmoid does not vanish
		{1e-6, 1e-5, 1e-4, Refuted}, // neither remedy helps
		{1e-6, 1e-5, 0.8, Nuanced},  // only He helps
		{1e-2, 0.5, 0.8, Nuanced},   // in between
	} {
		if got := vanishingVerdict(tc.vanish, tc.ln, tc.he); got != tc.want {
			t.Errorf("vanishingVerdict(%g, %g, %g) = %s, want %s", tc.vanish, tc.ln, tc.he, got, tc.want)
		}
	}
}

// Every outcome of the network-stability claim is reachable from
// measurements; runs above 2/λmax(θ₀) do not decide it.
func TestSharpnessClaim(t *testing.T) {
	const l0 = 10.0 // 2/λmax(θ₀) = 0.2
	run := func(lr float64, status train.Status, lambda, loss []float64) SharpnessRun {
		return SharpnessRun{LR: lr, Status: status, LambdaMax: lambda, Loss: loss}
	}
	falling := []float64{3, 2, 1, 0.5}
	for _, tc := range []struct {
		name string
		runs []SharpnessRun
		want Verdict
	}{
		{"stable, sharpness well below", []SharpnessRun{run(0.1, train.Budget, []float64{10, 9, 11}, falling)}, Supported},
		{"at the edge", []SharpnessRun{run(0.1, train.Budget, []float64{10, 15, 19.5}, falling)}, Nuanced},
		{"loss rose", []SharpnessRun{run(0.1, train.Budget, []float64{10, 9, 9}, []float64{3, 2, 2.5, 1})}, Refuted},
		{"diverged", []SharpnessRun{run(0.18, train.Diverged, []float64{10, 30}, falling)}, Refuted},
		{"only above the limit misbehaves", []SharpnessRun{run(0.1, train.Budget, []float64{10, 9}, falling),
			run(0.3, train.Budget, []float64{10, 7}, []float64{3, 4, 2, 1})}, Supported},
	} {
		if got := sharpnessClaim(tc.runs, l0).Verdict; got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
