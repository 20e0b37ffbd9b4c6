package studies

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/theory"
)

// Batch compares batch sizes by steps, epochs and seconds, and the noise floor.
func Batch(s *Env) (Study, error) {
	sec := Study{Title: "3. Batch size: full batch vs mini-batch vs stochastic",
		Intro: "Linear least squares (d = 50, κ = 10, noise 0.5). Each batch size gets the same budget in epochs, runs until the training loss reaches a target (f* + 0.1% of the initial gap) and uses its fastest constant step from a small grid. Loss against epochs, gradient evaluations and training seconds; time to reach the target; the constant-step noise floor against its theoretical value; and how the cost of a full-batch step grows with n."}
	n, epochs, seeds := 8000, 60.0, []uint64{1, 2}
	if s.Full {
		n, epochs, seeds = 40000, 100, []uint64{1, 2, 3}
	}
	dataSpec := fmt.Sprintf("synthetic-linear:n=%d,d=50,kappa=10,noise=0.5", n)
	fit, err := experiment.LeastSquares(dataSpec)
	if err != nil {
		return sec, err
	}
	curv, prob, star, fstar := fit.Curvature, fit.Problem, fit.ThetaStar, fit.FStar
	f0 := prob.MSE(make([]float64, len(star)))
	target := fstar + 0.001*(f0-fstar)
	batches := []string{"full", "1024", "128", "16"}
	grid := []any{1 / curv.L, 0.3 / curv.L, 0.1 / curv.L, 0.03 / curv.L}
	c := &experiment.SweepConfig{Base: experiment.Spec{Data: dataSpec, Model: "linear", Epochs: epochs, DType: "float32", Init: "zeros", TrainLoss: "full", TargetLoss: &target},
		Optimizers: []string{"gd"}, Grid: map[string][]any{"batch": toAny(batches), "lr": grid}, Seeds: seeds, TargetLoss: &target}
	plans, res, err := s.sweep("batch", c)
	if err != nil {
		return sec, err
	}
	sums := experiment.Summaries(c, plans, res)
	// Fastest lr per batch size: every seed reached the target, least mean time.
	best := map[string]experiment.ConfigSummary{}
	for _, sm := range sums {
		b := sm.Params["batch"]
		cur, ok := best[b]
		v := sm.TTT["seconds"].Mean
		if sm.Diverged == 0 && sm.Reached == sm.Runs && (!ok || v < cur.TTT["seconds"].Mean) {
			best[b] = sm
		}
	}
	table := Table{Caption: fmt.Sprintf("Fastest step per batch size (f* = %s, target loss f* + 0.1%% of the initial gap = %s; budget %g epochs; %d seeds, mean ± 95%% CI).", g(fstar), g(target), epochs, len(seeds)),
		Header: []string{"batch", "best lr", "seconds per epoch", "reached target", "time to target (s)", "epochs to target", "gradient evaluations (steps) to target"}}
	var epochBands, timeBands, evalBands []plots.Band
	var tttX, tttY, examplesY []float64
	fullTTT, bestMiniTTT, bestMini := math.NaN(), math.Inf(1), ""
	for bi, b := range batches {
		sm, ok := best[b]
		if !ok {
			table.Rows = append(table.Rows, []string{b, "—", "", "not within the budget at any step size", "", "", ""})
			continue
		}
		var hs [][]experiment.Record
		for i, p := range plans {
			if p.Config == sm.Config {
				hs = append(hs, res[i].History)
			}
		}
		x := column(hs[0], func(r experiment.Record) float64 { return r.Epoch })
		runs := func(f func(experiment.Record) float64) [][]float64 {
			var out [][]float64
			for _, h := range hs {
				out = append(out, column(h, f))
			}
			return out
		}
		gapOf := func(r experiment.Record) float64 { return r.TrainLoss - fstar }
		name := "batch " + b
		col := plots.Palette[bi%len(plots.Palette)]
		band := plots.MeanBand(name, x, runs(gapOf))
		band.Color = col
		epochBands = append(epochBands, band)
		tb := plots.MeanBand(name, plots.MeanBand("", x, runs(func(r experiment.Record) float64 { return r.WallS })).Mean, runs(gapOf))
		tb.Color = col
		timeBands = append(timeBands, tb)
		eb := plots.MeanBand(name, column(hs[0], func(r experiment.Record) float64 { return float64(r.GradEvals) }), runs(gapOf))
		eb.Color = col
		evalBands = append(evalBands, eb)
		secPerEpoch := sm.Stats["wall_s"].Mean / sm.Stats["epoch"].Mean
		ttt := sm.TTT["seconds"]
		reached := fmt.Sprintf("%d/%d", sm.Reached, sm.Runs)
		tttStr, epStr, geStr := "—", "—", "—"
		if sm.Reached > 0 {
			tttStr = g(ttt.Mean) + ci(ttt)
			epStr = g(sm.TTT["epochs"].Mean)
			geStr = g(sm.TTT["grad_evals"].Mean)
		}
		table.Rows = append(table.Rows, []string{b, g(optimLR(sm.Config)), g(secPerEpoch), reached, tttStr, epStr, geStr})
		bs := float64(fit.Train.N)
		if b != "full" {
			bs, _ = strconv.ParseFloat(b, 64)
		}
		if sm.Reached == sm.Runs {
			tttX = append(tttX, bs)
			tttY = append(tttY, ttt.Mean)
			examplesY = append(examplesY, sm.TTT["epochs"].Mean*float64(fit.Train.N))
			if b == "full" {
				fullTTT = ttt.Mean
			} else if ttt.Mean < bestMiniTTT {
				bestMiniTTT, bestMini = ttt.Mean, b
			}
		}
	}
	sec.Tables = append(sec.Tables, table)
	var figs []Figure
	for _, f := range []struct {
		name, x, caption string
		bands            []plots.Band
	}{
		{"batch_loss_epochs", "epochs", "Per epoch, smaller batches make far more progress: BGD takes one step per pass over the data.", epochBands},
		{"batch_loss_grad_evals", "gradient evaluations (steps)", "Per gradient evaluation (step), the full batch wins: each of its steps uses the exact gradient.", evalBands},
		{"batch_loss_seconds", "training seconds", "Against wall-clock time on this machine: the trade-off that matters in practice.", timeBands},
	} {
		p := plots.Bands("Least squares (κ = 10): f − f* vs "+f.x, f.x, "f(θ) − f* (log scale)", true, f.bands)
		fig, err := s.figure(p, f.name, f.caption)
		if err != nil {
			return sec, err
		}
		figs = append(figs, fig)
	}
	tp := plots.Tradeoff("Time and examples to the target loss vs batch size", "batch size (log)", "seconds / examples (log)",
		plots.XY{Name: "seconds to target", X: tttX, Y: tttY}, plots.XY{Name: "examples to target (÷1000)", X: tttX, Y: scaleAll(examplesY, 1e-3)})
	fig, err := s.figure(tp, "batch_tradeoff", "Time-to-target and examples-to-target against batch size.")
	if err != nil {
		return sec, err
	}
	figs = append(figs, fig)
	sec.Figures = append(sec.Figures, figs...)

	claim := Claim{Statement: "“BGD trains faster than SGD.” (least squares, κ = 10, time to a target loss)", Figure: "batch_loss_seconds"}
	overlap := false // the two times to target are within each other's 95% intervals
	if !math.IsNaN(fullTTT) && !math.IsInf(bestMiniTTT, 1) {
		fc, mc := best["full"].TTT["seconds"].CI95, best[bestMini].TTT["seconds"].CI95
		overlap = !math.IsNaN(fc) && !math.IsNaN(mc) && math.Abs(fullTTT-bestMiniTTT) <= fc+mc
	}
	switch {
	case overlap:
		claim.Verdict, claim.Evidence = Nuanced, fmt.Sprintf("full batch reached the target loss in %s s, mini-batch %s in %s s: the difference is within the 95%% intervals across seeds. BGD needs fewer steps (%s vs %s), each a full pass over the data; which wins in wall-clock time depends on how cheap a large-batch step is on this backend.",
			g(fullTTT)+ci(best["full"].TTT["seconds"]), bestMini, g(bestMiniTTT)+ci(best[bestMini].TTT["seconds"]), g(best["full"].TTT["grad_evals"].Mean), g(best[bestMini].TTT["grad_evals"].Mean))
	case math.IsNaN(fullTTT) && !math.IsInf(bestMiniTTT, 1):
		claim.Verdict, claim.Evidence = Refuted, fmt.Sprintf("within %g epochs full-batch GD never reached the target loss; mini-batch %s did in %s s.", epochs, bestMini, g(bestMiniTTT))
	case !math.IsInf(bestMiniTTT, 1) && bestMiniTTT < fullTTT:
		fullSteps := best["full"].TTT["grad_evals"].Mean
		miniSteps := best[bestMini].TTT["grad_evals"].Mean
		perStep := "needs fewer steps"
		switch {
		case fullSteps == miniSteps:
			perStep = "needs the same number of steps"
		case fullSteps > miniSteps:
			perStep = "needs even more steps"
		}
		claim.Verdict, claim.Evidence = Refuted, fmt.Sprintf("mini-batch %s reached the target loss in %s s, full batch in %s s (%.1f× slower); BGD %s (%s vs %s), but each of its steps costs a full pass over the data.", bestMini, g(bestMiniTTT), g(fullTTT), fullTTT/bestMiniTTT, perStep, g(fullSteps), g(miniSteps))
	case !math.IsNaN(fullTTT):
		claim.Verdict, claim.Evidence = Supported, fmt.Sprintf("full batch reached the target in %s s, the best mini-batch (%s) in %s s.", g(fullTTT), bestMini, g(bestMiniTTT))
	default:
		claim.Verdict, claim.Evidence = Nuanced, "no batch size reached the target within the budget."
	}
	sec.Claims = append(sec.Claims, claim)

	// Noise floor of constant-step SGD vs theory.
	floor, err := noiseFloor(s, dataSpec, fit, fstar)
	if err != nil {
		return sec, err
	}
	sec.Tables = append(sec.Tables, floor.table)
	if floor.fig.Name != "" {
		sec.Figures = append(sec.Figures, floor.fig)
	}

	// Cost of a full-batch step vs n.
	cost, costClaim, err := stepCost(s)
	if err != nil {
		return sec, err
	}
	sec.Figures = append(sec.Figures, cost)
	sec.Claims = append(sec.Claims, costClaim)
	return sec, nil
}

