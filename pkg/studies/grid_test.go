package studies

import (
	"fmt"
	"math"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/stats"
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

// TestLocalizationClaim reaches every verdict from synthetic IoUs.
func TestLocalizationClaim(t *testing.T) {
	sum := func(mean, ci float64) stats.Summary { return stats.Summary{N: 3, Mean: mean, CI95: ci} }
	res := func(bgd stats.Summary, minis ...stats.Summary) []locResult {
		rs := []locResult{{method: locMethod{label: "BGD", batch: 0}, iou: bgd}}
		for i, m := range minis {
			rs = append(rs, locResult{method: locMethod{label: fmt.Sprint("mini", i), batch: 32}, iou: m})
		}
		return rs
	}
	for _, tc := range []struct {
		name string
		rs   []locResult
		want Verdict
	}{
		{"BGD overlaps the best", res(sum(0.70, 0.03), sum(0.72, 0.02), sum(0.60, 0.01)), Supported},
		{"BGD is the best", res(sum(0.80, 0.01), sum(0.72, 0.02)), Supported},
		{"BGD below every method", res(sum(0.50, 0.01), sum(0.72, 0.02), sum(0.60, 0.01)), Refuted},
		{"BGD between", res(sum(0.65, 0.01), sum(0.72, 0.02), sum(0.60, 0.01)), Nuanced},
		{"BGD diverged", res(sum(math.NaN(), math.NaN()), sum(0.72, 0.02)), Nuanced},
	} {
		if got := localizationClaim(tc.rs).Verdict; got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestExtendRate: the next rate continues the grid's ratio on the edge side.
func TestExtendRate(t *testing.T) {
	tried := []float64{0.3, 1, 3}
	if got := ExtendRate(tried, 3); got != 9 {
		t.Errorf("upper edge: %g, want 9", got)
	}
	if got := ExtendRate(tried, 0.3); got != 0.09 {
		t.Errorf("lower edge: %g, want 0.09", got)
	}
}

// TestTuneRate: a grid below the peak of a synthetic score grows until the
// peak is inside; a diverging edge never wins; the limit is kept.
func TestTuneRate(t *testing.T) {
	peak := func(at float64) func(float64) (float64, bool, error) {
		return func(lr float64) (float64, bool, error) {
			d := math.Log(lr / at)
			return -d * d, lr < 5, nil // rates of 5 and more "diverge"
		}
	}
	r, err := TuneRate([]float64{0.01, 0.03, 0.1}, peak(0.5))
	if err != nil {
		t.Fatal(err)
	}
	if r.Best != 0.333 || r.Extended != 2 || r.OnEdge || len(r.Tried) != 5 {
		t.Errorf("peak 0.5: %+v, want best 0.333 inside after 2 extensions", r)
	}
	r, _ = TuneRate([]float64{0.01, 0.03, 0.1}, peak(1e6))
	if r.Extended != MaxExtensions || !r.OnEdge || r.Best >= 5 {
		t.Errorf("peak beyond divergence: %+v, want %d extensions, best below 5, on the edge", r, MaxExtensions)
	}
}
