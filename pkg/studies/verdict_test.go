package studies

import (
	"math"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/stats"
	"github.com/bgdlab/bgdlab/pkg/sweep"
)

// Every claim can come out supported, refuted or nuanced, each decided from
// synthetic measurements here.
func TestVerdictsReachEveryOutcome(t *testing.T) {
	check := func(name string, got, want Verdict) {
		t.Helper()
		if got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	// Textbook stability.
	check("diverged above 2/L", stabilityClaim("f", 0.085, 1, []string{"0.09"}, nil, []string{"0.01"}).Verdict, Refuted)
	check("diverged below 2/L", stabilityClaim("f", 0.085, 0, nil, []string{"0.05"}, nil).Verdict, Refuted)
	check("stable above 2/L", stabilityClaim("f", 0.085, 1, nil, nil, []string{"0.01"}).Verdict, Supported)
	check("never tested above 2/L", stabilityClaim("f", 0.085, 0, nil, nil, []string{"0.01"}).Verdict, Nuanced)
	// Condition number.
	check("rate within 1%", rateVerdict(0.004), Supported)
	check("rate within 10%", rateVerdict(0.05), Nuanced)
	check("rate off", rateVerdict(0.5), Refuted)
	check("rate unmeasured", rateVerdict(math.Inf(1)), Refuted)
	// Step cost.
	check("cost ∝ n", stepCostVerdict(14, 16), Supported)
	check("cost flat", stepCostVerdict(1.3, 64), Refuted)
	check("cost in between", stepCostVerdict(4, 64), Nuanced)
	// Global minimum.
	check("local minimum", globalMinimumClaim(0.35, -0.3, 1e-6).Verdict, Refuted)
	check("global minimum", globalMinimumClaim(-0.3, -0.3, 1e-6).Verdict, Supported)
	check("no minimum reached", globalMinimumClaim(0.8, -0.3, 0.4).Verdict, Nuanced)
	// Fashion: BGD vs SGD to the validation target, per model.
	v := func(bgdReached, sgdReached int, bgdTTT, sgdTTT float64) versus {
		return versus{model: "m", bgdOK: true, sgdOK: true, bgdReached: bgdReached, sgdReached: sgdReached, seeds: 3, bgdTTT: bgdTTT, sgdTTT: sgdTTT}
	}
	check("SGD sooner", fashionClaim([]versus{v(3, 3, 5, 1)}, "b", "f").Verdict, Refuted)
	check("BGD sooner", fashionClaim([]versus{v(3, 3, 1, 5)}, "b", "f").Verdict, Supported)
	check("split by model", fashionClaim([]versus{v(3, 3, 1, 5), v(0, 3, 0, 1)}, "b", "f").Verdict, Nuanced)
	// Least squares: time to target by batch size.
	ttt := func(mean, ci, evals float64) sweep.Summary {
		return sweep.Summary{TTT: map[string]stats.Summary{"seconds": {Mean: mean, CI95: ci}, "grad_evals": {Mean: evals}}}
	}
	bs := func(full, mini float64, fullCI, miniCI float64) *batchStudy {
		b := &batchStudy{epochs: 60, fullTTT: full, bestMiniTTT: mini, bestMini: "128", best: map[string]sweep.Summary{}}
		if !math.IsNaN(full) {
			b.best["full"] = ttt(full, fullCI, 100)
		}
		if !math.IsInf(mini, 1) {
			b.best["128"] = ttt(mini, miniCI, 5000)
		}
		return b
	}
	check("mini-batch faster", bs(2, 0.5, 0.1, 0.1).claim().Verdict, Refuted)
	check("full batch faster", bs(0.5, 2, 0.1, 0.1).claim().Verdict, Supported)
	check("tie within CIs", bs(1, 0.9, 0.2, 0.2).claim().Verdict, Nuanced)
	check("full never reached", bs(math.NaN(), 0.9, 0, 0.1).claim().Verdict, Refuted)
	check("none reached", bs(math.NaN(), math.Inf(1), 0, 0).claim().Verdict, Nuanced)
}

// The seed rule's claim reaches each outcome, and its float64 check refuses
// a run that disagrees with its recomputation.
func TestSeedRuleClaim(t *testing.T) {
	gd := seedRuleRun{beta: 0, final: 1e-16, reference: 1e-16, gradNorm: 1e-9, refDiv: -1, steps: 1000}
	ok := seedRuleRun{beta: 1e-4, final: 1e-16, reference: 1e-16, gradNorm: 1e-9, refDiv: -1, steps: 1000, uphill: 998}
	rose := seedRuleRun{beta: 1e-3, final: 1e-15, reference: 1e-15, gradNorm: 1e-8, refDiv: -1, steps: 1000, rises: 1}
	blew := seedRuleRun{beta: 1e-2, diverged: true, refDiv: 3, steps: 3}
	stalled := seedRuleRun{beta: 1e-2, final: 0.5, reference: 0.5, gradNorm: 5, refDiv: -1, steps: 1000}
	badGD := gd
	badGD.diverged, badGD.refDiv = true, 10
	for _, tc := range []struct {
		name string
		runs []seedRuleRun
		want Verdict
	}{
		{"blows up where GD converges", []seedRuleRun{gd, ok, blew}, Refuted},
		{"stops at a non-stationary point", []seedRuleRun{gd, stalled}, Refuted},
		{"reaches the minimum, loss rose", []seedRuleRun{gd, ok, rose}, Nuanced},
		{"reaches the minimum descending", []seedRuleRun{gd, ok}, Supported},
		{"GD itself diverged", []seedRuleRun{badGD, ok}, Nuanced},
	} {
		if got := seedRuleClaim("f", tc.runs).Verdict; got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	for _, r := range []seedRuleRun{gd, rose, blew} {
		if err := r.check(); err != nil {
			t.Errorf("consistent run refused: %v", err)
		}
	}
	off := ok
	off.final = 2e-16 * 1e6
	if off.check() == nil {
		t.Error("a run 2e-10 from its recomputation's 1e-16 was accepted")
	}
	half := blew
	half.refDiv = -1
	if half.check() == nil {
		t.Error("a diverged run whose recomputation converged was accepted")
	}
}

// TestSeedRuleReference: β = 0 is plain GD (the closed form), and a large
// β blows up within a few steps from θ = 0 on the textbook data.
func TestSeedRuleReference(t *testing.T) {
	fit, err := experiment.LeastSquares(data.Textbook{})
	if err != nil {
		t.Fatal(err)
	}
	mse, _, uphill, blew := seedRuleReference(fit.Problem, 0, 200)
	th, err := fit.Problem.ExactGD(nil, seedRuleLR, 200)
	if err != nil {
		t.Fatal(err)
	}
	if want := fit.Problem.MSE(th); math.Abs(mse-want) > 1e-9*math.Max(want, 1e-12) || uphill != 0 || blew != -1 {
		t.Errorf("β = 0: MSE %g (closed form %g), uphill %d, blew up %d", mse, want, uphill, blew)
	}
	if _, _, _, blew := seedRuleReference(fit.Problem, 0.1, 200); blew < 0 || blew > 10 {
		t.Errorf("β = 0.1: blew up at %d, want within 10 steps", blew)
	}
}

// The equal-time budget is the longest tuned run's time, raised to 2× the
// fastest finite time to target; methods that never got there do not count.
func TestEqualTimeBudget(t *testing.T) {
	tuned := []tunedMethod{{m: method{short: "BGD"}, wall: 0.4}, {m: method{short: "SGD"}, wall: 1.234567}}
	for _, tc := range []struct {
		ttt  []methodTime
		want float64
	}{
		{[]methodTime{{"SGD", 0.3, nil}, {"BGD", math.Inf(1), nil}}, 1.23},
		{[]methodTime{{"SGD", 0.9, nil}}, 1.8},
		{nil, 1.23},
	} {
		if got, basis := equalTimeBudget(tc.ttt, tuned); got != tc.want || basis == "" {
			t.Errorf("ttt %v: budget %v (%q), want %v", tc.ttt, got, basis, tc.want)
		}
	}
}

// The recipe claim reaches each verdict.
func TestRecipeClaim(t *testing.T) {
	res := func(acc, ci float64) rungResult {
		return rungResult{ok: true, acc: stats.Summary{Mean: acc, CI95: ci}, seconds: stats.Summary{Mean: 1}, ge: 1}
	}
	for _, tc := range []struct {
		name   string
		base   rungResult
		ladder []rungResult
		want   Verdict
	}{
		{"recipe reaches SGD", res(0.80, 0.01), []rungResult{res(0.70, 0.01), res(0.795, 0.01)}, Supported},
		{"recipe closes most of the gap", res(0.80, 0.01), []rungResult{res(0.70, 0.01), res(0.77, 0.01)}, Nuanced},
		{"recipe does not help", res(0.80, 0.01), []rungResult{res(0.70, 0.01), res(0.71, 0.01)}, Refuted},
		{"first rung diverged", res(0.80, 0.01), []rungResult{{}}, Nuanced},
	} {
		if got := recipeClaim("f", tc.base, tc.ladder).Verdict; got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