func toAny(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func scaleAll(xs []float64, c float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * c
	}
	return out
}

// optimLR extracts lr=… from a sweep configuration label.
func optimLR(config string) float64 {
	for _, f := range strings.Fields(config) {
		if strings.HasPrefix(f, "lr=") {
			v, _ := strconv.ParseFloat(strings.TrimPrefix(f, "lr="), 64)
			return v
		}
	}
	return math.NaN()
}

type floorResult struct {
	table Table
	fig   Figure
}

// noiseFloor runs constant-step SGD long enough to plateau for several batch
// sizes and compares the plateau of f − f* with theory.NoiseFloorLeastSquares.
func noiseFloor(s *Env, dataSpec string, fit *experiment.LeastSquaresFit, fstar float64) (floorResult, error) {
	var out floorResult
	train, star, curv := fit.Train, fit.ThetaStar, fit.Curvature
	alpha := 0.2 / curv.L
	batches := []int{4, 16, 64, 256}
	nSteps := 3000
	if s.Full {
		nSteps = 10000
	}
	// Equal steps for every batch size: the first half forgets the start, the
	// second half measures the stationary spread.
	c := &experiment.SweepConfig{Base: experiment.Spec{Data: dataSpec, Model: "linear", Steps: nSteps, DType: "float64", Init: "zeros", TrainLoss: "full"},
		Optimizers: []string{fmt.Sprintf("gd:lr=%.17g", alpha)}, Grid: map[string][]any{"batch": miniReplace(batches)}, Seeds: []uint64{1}}
	out.table = Table{Caption: fmt.Sprintf("Noise floor of constant-step SGD (α = 0.2/L = %s, batches drawn with replacement): mean f − f* over the second half of the run vs the additive-noise formula (α/2B)·Σ Sᵢᵢ/(2 − αλᵢ) and its correction for state-dependent (multiplicative) noise with Gaussian features.", g(alpha)),
		Header: []string{"batch B", "measured plateau f − f*", "additive-noise theory", "ratio", "with multiplicative noise", "ratio"}}
	_, res, err := s.sweep("noise-floor", c)
	if err != nil {
		return out, err
	}
	var xs, meas, pred, predG []float64
	for i, r := range res {
		b := batches[i]
		h := r.History
		var sum float64
		var cnt int
		for _, rec := range h[len(h)/2:] {
			if !math.IsNaN(rec.TrainLoss) {
				sum += rec.TrainLoss - fstar
				cnt++
			}
		}
		m := sum / float64(max(cnt, 1))
		p, err := theory.NoiseFloorLeastSquares(train, star, true, alpha, b, false)
		if err != nil {
			return out, err
		}
		pg, err := theory.NoiseFloorLeastSquaresGaussian(train, star, true, alpha, b)
		if err != nil {
			return out, err
		}
		out.table.Rows = append(out.table.Rows, []string{strconv.Itoa(b), g(m), g(p), fmt.Sprintf("%.2f", m/p), g(pg), fmt.Sprintf("%.2f", m/pg)})
		xs, meas, pred = append(xs, float64(b)), append(meas, m), append(pred, p)
		predG = append(predG, pg)
	}
	tp := plots.Tradeoff("Constant-step SGD noise floor vs batch size", "batch size (log)", "f − f* plateau (log)",
		plots.XY{Name: "measured", X: xs, Y: meas}, plots.XY{Name: "theory, additive noise", X: xs, Y: pred}, plots.XY{Name: "theory, + multiplicative noise", X: xs, Y: predG})
	out.fig, err = s.figure(tp, "batch_noise_floor", "The plateau of constant-step SGD shrinks as 1/B, as the stationary-variance formula predicts.")
	return out, err
}

