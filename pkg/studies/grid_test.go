package studies

import (
	"fmt"
	"math"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/stats"
)

// TestTuneThenReport: every β is tuned on the tuning seed only, the better
// (β, lr) pair wins, and only it runs on the reporting seeds.
func TestTuneThenReport(t *testing.T) {
	type call struct {
		lr, beta float64
		seeds    []uint64
	}
	var calls []call
	// The score peaks at lr 0.1 for β 0.9 (value −d²) and at lr 0.03 for β
	// 0.99, where it is 1 higher: β 0.99 must win.
	run := func(lr, beta float64, seeds []uint64) ([]*experiment.Result, error) {
		calls = append(calls, call{lr, beta, seeds})
		peak, bonus := 0.1, 0.0
		if beta == 0.99 {
			peak, bonus = 0.03, 1
		}
		d := math.Log(lr / peak)
		var out []*experiment.Result
		for range seeds {
			out = append(out, &experiment.Result{Status: optim.Budget, History: []experiment.Record{{ValMetric: bonus - d*d}}})
		}
		return out, nil
	}
	score := func(r *experiment.Result) (float64, bool) { return r.Last().ValMetric, true }
	p, err := tuneThenReport([]float64{0.03, 0.1, 0.3}, []float64{0.9, 0.99}, []uint64{1, 2, 3}, run, score)
	if err != nil {
		t.Fatal(err)
	}
	if p.lr != 0.03 || p.beta != 0.99 || len(p.runs) != 3 || p.edge {
		t.Fatalf("tuned lr %g β %g edge %v with %d reporting runs; want lr 0.03, β 0.99 (inside after extension), 3 runs", p.lr, p.beta, p.edge, len(p.runs))
	}
	// β 0.99's grid is β 0.9's scaled by (1−0.99)/(1−0.9), then extended.
	if want := []float64{0.003, 0.01, 0.03, 0.09}; fmt.Sprint(p.tried) != fmt.Sprint(want) {
		t.Errorf("rates tried at the chosen β %v, want %v", p.tried, want)
	}
	if c := calls[0]; c.lr != 0.03 || c.beta != 0.9 {
		t.Errorf("first tuning call %+v, want β 0.9's grid unscaled (lr 0.03)", c)
	}
	last := calls[len(calls)-1]
	for _, c := range calls[:len(calls)-1] {
		if len(c.seeds) != 1 || c.seeds[0] != tuneSeed {
			t.Errorf("tuning call %+v used seeds other than the tuning seed", c)
		}
	}
	if fmt.Sprint(last.seeds) != "[1 2 3]" || last.lr != 0.03 || last.beta != 0.99 {
		t.Errorf("reporting call %+v", last)
	}
	if len(p.tuning) != len(calls)-1 {
		t.Errorf("%d tuning runs kept, %d made", len(p.tuning), len(calls)-1)
	}
	// Every rate diverges: nothing is reported.
	p, _ = tuneThenReport([]float64{0.1, 1}, nil, []uint64{1}, func(lr, beta float64, seeds []uint64) ([]*experiment.Result, error) {
		return []*experiment.Result{{Status: optim.Diverged, History: []experiment.Record{{ValMetric: math.NaN()}}}}, nil
	}, score)
	if !math.IsNaN(p.lr) || p.runs != nil || len(p.tried) != 2 {
		t.Errorf("all diverged: %+v", p)
	}
}

// TestPerformanceProfile checks the profile against hand-computed fractions.
func TestPerformanceProfile(t *testing.T) {
	inf := math.Inf(1)
	times := [][]float64{
		{1, 2, inf},         // A best
		{4, 2, 3},           // B best; A at 2×, C at 1.5×
		{inf, inf, inf},     // nobody reached it
		{5, 10, math.NaN()}, // B at exactly 2×; C skipped it
	}
	got := PerformanceProfile(times, []float64{1, 1.5, 2, 10})
	want := [][]float64{{0.5, 0.5, 0.75, 0.75}, {0.25, 0.25, 0.75, 0.75}, {0, 0.25, 0.25, 0.25}}
	for m := range want {
		for i := range want[m] {
			if got[m][i] != want[m][i] {
				t.Fatalf("profile %v, want %v", got, want)
			}
		}
	}
}

