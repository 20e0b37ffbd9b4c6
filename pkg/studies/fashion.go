package studies

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/stats"
)

// method is one contender of the Fashion-MNIST comparison.
type method struct {
	label, short, opt, batch string
	lrs                      []any
	lineSearch               bool
}

// fashionModel is one model of the Fashion-MNIST comparison and the
// validation accuracy that defines its time-to-target.
type fashionModel struct {
	label, spec string
	target      float64
}

// fashionPlan is the Fashion-MNIST comparison's setting: data, budget,
// seeds, models and contenders.
type fashionPlan struct {
	dataSpec string
	epochs   float64
	seeds    []uint64
	models   []fashionModel
	methods  []method
}

// fashionPlanFor returns the quick (subsets, 8 epochs) or full (all data,
// 30 epochs, wider grids) setting.
func fashionPlanFor(full bool) fashionPlan {
	p := fashionPlan{
		dataSpec: "fashion-mnist:subset=6000,val=1000,test_subset=2000,standardize=true",
		epochs:   8, seeds: []uint64{1, 2, 3},
		models: []fashionModel{{"softmax regression", "softmax", 0.78}, {"MLP 784→128→10", "mlp:hidden=128", 0.80}},
		methods: []method{
			{label: "BGD (gd, full batch)", short: "BGD", opt: "gd", batch: "full", lrs: []any{0.03, 0.1, 0.3, 1.0}},
			{label: "SGD (gd, batch 128)", short: "SGD", opt: "gd", batch: "128", lrs: []any{0.01, 0.03, 0.1}},
			{label: "momentum (batch 128)", short: "momentum", opt: "momentum", batch: "128", lrs: []any{0.003, 0.01, 0.03}},
			{label: "Adam (batch 128)", short: "Adam", opt: "adam", batch: "128", lrs: []any{3e-4, 1e-3, 3e-3}},
			{label: "L-BFGS (full batch)", short: "L-BFGS", opt: "lbfgs", batch: "full", lineSearch: true},
		},
	}
	if full {
		p.dataSpec = "fashion-mnist:standardize=true"
		p.epochs = 30
		p.models = []fashionModel{{"softmax regression", "softmax", 0.84}, {"MLP 784→256→128→10", "mlp:hidden=256x128", 0.87}}
		p.methods[0].lrs = []any{0.03, 0.1, 0.3, 1.0}
		p.methods[1].lrs = []any{0.003, 0.01, 0.03, 0.1}
		p.methods[2].lrs = []any{0.001, 0.003, 0.01, 0.03}
		p.methods[3].lrs = []any{1e-4, 3e-4, 1e-3, 3e-3}
	}
	return p
}

// Fashion compares optimizers on Fashion-MNIST at tuned rates.
func Fashion(s *Env) (Study, error) { return runFashion(s, fashionPlanFor(s.Full)) }

func runFashion(s *Env, plan fashionPlan) (Study, error) {
	sec := Study{Title: "4. Optimizers on Fashion-MNIST",
		Intro: "Softmax regression and an MLP on Fashion-MNIST (pixels standardized on the training set). Every method gets the same budget in epochs (passes over the training data, line-search trials included), its learning rate tuned on the validation set over a small grid, several seeds; the table reports the tuned configuration on the test set (mean ± 95% CI across seeds). Time-to-target is training time until the validation accuracy first reaches the target."}
	if _, err := data.Load(plan.dataSpec); err != nil {
		return sec, fmt.Errorf("%w (the Fashion-MNIST study needs the data: scripts/setup installs it)", err)
	}
	table := Table{Caption: fmt.Sprintf("Learning rate tuned on the final validation accuracy (the metric reported), reported on test; budget %g epochs; %d seeds. “(grid edge)”: the tuned rate is the smallest or largest tried, so the optimum may lie outside the grid.", plan.epochs, len(plan.seeds)),
		Header: []string{"model", "method", "tuned lr", "test accuracy", "test loss", "epochs used", "training seconds", "reached val target", "time to target (s)"}}
	var vs []versus
	for _, mc := range plan.models {
		fm := &fashionModelRuns{cmp: versus{model: mc.label, seeds: len(plan.seeds)}}
		for _, m := range plan.methods {
			row, err := fm.method(s, plan, mc, m)
			if err != nil {
				return sec, err
			}
			table.Rows = append(table.Rows, row)
		}
		figs, err := fm.figures(s, plan, mc)
		if err != nil {
			return sec, err
		}
		sec.Figures = append(sec.Figures, figs...)
		vs = append(vs, fm.cmp)
	}
	sec.Tables = append(sec.Tables, table)
	sec.Claims = append(sec.Claims, fashionClaim(plan.epochs, vs))
	return sec, nil
}

