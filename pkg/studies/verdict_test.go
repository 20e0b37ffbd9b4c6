package studies

import (
	"math"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/stats"
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
	check("SGD sooner", fashionClaim([]versus{v(3, 3, 5, 1)}).Verdict, Refuted)
	check("BGD sooner", fashionClaim([]versus{v(3, 3, 1, 5)}).Verdict, Supported)
	check("split by model", fashionClaim([]versus{v(3, 3, 1, 5), v(0, 3, 0, 1)}).Verdict, Nuanced)
	// Least squares: time to target by batch size.
	ttt := func(mean, ci, evals float64) experiment.ConfigSummary {
		return experiment.ConfigSummary{TTT: map[string]stats.Summary{"seconds": {Mean: mean, CI95: ci}, "grad_evals": {Mean: evals}}}
	}
	bs := func(full, mini float64, fullCI, miniCI float64) *batchStudy {
		b := &batchStudy{epochs: 60, fullTTT: full, bestMiniTTT: mini, bestMini: "128", best: map[string]experiment.ConfigSummary{}}
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
