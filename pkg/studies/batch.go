package studies

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/sweep"
	"github.com/bgdlab/bgdlab/pkg/theory"
)

// Batch compares batch sizes by steps, epochs and seconds, and the noise floor.
func Batch(s *Env) (Study, error) {
	sec := Study{Title: "3. Batch size: full batch vs mini-batch vs stochastic",
		Intro: "Linear least squares (d = 50, κ = 10, noise 0.5). Each batch size gets the same budget in epochs, runs until the training loss reaches a target (f* + 0.1% of the initial gap) and uses its fastest constant step from a small grid. Loss against epochs, gradient evaluations and training seconds; time to reach the target; the constant-step noise floor against its theoretical value; and how the cost of a full-batch step grows with n."}
	bs, err := runBatchSweep(s)
	if err != nil {
		return sec, err
	}
	sec.Tables = append(sec.Tables, bs.compare())
	figs, err := bs.figures(s)
	if err != nil {
		return sec, err
	}
	sec.Figures = append(sec.Figures, figs...)
	sec.Claims = append(sec.Claims, bs.claim())

	// Noise floor of constant-step SGD vs theory.
	floor, err := noiseFloor(s, bs.problem, bs.fit)
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

// batchStudy holds the batch-size sweep and what compare derives from it.
type batchStudy struct {
	problem              data.SyntheticLinear
	fit                  *experiment.LeastSquaresFit
	fstar, target        float64
	epochs               float64
	seeds                []uint64
	batches              []string
	plans                []sweep.Plan
	res                  []*experiment.Result
	best                 map[string]sweep.Summary // fastest lr per batch size
	epochBands           []plots.Band
	timeBands, evalBands []plots.Band
	tttX, tttY, examples []float64
	fullTTT, bestMiniTTT float64
	bestMini             string
}

// runBatchSweep runs every batch size at every step of a small grid until the
// target loss, and keeps per batch size the step whose every seed reached the
// target in the least mean time.
func runBatchSweep(s *Env) (*batchStudy, error) {
	bs := &batchStudy{epochs: 60, seeds: []uint64{1, 2}, batches: []string{"full", "1024", "128", "16"},
		fullTTT: math.NaN(), bestMiniTTT: math.Inf(1), best: map[string]sweep.Summary{}}
	n := 8000
	if s.Full {
		n, bs.epochs, bs.seeds = 40000, 100, []uint64{1, 2, 3}
	}
	bs.problem = data.SyntheticLinear{N: n, D: 50, Kappa: 10, Noise: 0.5}
	fit, err := experiment.LeastSquares(bs.problem)
	if err != nil {
		return nil, err
	}
	bs.fit, bs.fstar = fit, fit.FStar
	f0 := fit.Problem.MSE(make([]float64, len(fit.ThetaStar)))
	bs.target = bs.fstar + 0.001*(f0-bs.fstar)
	l := fit.Curvature.L
	c := &sweep.Config{Base: experiment.Spec{Data: bs.problem, Model: models.Linear{}, Epochs: bs.epochs, DType: "float32", Init: "zeros", TrainLoss: "full", TargetLoss: &bs.target},
		Optimizers: []string{"gd"}, Grid: map[string][]any{"batch": toAny(bs.batches), "lr": {1 / l, 0.3 / l, 0.1 / l, 0.03 / l}}, Seeds: bs.seeds, TargetLoss: &bs.target}
	if bs.plans, bs.res, err = s.sweep("batch", c); err != nil {
		return nil, err
	}
	for _, sm := range sweep.Summaries(c, bs.plans, bs.res) {
		b := sm.Params["batch"]
		cur, ok := bs.best[b]
		v := sm.TTT["seconds"].Mean
		if sm.Diverged == 0 && sm.Reached == sm.Runs && (!ok || v < cur.TTT["seconds"].Mean) {
			bs.best[b] = sm
		}
	}
	return bs, nil
}

// compare builds the table of the fastest step per batch size and the loss
// bands and time-to-target points the figures show.
func (bs *batchStudy) compare() Table {
	table := Table{Caption: fmt.Sprintf("Fastest step per batch size (f* = %s, target loss f* + 0.1%% of the initial gap = %s; budget %g epochs; %d seeds, mean ± 95%% CI).", g(bs.fstar), g(bs.target), bs.epochs, len(bs.seeds)),
		Header: []string{"batch", "best lr", "seconds per epoch", "reached target", "time to target (s)", "epochs to target", "gradient evaluations (steps) to target"}}
	for bi, b := range bs.batches {
		sm, ok := bs.best[b]
		if !ok {
			table.Rows = append(table.Rows, []string{b, "—", "", "not within the budget at any step size", "", "", ""})
			continue
		}
		bs.addBands(bi, b, sm)
		ttt := sm.TTT["seconds"]
		tttStr, epStr, geStr := "—", "—", "—"
		if sm.Reached > 0 {
			tttStr, epStr, geStr = g(ttt.Mean)+ci(ttt), g(sm.TTT["epochs"].Mean), g(sm.TTT["grad_evals"].Mean)
		}
		secPerEpoch := sm.Stats["wall_s"].Mean / sm.Stats["epoch"].Mean
		table.Rows = append(table.Rows, []string{b, g(paramOf(sm, "lr")), g(secPerEpoch), fmt.Sprintf("%d/%d", sm.Reached, sm.Runs), tttStr, epStr, geStr})
		if sm.Reached == sm.Runs {
			bs.addTTT(b, sm)
		}
	}
	return table
}

// addBands adds batch size b's loss bands (mean ± CI across seeds) against
// epochs, seconds and gradient evaluations.
func (bs *batchStudy) addBands(bi int, b string, sm sweep.Summary) {
	var hs [][]experiment.Record
	for i, p := range bs.plans {
		if p.Config == sm.Config {
			hs = append(hs, bs.res[i].History)
		}
	}
	runs := func(f func(experiment.Record) float64) [][]float64 {
		var out [][]float64
		for _, h := range hs {
			out = append(out, column(h, f))
		}
		return out
	}
	gapOf := func(r experiment.Record) float64 { return r.TrainLoss - bs.fstar }
	name, col := "batch "+b, plots.Palette[bi%len(plots.Palette)]
	x := column(hs[0], func(r experiment.Record) float64 { return r.Epoch })
	band := plots.MeanBand(name, x, runs(gapOf))
	tb := plots.MeanBand(name, plots.MeanBand("", x, runs(func(r experiment.Record) float64 { return r.WallS })).Mean, runs(gapOf))
	eb := plots.MeanBand(name, column(hs[0], func(r experiment.Record) float64 { return float64(r.GradEvals) }), runs(gapOf))
	band.Color, tb.Color, eb.Color = col, col, col
	bs.epochBands, bs.timeBands, bs.evalBands = append(bs.epochBands, band), append(bs.timeBands, tb), append(bs.evalBands, eb)
}

// addTTT records batch size b's time and examples to the target.
func (bs *batchStudy) addTTT(b string, sm sweep.Summary) {
	size := float64(bs.fit.Train.N)
	if b != "full" {
		size, _ = strconv.ParseFloat(b, 64)
	}
	ttt := sm.TTT["seconds"].Mean
	bs.tttX, bs.tttY = append(bs.tttX, size), append(bs.tttY, ttt)
	bs.examples = append(bs.examples, sm.TTT["epochs"].Mean*float64(bs.fit.Train.N))
	if b == "full" {
		bs.fullTTT = ttt
	} else if ttt < bs.bestMiniTTT {
		bs.bestMiniTTT, bs.bestMini = ttt, b
	}
}

// figures draws the loss against epochs, steps and seconds, and the
// time-to-target trade-off.
func (bs *batchStudy) figures(s *Env) ([]Figure, error) {
	var figs []Figure
	for _, f := range []struct {
		name, x, caption string
		bands            []plots.Band
	}{
		{"batch_loss_epochs", "epochs", "Per epoch, smaller batches make far more progress: BGD takes one step per pass over the data.", bs.epochBands},
		{"batch_loss_grad_evals", "gradient evaluations (steps)", "Per gradient evaluation (step), the full batch wins: each of its steps uses the exact gradient.", bs.evalBands},
		{"batch_loss_seconds", "training seconds", "Against wall-clock time on this machine: the trade-off that matters in practice.", bs.timeBands},
	} {
		p := plots.Bands("Least squares (κ = 10): f − f* vs "+f.x, f.x, "f(θ) − f* (log scale)", true, f.bands)
		fig, err := s.figure(p, f.name, f.caption)
		if err != nil {
			return nil, err
		}
		figs = append(figs, fig)
	}
	tp := plots.Tradeoff("Time and examples to the target loss vs batch size", "batch size (log)", "seconds / examples (log)",
		plots.XY{Name: "seconds to target", X: bs.tttX, Y: bs.tttY}, plots.XY{Name: "examples to target (÷1000)", X: bs.tttX, Y: scaleAll(bs.examples, 1e-3)})
	fig, err := s.figure(tp, "batch_tradeoff", "Time-to-target and examples-to-target against batch size.")
	return append(figs, fig), err
}

// claim decides "BGD trains faster than SGD" from the times to target: a
// difference within both 95% intervals is nuanced.
func (bs *batchStudy) claim() Claim {
	claim := Claim{Statement: "“BGD trains faster than SGD.” (least squares, κ = 10, time to a target loss)", Figure: "batch_loss_seconds"}
	full, mini := bs.best["full"].TTT, bs.best[bs.bestMini].TTT
	fullTTT, bestMiniTTT, bestMini := bs.fullTTT, bs.bestMiniTTT, bs.bestMini
	overlap := false // the two times to target are within each other's 95% intervals
	if !math.IsNaN(fullTTT) && !math.IsInf(bestMiniTTT, 1) {
		fc, mc := full["seconds"].CI95, mini["seconds"].CI95
		overlap = !math.IsNaN(fc) && !math.IsNaN(mc) && math.Abs(fullTTT-bestMiniTTT) <= fc+mc
	}
	switch {
	case overlap:
		claim.Verdict, claim.Evidence = Nuanced, fmt.Sprintf("full batch reached the target loss in %s s, mini-batch %s in %s s: the difference is within the 95%% intervals across seeds. BGD needs fewer steps (%s vs %s), each a full pass over the data; which wins in wall-clock time depends on how cheap a large-batch step is on this backend.",
			g(fullTTT)+ci(full["seconds"]), bestMini, g(bestMiniTTT)+ci(mini["seconds"]), g(full["grad_evals"].Mean), g(mini["grad_evals"].Mean))
	case math.IsNaN(fullTTT) && !math.IsInf(bestMiniTTT, 1):
		claim.Verdict, claim.Evidence = Refuted, fmt.Sprintf("within %g epochs full-batch GD never reached the target loss; mini-batch %s did in %s s.", bs.epochs, bestMini, g(bestMiniTTT))
	case !math.IsInf(bestMiniTTT, 1) && bestMiniTTT < fullTTT:
		fullSteps, miniSteps := full["grad_evals"].Mean, mini["grad_evals"].Mean
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
	return claim
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

// paramOf is the grid value of key in a summary's configuration (NaN if
// none).
func paramOf(sm sweep.Summary, key string) float64 {
	v, err := strconv.ParseFloat(sm.Params[key], 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// Floor is constant-step SGD's noise floor at one batch size: the mean of
// f − f* over the second half of the run, and the additive-noise and
// multiplicative-noise (Gaussian features) predictions.
type Floor struct {
	Batch                              int
	Measured, Additive, Multiplicative float64
}

// NoiseFloors runs constant-step SGD (step alpha, batches drawn with
// replacement) for nSteps steps at each batch size on the least-squares
// problem d, in float64 from θ = 0, and compares each plateau with theory
// (results under noise-floor).
func NoiseFloors(s *Env, d data.Config, alpha float64, batches []int, nSteps int) ([]Floor, error) {
	fit, err := experiment.LeastSquares(d)
	if err != nil {
		return nil, err
	}
	// Equal steps for every batch size: the first half forgets the start, the
	// second half measures the stationary spread.
	c := &sweep.Config{Base: experiment.Spec{Data: d, Model: models.Linear{}, Steps: nSteps, DType: "float64", Init: "zeros", TrainLoss: "full"},
		Optimizers: []string{optim.GD{LR: alpha}.String()}, Grid: map[string][]any{"batch": miniReplace(batches)}, Seeds: []uint64{1}}
	_, res, err := s.sweep("noise-floor", c)
	if err != nil {
		return nil, err
	}
	var out []Floor
	for i, r := range res {
		f := Floor{Batch: batches[i]}
		h := r.History
		var sum float64
		var cnt int
		for _, rec := range h[len(h)/2:] {
			if !math.IsNaN(rec.TrainLoss) {
				sum += rec.TrainLoss - fit.FStar
				cnt++
			}
		}
		f.Measured = sum / float64(max(cnt, 1))
		if f.Additive, err = theory.NoiseFloorLeastSquares(fit.Train, fit.ThetaStar, true, alpha, f.Batch, false); err != nil {
			return nil, err
		}
		if f.Multiplicative, err = theory.NoiseFloorLeastSquaresGaussian(fit.Train, fit.ThetaStar, true, alpha, f.Batch); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// floorResult is the noise-floor part of the batch study.
type floorResult struct {
	table Table
	fig   Figure
}

// noiseFloor measures the plateau of constant-step SGD (α = 0.2/L) at four
// batch sizes and compares it with theory.
func noiseFloor(s *Env, d data.Config, fit *experiment.LeastSquaresFit) (floorResult, error) {
	var out floorResult
	alpha := 0.2 / fit.Curvature.L
	nSteps := 3000
	if s.Full {
		nSteps = 10000
	}
	floors, err := NoiseFloors(s, d, alpha, []int{4, 16, 64, 256}, nSteps)
	if err != nil {
		return out, err
	}
	out.table = Table{Caption: fmt.Sprintf("Noise floor of constant-step SGD (α = 0.2/L = %s, batches drawn with replacement): mean f − f* over the second half of the run vs the additive-noise formula (α/2B)·Σ Sᵢᵢ/(2 − αλᵢ) and its correction for state-dependent (multiplicative) noise with Gaussian features.", g(alpha)),
		Header: []string{"batch B", "measured plateau f − f*", "additive-noise theory", "ratio", "with multiplicative noise", "ratio"}}
	var xs, meas, pred, predG []float64
	for _, f := range floors {
		m, p, pg := f.Measured, f.Additive, f.Multiplicative
		out.table.Rows = append(out.table.Rows, []string{strconv.Itoa(f.Batch), g(m), g(p), fmt.Sprintf("%.2f", m/p), g(pg), fmt.Sprintf("%.2f", m/pg)})
		xs, meas, pred, predG = append(xs, float64(f.Batch)), append(meas, m), append(pred, p), append(predG, pg)
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
	c := &sweep.Config{Base: experiment.Spec{Model: models.Linear{}, Batch: data.FullBatch, Steps: 30, DType: "float32", Init: "zeros", EvalEvery: 1000},
		Optimizers: []string{optim.GD{LR: 0.01}.String()}, Seeds: []uint64{1}}
	var specs []any
	for _, n := range ns {
		specs = append(specs, data.SyntheticLinear{N: n, D: 50, Kappa: 10, Noise: 0.5, Holdout: data.NoHoldout}.String())
	}
	c.Grid = map[string][]any{"data": specs}
	_, res, err := s.sweep("step-cost", c)
	if err != nil {
		return Figure{}, Claim{}, err
	}
	var xs, ys []float64
	for i, r := range res {
		xs = append(xs, float64(ns[i]))
		ys = append(ys, r.Final.WallS/float64(r.Steps))
	}
	sort.Float64s(xs)
	tp := plots.Tradeoff("Cost of one full-batch gradient step vs n", "training examples n (log)", "seconds per step (log)", plots.XY{Name: "full-batch step", X: xs, Y: ys})
	fig, err := s.figure(tp, "batch_step_cost", "A full-batch step touches every example: its cost grows with n.")
	if err != nil {
		return fig, Claim{}, err
	}
	growth := ys[len(ys)-1] / ys[0]
	ratio := xs[len(xs)-1] / xs[0]
	claim := Claim{Statement: "“BGD is expensive on large data.”", Figure: fig.Name, Verdict: stepCostVerdict(growth, ratio)}
	claim.Evidence = fmt.Sprintf("one full-batch step took %s s at n = %d and %s s at n = %d: %.1f× the time for %.0f× the data (per-step cost ∝ n; mini-batch steps cost the same at any n).",
		g(ys[0]), int(xs[0]), g(ys[len(ys)-1]), int(xs[len(xs)-1]), growth, ratio)
	return fig, claim, nil
}

// stepCostVerdict judges "BGD is expensive on large data" from how much a
// full-batch step's time grew (growth) over a ratio-fold range of n:
// supported when it grew at least 0.3× as fast as n, refuted when it did not
// even double (per-step overhead, not the data, sets the cost at these
// sizes), nuanced in between.
func stepCostVerdict(growth, ratio float64) Verdict {
	switch {
	case growth > 0.3*ratio:
		return Supported
	case growth < 2:
		return Refuted
	}
	return Nuanced
}