// versus is, per model, BGD against plain mini-batch SGD for the claim.
type versus struct {
	model                  string
	bgdOK, sgdOK           bool // false: every configuration diverged
	bgdReached, sgdReached int
	seeds                  int
	bgdTTT, sgdTTT         float64
	bgdAcc, sgdAcc         float64
}

// fashionModelRuns collects one model's methods for its figures and claim.
type fashionModelRuns struct {
	cmp       versus
	accBands  []plots.Band
	lrPts     []plots.LRPoint
	barNames  []string
	barVals   []float64
	barErrs   []float64
	barColors []color.Color
}

// method tunes m's learning rate on model mc and returns its table row.
func (fm *fashionModelRuns) method(s *Env, plan fashionPlan, mc fashionModel, m method) ([]string, error) {
	base := experiment.Spec{Data: plan.dataSpec, Model: mc.spec, Batch: m.batch, Epochs: plan.epochs, DType: "float32", TrainLoss: "batch"}
	if m.lineSearch {
		// Each L-BFGS iteration costs at least two passes (gradient + trial),
		// usually about three.
		base.Epochs, base.Steps = 0, max(1, int(plan.epochs/3))
	}
	c := &experiment.SweepConfig{Base: base, Optimizers: []string{m.opt}, Seeds: plan.seeds, Select: "val_metric"}
	if len(m.lrs) > 0 {
		c.Grid = map[string][]any{"lr": m.lrs}
	}
	id := fmt.Sprintf("fashion/%s/%s-%s", strings.SplitN(mc.spec, ":", 2)[0], m.opt, m.batch)
	plans, res, err := s.sweep(id, c)
	if err != nil {
		return nil, err
	}
	sums := experiment.Summaries(c, plans, res)
	for _, sm := range sums {
		for i, p := range plans {
			if p.Config == sm.Config {
				fm.lrPts = append(fm.lrPts, plots.LRPoint{Optimizer: m.label, LR: res[i].Optimizer["lr"], Value: res[i].Final.ValLoss, Diverged: res[i].Status == experiment.StatusDiverged, Color: m.color()})
			}
		}
	}
	best := experiment.Best(c, sums)
	if len(best) == 0 {
		return []string{mc.label, m.label, "—", "all diverged", "", "", "", "", ""}, nil
	}
	b := best[0]
	var hs [][]experiment.Record
	var ttts []float64
	for i, p := range plans {
		if p.Config != b.Config {
			continue
		}
		hs = append(hs, res[i].History)
		if t, ok := experiment.TimeToTarget(res[i].History, "val_metric", mc.target, false); ok {
			ttts = append(ttts, t.Seconds)
		}
	}
	reached, ttt := len(ttts), stats.Summarize(ttts)
	lr := "line search"
	if len(m.lrs) > 0 {
		lr = g(optimLR(b.Config))
		if atGridEdge(optimLR(b.Config), m.lrs) {
			lr += " (grid edge)"
		}
	}
	tttStr := "—"
	if reached > 0 {
		tttStr = g(ttt.Mean) + ci(ttt)
	}
	acc := b.Stats["test_metric"]
	fm.barNames, fm.barColors = append(fm.barNames, m.short), append(fm.barColors, m.color())
	fm.barVals, fm.barErrs = append(fm.barVals, acc.Mean), append(fm.barErrs, acc.CI95)
	if m.opt == "gd" && m.batch == "full" {
		fm.cmp.bgdOK, fm.cmp.bgdReached, fm.cmp.bgdTTT, fm.cmp.bgdAcc = true, reached, ttt.Mean, acc.Mean
	} else if m.opt == "gd" {
		fm.cmp.sgdOK, fm.cmp.sgdReached, fm.cmp.sgdTTT, fm.cmp.sgdAcc = true, reached, ttt.Mean, acc.Mean
	}
	fm.addAccuracyBand(m, hs)
	return []string{mc.label, m.label, lr, fmt.Sprintf("%.4f", acc.Mean) + ci4(acc),
		g(b.Stats["test_loss"].Mean), g(b.Stats["epoch"].Mean), g(b.Stats["wall_s"].Mean) + ci(b.Stats["wall_s"]), fmt.Sprintf("%d/%d", reached, len(hs)), tttStr}, nil
}

// addAccuracyBand adds the test accuracy against training seconds (rows
// with test evaluations) of the tuned runs hs.
func (fm *fashionModelRuns) addAccuracyBand(m method, hs [][]experiment.Record) {
	var xs, ys [][]float64
	for _, h := range hs {
		var x, y []float64
		for _, r := range h {
			if !math.IsNaN(r.TestMetric) {
				x = append(x, r.WallS)
				y = append(y, r.TestMetric)
			}
		}
		xs, ys = append(xs, x), append(ys, y)
	}
	if len(xs) > 0 && len(xs[0]) > 0 {
		meanX := plots.MeanBand("", xs[0], xs).Mean
		band := plots.MeanBand(m.label, meanX, ys).Clamp(0, 1)
		band.Color = m.color()
		fm.accBands = append(fm.accBands, band)
	}
}