// AlgoPerf's score is the profile's area on [1, 4] over 3: worked by hand
// for the profile test's times, and against a fine numerical integral of
// PerformanceProfile (an independent computation of the same area).
func TestAlgoPerfScore(t *testing.T) {
	inf := math.Inf(1)
	times := [][]float64{{1, 2, inf}, {4, 2, 3}, {inf, inf, inf}, {5, 10, math.NaN()}, {1, 5, 4}}
	// By hand, (τmax − r)/(τmax − 1) per workload where r ≤ 4, over 5 workloads:
	// A: 1 + 2/3 + 0 + 1 + 1; B: 2/3 + 1 + 0 + 2/3 + 0 (r = 5 > 4); C: 0 + 5/6 + 0 + 0 + 0 (r = 4).
	want := []float64{(11.0 / 3) / 5, (7.0 / 3) / 5, (5.0 / 6) / 5}
	got := AlgoPerfScore(times, AlgoPerfTauMax)
	const n = 300000
	taus := make([]float64, n+1)
	for i := range taus {
		taus[i] = 1 + 3*float64(i)/n
	}
	prof := PerformanceProfile(times, taus)
	for m := range want {
		if math.Abs(got[m]-want[m]) > 1e-15 {
			t.Errorf("method %d: score %v, want %v (by hand)", m, got[m], want[m])
		}
		area := 0.0
		for i := 1; i <= n; i++ {
			area += (prof[m][i] + prof[m][i-1]) / 2 * (taus[i] - taus[i-1])
		}
		if math.Abs(got[m]-area/3) > 1e-5 {
			t.Errorf("method %d: score %v, the profile's area/3 %v", m, got[m], area/3)
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
	run := func(lr float64, status optim.Status, lambda, loss []float64) SharpnessRun {
		return SharpnessRun{LR: lr, Status: status, LambdaMax: lambda, Loss: loss}
	}
	falling := []float64{3, 2, 1, 0.5}
	for _, tc := range []struct {
		name string
		runs []SharpnessRun
		want Verdict
	}{
		{"stable, sharpness well below", []SharpnessRun{run(0.1, optim.Budget, []float64{10, 9, 11}, falling)}, Supported},
		{"at the edge", []SharpnessRun{run(0.1, optim.Budget, []float64{10, 15, 19.5}, falling)}, Nuanced},
		{"loss rose", []SharpnessRun{run(0.1, optim.Budget, []float64{10, 9, 9}, []float64{3, 2, 2.5, 1})}, Refuted},
		{"diverged", []SharpnessRun{run(0.18, optim.Diverged, []float64{10, 30}, falling)}, Refuted},
		{"only above the limit misbehaves", []SharpnessRun{run(0.1, optim.Budget, []float64{10, 9}, falling),
			run(0.3, optim.Budget, []float64{10, 7}, []float64{3, 4, 2, 1})}, Supported},
	} {
		if got := sharpnessClaim(tc.runs, l0).Verdict; got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// Every outcome of the momentum-edge claim is reachable from where the
// sharpness settles; GD runs do not decide it.
func TestMomentumEdgeClaim(t *testing.T) {
	// η = 0.1, β = 0.9: GD's limit 2/η = 20, heavy ball's 2(1+β)/η = 38.
	hb := func(status optim.Status, lambda ...float64) SharpnessRun {
		return SharpnessRun{LR: 0.1, Momentum: 0.9, Status: status, LambdaMax: lambda}
	}
	gdDiverged := SharpnessRun{LR: 0.3, Status: optim.Diverged, LambdaMax: []float64{10, 50}}
	for _, tc := range []struct {
		name string
		runs []SharpnessRun
		want Verdict
	}{
		{"settles near 2(1+β)/η", []SharpnessRun{hb(optim.Budget, 50, 30, 36, 37.5)}, Supported},
		{"settles far below both edges", []SharpnessRun{hb(optim.Budget, 50, 3, 1, 0.5)}, Nuanced},
		{"diverged from above its edge", []SharpnessRun{hb(optim.Diverged, 50, 80)}, Nuanced},
		{"stable far beyond 2(1+β)/η", []SharpnessRun{hb(optim.Budget, 50, 45, 46)}, Refuted},
		{"settles at GD's edge 2/η", []SharpnessRun{hb(optim.Budget, 50, 25, 20, 19.5)}, Refuted},
		{"only GD runs", []SharpnessRun{gdDiverged}, Nuanced},
		{"GD diverging beside a supporting run", []SharpnessRun{gdDiverged, hb(optim.Budget, 50, 36, 37)}, Supported},
	} {
		if got := momentumEdgeClaim(tc.runs).Verdict; got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if e := hb(optim.Budget).Edge(); e < 37.999999 || e > 38.000001 {
		t.Errorf("Edge() = %g, want 2(1+0.9)/0.1 = 38", e)
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
		// The quick detection study at equal seconds: Adam 0.394 ± 0.463 (its
		// seeds disagree), SGD 0.124 ± 0.129, BGD 0.005 ± 0.014. BGD's interval
		// reaches Adam's, but its mean is below every method's: not competitive.
		{"wide intervals, BGD below every mean", res(sum(0.005, 0.014), sum(0.394, 0.463), sum(0.124, 0.129)), Nuanced},
	} {
		if got := localizationClaim(locPlanFor(false), tc.rs, "epochs").Verdict; got != tc.want {
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

// TestQuarterEpoch checks the Fashion runs' intervals: the evaluation is a
// multiple of the logging interval, about a quarter epoch.
func TestQuarterEpoch(t *testing.T) {
	for _, tc := range []struct {
		n               int
		batch           data.Regime
		log, eval, each int // each: steps per epoch
	}{{55000, data.MiniBatch(128), 21, 105, 430}, {5000, data.MiniBatch(128), 2, 10, 40}, {4000, data.MiniBatch(128), 1, 8, 32}, {300, data.MiniBatch(128), 1, 1, 3}, {100, data.FullBatch, 0, 0, 1}} {
		log, eval := quarterEpoch(tc.n, tc.batch)
		if log != tc.log || eval != tc.eval {
			t.Errorf("quarterEpoch(%d, %s) = (%d, %d), want (%d, %d)", tc.n, tc.batch, log, eval, tc.log, tc.eval)
		}
		if eval > 0 && (eval%log != 0 || float64(tc.each)/float64(eval) < 3 || float64(tc.each)/float64(eval) > 5) && tc.each >= 8 {
			t.Errorf("n=%d: eval every %d of %d steps per epoch, not about a quarter epoch", tc.n, eval, tc.each)
		}
	}
}