func miniReplace(xs []int) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("mini:size=%d,replace=true", x)
	}
	return out
}

// stepCost times full-batch GD steps for growing n: "BGD is expensive on large data".
func stepCost(s *Env) (Figure, Claim, error) {
	ns := []int{2000, 8000, 32000}
	if s.Full {
		ns = []int{2000, 8000, 32000, 128000}
	}
	c := &experiment.SweepConfig{Base: experiment.Spec{Model: "linear", Batch: "full", Steps: 30, DType: "float32", Init: "zeros", EvalEvery: 1000},
		Optimizers: []string{"gd:lr=0.01"}, Seeds: []uint64{1}}
	var specs []any
	for _, n := range ns {
		specs = append(specs, fmt.Sprintf("synthetic-linear:n=%d,d=50,kappa=10,noise=0.5,val=0,test=0", n))
	}
	c.Grid = map[string][]any{"data": specs}
	_, res, err := s.sweep("step-cost", c)
	if err != nil {
		return Figure{}, Claim{}, err
	}
	var xs, ys []float64
	for i, r := range res {
		xs = append(xs, float64(ns[i]))
		ys = append(ys, r.Final["wall_s"]/float64(r.Steps))
	}
	sort.Float64s(xs)
	tp := plots.Tradeoff("Cost of one full-batch gradient step vs n", "training examples n (log)", "seconds per step (log)", plots.XY{Name: "full-batch step", X: xs, Y: ys})
	fig, err := s.figure(tp, "batch_step_cost", "A full-batch step touches every example: its cost grows with n.")
	if err != nil {
		return fig, Claim{}, err
	}
	growth := ys[len(ys)-1] / ys[0]
	ratio := xs[len(xs)-1] / xs[0]
	claim := Claim{Statement: "“BGD is expensive on large data.”", Figure: fig.Name}
	if growth > 0.3*ratio {
		claim.Verdict = Supported
	} else {
		claim.Verdict = Nuanced
	}
	claim.Evidence = fmt.Sprintf("one full-batch step took %s s at n = %d and %s s at n = %d: %.1f× the time for %.0f× the data (per-step cost ∝ n; mini-batch steps cost the same at any n).",
		g(ys[0]), int(xs[0]), g(ys[len(ys)-1]), int(xs[len(xs)-1]), growth, ratio)
	return fig, claim, nil
}