// figures draws model mc's accuracy bands, learning-rate sensitivity and
// tuned accuracies.
func (fm *fashionModelRuns) figures(s *Env, plan fashionPlan, mc fashionModel) ([]Figure, error) {
	name := strings.SplitN(mc.spec, ":", 2)[0]
	p := plots.Bands(fmt.Sprintf("Fashion-MNIST, %s: test accuracy vs training time (%d seeds, 95%% CI)", mc.label, len(plan.seeds)), "training seconds", "test accuracy", false, fm.accBands)
	p.Y.Min, p.Y.Max = 0, 1
	fig, err := s.figure(p, "fashion_"+name+"_accuracy", fmt.Sprintf("%s: test accuracy against training time for each method's tuned configuration.", mc.label))
	if err != nil {
		return nil, err
	}
	lp := plots.LRSensitivity(fmt.Sprintf("Fashion-MNIST, %s: validation loss vs learning rate", mc.label), "final validation loss", true, fm.lrPts)
	fig2, err := s.figure(lp, "fashion_"+name+"_lr", fmt.Sprintf("%s: final validation loss against the learning rate (diverged runs marked at the top). Large rates overfit — validation loss rises while accuracy holds — which is why the table tunes on validation accuracy.", mc.label))
	if err != nil {
		return nil, err
	}
	bp, err := plots.Bars(fmt.Sprintf("Fashion-MNIST, %s: tuned test accuracy (%d seeds, 95%% CI)", mc.label, len(plan.seeds)), "test accuracy", fm.barNames, fm.barVals, fm.barErrs, fm.barColors)
	if err != nil {
		return nil, err
	}
	fig3, err := s.figure(bp, "fashion_"+name+"_bars", fmt.Sprintf("%s: final test accuracy of each method's tuned configuration, same budget in epochs.", mc.label))
	return []Figure{fig, fig2, fig3}, err
}

// fashionClaim decides "BGD trains faster than SGD" at the same epoch
// budget: refuted when SGD reached the validation target sooner on every
// model, supported when BGD did, nuanced otherwise.
func fashionClaim(epochs float64, vs []versus) Claim {
	claim := Claim{Statement: fmt.Sprintf("“BGD trains faster than SGD.” (Fashion-MNIST, same budget of %g epochs)", epochs), Figure: "fashion_softmax_accuracy"}
	var ev []string
	bgdWins, sgdWins := 0, 0
	for _, c := range vs {
		switch {
		case c.sgdReached > 0 && (c.bgdReached == 0 || c.sgdTTT < c.bgdTTT):
			sgdWins++
		case c.bgdReached > 0 && (c.sgdReached == 0 || c.bgdTTT < c.sgdTTT):
			bgdWins++
		}
		outcome := func(ok bool, n int, t, acc float64) string {
			switch {
			case !ok:
				return "diverged at every learning rate tried"
			case n == 0:
				return fmt.Sprintf("never reached the validation target (0/%d seeds), test accuracy %.3f", c.seeds, acc)
			}
			return fmt.Sprintf("reached it in %s s (%d/%d seeds), test accuracy %.3f", g(t), n, c.seeds, acc)
		}
		ev = append(ev, fmt.Sprintf("%s: BGD %s; SGD (batch 128) %s", c.model, outcome(c.bgdOK, c.bgdReached, c.bgdTTT, c.bgdAcc), outcome(c.sgdOK, c.sgdReached, c.sgdTTT, c.sgdAcc)))
	}
	switch {
	case sgdWins == len(vs):
		claim.Verdict = Refuted
	case bgdWins == len(vs):
		claim.Verdict = Supported
	default:
		claim.Verdict = Nuanced
	}
	claim.Evidence = strings.Join(ev, "; ") + "."
	return claim
}

// color is the method's colour in every figure: its optimizer's, with plain
// GD on mini-batches coloured as "sgd" to tell it from full-batch GD.
func (m method) color() color.Color {
	if m.opt == "gd" && m.batch != "full" {
		return plots.ColorFor("sgd")
	}
	return plots.ColorFor(m.opt)
}

// atGridEdge tells whether lr is the smallest or largest of a grid of
// (float64) learning rates with at least three values (with two, every
// choice is an edge).
func atGridEdge(lr float64, grid []any) bool {
	if len(grid) < 3 {
		return false
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range grid {
		if f, ok := v.(float64); ok {
			lo, hi = math.Min(lo, f), math.Max(hi, f)
		}
	}
	return lr <= lo*(1+1e-9) || lr >= hi*(1-1e-9)
}
