package studies

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/stats"
	"github.com/bgdlab/bgdlab/pkg/sweep"
	"github.com/bgdlab/bgdlab/pkg/train"
)

// method is one contender of the Fashion-MNIST comparison.
type method struct {
	label, short, opt string
	batch             data.Regime
	// lrs is the protocol's initial log grid of learning rates (nil: a line
	// search, nothing to tune).
	lrs []float64
	// betas are the momentum values tuned with the rate (momentum only).
	betas []float64
}

// fashionModel is one model (one workload) of the Fashion-MNIST comparison
// and the validation accuracy that defines its time-to-target.
type fashionModel struct {
	label  string
	model  models.Config
	target float64
	// data, epochs and seeds replace the plan's when set (a model too
	// costly for the plan's data, budget and seeds on 2 cores).
	data   data.Config
	epochs float64
	seeds  []uint64
	// noLineSearch leaves the line-search methods out.
	noLineSearch bool
}

// fashionPlan is the Fashion-MNIST comparison's setting: data, budget,
// reporting seeds, models and contenders.
type fashionPlan struct {
	data    data.Config
	epochs  float64
	seeds   []uint64
	models  []fashionModel
	methods []method
}

// fashionPlanFor returns the quick (subsets, 8 epochs) or full (all data,
// 5 epochs; the CNN on a subset, 2 epochs) setting: the full report must
// fit in 15 minutes on 2 cores.
func fashionPlanFor(full bool) fashionPlan {
	p := fashionPlan{
		data:   data.FashionMNIST{Subset: 6000, Val: 1000, TestSubset: 2000, Standardize: true},
		epochs: 8, seeds: ReportSeeds(),
		models: []fashionModel{{label: "softmax regression", model: models.Softmax{}, target: 0.78}, {label: "MLP 784→128→10", model: models.MLP{Hidden: []int{128}}, target: 0.80}},
		methods: []method{
			{label: "BGD (gd, full batch)", short: "BGD", opt: "gd", batch: data.FullBatch, lrs: []float64{0.03, 0.1, 0.3}},
			{label: "SGD (gd, batch 128)", short: "SGD", opt: "gd", batch: data.MiniBatch(128), lrs: []float64{0.01, 0.03, 0.1}},
			{label: "momentum (batch 128)", short: "momentum", opt: "momentum", batch: data.MiniBatch(128), lrs: []float64{0.003, 0.01, 0.03}},
			{label: "RMSprop (batch 128)", short: "RMSprop", opt: "rmsprop", batch: data.MiniBatch(128), lrs: []float64{1e-4, 3e-4, 1e-3}},
			{label: "Adam (batch 128)", short: "Adam", opt: "adam", batch: data.MiniBatch(128), lrs: []float64{3e-4, 1e-3, 3e-3}},
			{label: "L-BFGS (full batch)", short: "L-BFGS", opt: "lbfgs", batch: data.FullBatch},
		},
	}
	if full {
		p.data = data.FashionMNIST{Standardize: true}
		p.epochs = 5
		p.models = []fashionModel{{label: "softmax regression", model: models.Softmax{}, target: 0.83}, {label: "MLP 784→128→10", model: models.MLP{Hidden: []int{128}}, target: 0.86},
			{label: "CNN (LeNet-like), 4 000 images", model: models.CNN{}, target: 0.75, data: data.FashionMNIST{Subset: 5000, Val: 1000, TestSubset: 2000, Standardize: true}, epochs: 2, seeds: ReportSeeds(), noLineSearch: true}}
		p.methods[2].betas = []float64{0.9, 0.99} // β tuned in the full study
	}
	return p
}

// Fashion compares optimizers on Fashion-MNIST under the tuning protocol.
func Fashion(s *Env) (Study, error) { return runFashion(s, fashionPlanFor(s.Full)) }

func runFashion(s *Env, plan fashionPlan) (Study, error) {
	sec := Study{Title: "4. Optimizers on Fashion-MNIST",
		Intro: fmt.Sprintf("Softmax regression, an MLP and (in the full study) a CNN on Fashion-MNIST (pixels standardized on the training set); each model is one workload. Every method gets the same budget in epochs (passes over the training data, line-search trials included). Protocol: each method's learning rate is tuned on seed %d (the tuning seed) by the final validation accuracy over a log grid extended past an edge by the grid's own ratio while the best rate sits there (up to %d rates); momentum (in the full study) tunes β ∈ {0.9, 0.99} the same way — β = 0.99's grid scaled by (1−β)/(1−0.9) so that the effective step lr/(1−β) spans the same range — and keeps the better pair, β = 0.9 otherwise; the tuned setting is rerun on the reporting seeds %v, which took no part in tuning, and only those runs are reported (test accuracy, mean ± 95%% CI). L-BFGS has no rate to tune. Time-to-target is training time (compilation excluded) until the validation accuracy, measured every quarter epoch, first reaches the model's target; the test data is measured once, at the end.", tuneSeed, MaxExtensions, plan.seeds)}
	table := Table{Caption: fmt.Sprintf("Tuned on the tuning seed, reported on %d fresh seeds; default budget %g epochs.", len(plan.seeds), plan.epochs),
		Header: []string{"model", "method", "rates tried (tuning seed)", "tuned setting", "test accuracy", "test loss", "epochs used", "training seconds", "reached val target", "time to target (s)"}}
	var vs, timeVs []versus
	var prof, timeProf profileRuns
	timeTable := equalTimeTable()
	tuningRuns, reportingRuns := 0, 0
	for _, mc := range plan.models {
		if _, err := experiment.LoadData(mc.dataOr(plan)); err != nil {
			return sec, fmt.Errorf("%w (the Fashion-MNIST study needs the data: scripts/setup installs it)", err)
		}
		fm := &fashionModelRuns{cmp: versus{model: mc.label, seeds: len(mc.seedsOr(plan)), epochs: mc.epochsOr(plan), budget: g(mc.epochsOr(plan)) + " epochs"}}
		for _, m := range plan.methods {
			if m.lrs == nil && mc.noLineSearch {
				continue
			}
			row, tuning, reporting, err := fm.method(s, plan, mc, m)
			if err != nil {
				return sec, err
			}
			table.Rows, tuningRuns, reportingRuns = append(table.Rows, row), tuningRuns+tuning, reportingRuns+reporting
		}
		figs, err := fm.figures(s, plan, mc)
		if err != nil {
			return sec, err
		}
		sec.Figures = append(sec.Figures, figs...)
		vs = append(vs, fm.cmp)
		prof.add(mc.label, fm.ttt)
		rows, cmp, fig, err := fm.equalTime(s, plan, mc)
		if err != nil {
			return sec, err
		}
		timeTable.Rows = append(timeTable.Rows, rows...)
		timeProf.add(mc.label, fm.timeTTT)
		timeVs = append(timeVs, cmp)
		sec.Figures = append(sec.Figures, fig)
	}
	sec.Intro += fmt.Sprintf(" Cost: %d runs in all, %d of them for tuning.", tuningRuns+reportingRuns, tuningRuns)
	sec.Tables = append(sec.Tables, table, timeTable, scoreTable(&prof, &timeProf))
	fig, err := prof.figure(s)
	if err != nil {
		return sec, err
	}
	sec.Figures = append(sec.Figures, fig)
	sec.Claims = append(sec.Claims, fashionClaim(vs, "budget of epochs", "fashion_softmax_accuracy"), fashionClaim(timeVs, "wall-clock budget (seconds of training)", "fashion_softmax_accuracy_time"))
	return sec, nil
}

func (mc fashionModel) dataOr(plan fashionPlan) data.Config {
	if mc.data != nil {
		return mc.data
	}
	return plan.data
}

func (mc fashionModel) seedsOr(plan fashionPlan) []uint64 {
	if mc.seeds != nil {
		return mc.seeds
	}
	return plan.seeds
}

func (mc fashionModel) epochsOr(plan fashionPlan) float64 {
	if mc.epochs > 0 {
		return mc.epochs
	}
	return plan.epochs
}

// versus is, per model, BGD against plain mini-batch SGD for the claim.
type versus struct {
	model                  string
	bgdOK, sgdOK           bool // false: every configuration diverged
	bgdReached, sgdReached int
	seeds                  int
	epochs                 float64
	// budget describes the budget, e.g. "8 epochs" or "1.2 s of training".
	budget         string
	bgdTTT, sgdTTT float64
	bgdAcc, sgdAcc float64
}

// fashionModelRuns collects one model's methods for its figures, claim and
// performance profile.
type fashionModelRuns struct {
	cmp       versus
	tuned     []tunedMethod
	ttt       []methodTime // time to target at the epoch budget
	timeTTT   []methodTime // … and at the equal wall-clock budget
	accBands  []plots.Band
	lrPts     []plots.LRPoint
	barNames  []string
	barVals   []float64
	barErrs   []float64
	barColors []color.Color
}

// method runs the protocol for m on model mc and returns its table row and
// how many tuning and reporting runs it took.
func (fm *fashionModelRuns) method(s *Env, plan fashionPlan, mc fashionModel, m method) (row []string, tuning, reporting int, err error) {
	run := func(lr, beta float64, seeds []uint64) ([]*experiment.Result, error) {
		return fashionRun(s, plan, mc, m, lr, beta, seeds)
	}
	p := protocolResult{lr: math.NaN(), beta: math.NaN()}
	if m.lrs == nil {
		p.runs, err = run(p.lr, p.beta, mc.seedsOr(plan))
	} else {
		p, err = tuneThenReport(m.lrs, m.betas, mc.seedsOr(plan), run, func(r *experiment.Result) (float64, bool) { return r.Last().ValMetric, true })
	}
	if err != nil {
		return nil, 0, 0, err
	}
	for _, t := range p.tuning {
		if t.beta == p.beta || (math.IsNaN(t.beta) && math.IsNaN(p.beta)) {
			fm.lrPts = append(fm.lrPts, plots.LRPoint{Optimizer: m.label, LR: t.lr, Value: t.res.Last().ValLoss, Diverged: t.res.Status == optim.Diverged, Color: m.color()})
		}
	}
	tried, setting := "—", "line search"
	if m.lrs != nil {
		tried, setting = rateList(p.tried), p.setting()
	}
	if len(p.runs) > 0 {
		var walls []float64
		for _, r := range p.runs {
			walls = append(walls, r.Last().WallS)
		}
		fm.tuned = append(fm.tuned, tunedMethod{m: m, lr: p.lr, beta: p.beta, wall: stats.Summarize(walls).Mean})
	}
	if len(p.runs) == 0 {
		fm.ttt = append(fm.ttt, methodTime{m.short, math.Inf(1), m.color()})
		return []string{mc.label, m.label, tried, "all diverged", "", "", "", "", "", ""}, len(p.tuning), 0, nil
	}
	return fm.reportRow(mc, m, p.runs, tried, setting), len(p.tuning), len(p.runs), nil
}

// reportRow summarizes the reporting seeds' runs of method m.
func (fm *fashionModelRuns) reportRow(mc fashionModel, m method, runs []*experiment.Result, tried, setting string) []string {
	var accs, losses, epochs, walls, ttts []float64
	var hs [][]experiment.Record
	for _, r := range runs {
		last := r.Last()
		accs, losses = append(accs, last.TestMetric), append(losses, last.TestLoss)
		epochs, walls = append(epochs, last.Epoch), append(walls, last.WallS)
		hs = append(hs, r.History)
		if t, ok := train.TimeToTarget(r.History, "val_metric", mc.target, false); ok {
			ttts = append(ttts, t.Seconds)
		}
	}
	acc, ttt, wall := stats.Summarize(accs), stats.Summarize(ttts), stats.Summarize(walls)
	reached := len(ttts)
	tttStr := "—"
	if reached > 0 {
		tttStr = g(ttt.Mean) + ci(ttt)
	}
	fm.ttt = append(fm.ttt, methodTime{m.short, profileTime(ttts, len(runs)), m.color()})
	fm.barNames, fm.barColors = append(fm.barNames, m.short), append(fm.barColors, m.color())
	fm.barVals, fm.barErrs = append(fm.barVals, acc.Mean), append(fm.barErrs, acc.CI95)
	if m.opt == "gd" && m.batch.Kind == "full" {
		fm.cmp.bgdOK, fm.cmp.bgdReached, fm.cmp.bgdTTT, fm.cmp.bgdAcc = true, reached, ttt.Mean, acc.Mean
	} else if m.opt == "gd" {
		fm.cmp.sgdOK, fm.cmp.sgdReached, fm.cmp.sgdTTT, fm.cmp.sgdAcc = true, reached, ttt.Mean, acc.Mean
	}
	fm.addAccuracyBand(m, hs)
	return []string{mc.label, m.label, tried, setting, fmt.Sprintf("%.4f", acc.Mean) + ci4(acc),
		g(stats.Summarize(losses).Mean), g(stats.Summarize(epochs).Mean), g(wall.Mean) + ci(wall), fmt.Sprintf("%d/%d", reached, len(runs)), tttStr}
}

// fashionRun runs method m at (lr, beta) — NaN: the method's default — on
// model mc for the given seeds (a sweep folder per setting, resumable).
func fashionRun(s *Env, plan fashionPlan, mc fashionModel, m method, lr, beta float64, seeds []uint64) ([]*experiment.Result, error) {
	return fashionRunFor(s, plan, mc, m, lr, beta, seeds, 0)
}

// fashionRunFor is fashionRun with a budget of seconds of training instead
// of the plan's epochs when seconds > 0.
func fashionRunFor(s *Env, plan fashionPlan, mc fashionModel, m method, lr, beta float64, seeds []uint64, seconds float64) ([]*experiment.Result, error) {
	epochs := mc.epochsOr(plan)
	base := experiment.Spec{Data: mc.dataOr(plan), Model: mc.model, Batch: m.batch, Epochs: epochs, DType: "float32", TrainLoss: "batch", TestAtEnd: true}
	if m.batch.Kind != "full" {
		sp, err := experiment.LoadData(base.Data)
		if err != nil {
			return nil, err
		}
		base.LogEvery, base.EvalEvery = quarterEpoch(sp.Train.N, m.batch)
	}
	opt, setting := m.opt, "line-search"
	if m.lrs == nil {
		// Each L-BFGS iteration costs at least two passes (gradient + trial),
		// usually about three.
		base.Epochs, base.Steps = 0, max(1, int(epochs/3))
	} else {
		setting = "lr=" + g(lr)
		if !math.IsNaN(beta) {
			setting += ",momentum=" + g(beta)
		}
		opt += ":" + setting
	}
	kind := runKind(seeds)
	if seconds > 0 {
		base.Epochs, base.Steps, base.Seconds = 0, 0, seconds
		kind += fmt.Sprintf("-%.3gs", seconds)
	}
	c := &sweep.Config{Base: base, Optimizers: []string{opt}, Seeds: seeds}
	id := fmt.Sprintf("fashion/%s/%s-%s/%s/%s", mc.model.Kind(), m.opt, m.batch, kind, setting)
	_, res, err := s.sweep(id, c)
	return res, err
}

// quarterEpoch returns the logging and evaluation intervals of a mini-batch
// run over n training examples in regime r: a row about every 1/20 epoch,
// the validation data every quarter epoch (0, 0: the defaults, for a full
// batch).
func quarterEpoch(n int, r data.Regime) (logEvery, evalEvery int) {
	if r.Kind == "full" {
		return 0, 0
	}
	b, err := data.NewBatcher(r, n, 0)
	if err != nil {
		return 0, 0
	}
	perEpoch := b.StepsPerEpoch()
	logEvery = max(1, perEpoch/20)
	return logEvery, max(1, (perEpoch+2)/4/logEvery) * logEvery
}

// setting is the tuned setting as the table shows it.
func (p protocolResult) setting() string {
	if math.IsNaN(p.lr) {
		return "all diverged"
	}
	out := "lr " + g(p.lr)
	if !math.IsNaN(p.beta) {
		out += ", β " + g(p.beta)
	}
	if p.edge {
		out += fmt.Sprintf(" (edge after %d extensions)", MaxExtensions)
	}
	return out
}

// rateList prints ascending rates.
func rateList(rates []float64) string {
	out := make([]string, len(rates))
	for i, v := range rates {
		out[i] = g(v)
	}
	return strings.Join(out, ", ")
}

// addAccuracyBand adds the validation accuracy against training seconds
// (rows with validation evaluations) of the tuned runs hs.
func (fm *fashionModelRuns) addAccuracyBand(m method, hs [][]experiment.Record) {
	var xs, ys [][]float64
	for _, h := range hs {
		var x, y []float64
		for _, r := range h {
			if !math.IsNaN(r.ValMetric) {
				x = append(x, r.WallS)
				y = append(y, r.ValMetric)
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
	name := mc.model.Kind()
	p := plots.Bands(fmt.Sprintf("Fashion-MNIST, %s: validation accuracy (%d seeds, 95%% CI)", mc.label, len(mc.seedsOr(plan))), "training seconds", "validation accuracy", false, fm.accBands)
	p.Y.Min, p.Y.Max = 0, 1
	fig, err := s.figure(p, "fashion_"+name+"_accuracy", fmt.Sprintf("%s: validation accuracy against training time for each method's tuned configuration (the time-to-target column reads where it first reaches %g); the test data is measured once, at the end.", mc.label, mc.target))
	if err != nil {
		return nil, err
	}
	lp := plots.LRSensitivity(fmt.Sprintf("Fashion-MNIST, %s: validation loss vs learning rate", mc.label), "final validation loss", true, fm.lrPts)
	fig2, err := s.figure(lp, "fashion_"+name+"_lr", fmt.Sprintf("%s: final validation loss against the learning rate (diverged runs marked at the top). Large rates overfit — validation loss rises while accuracy holds — which is why the table tunes on validation accuracy.", mc.label))
	if err != nil {
		return nil, err
	}
	bp, err := plots.Bars(fmt.Sprintf("Fashion-MNIST, %s: tuned test accuracy (%d seeds, 95%% CI)", mc.label, len(mc.seedsOr(plan))), "test accuracy", fm.barNames, fm.barVals, fm.barErrs, fm.barColors)
	if err != nil {
		return nil, err
	}
	fig3, err := s.figure(bp, "fashion_"+name+"_bars", fmt.Sprintf("%s: final test accuracy of each method's tuned configuration, same budget in epochs.", mc.label))
	return []Figure{fig, fig2, fig3}, err
}

// fashionClaim decides "BGD trains faster than SGD" at the same budget
// (budget names its unit): refuted when SGD reached the validation target
// sooner on every model, supported when BGD did, nuanced otherwise.
func fashionClaim(vs []versus, budget, figure string) Claim {
	claim := Claim{Statement: fmt.Sprintf("“BGD trains faster than SGD.” (Fashion-MNIST, both given the same %s on each model)", budget), Figure: figure}
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
		ev = append(ev, fmt.Sprintf("%s (%s): BGD %s; SGD (batch 128) %s", c.model, c.budget, outcome(c.bgdOK, c.bgdReached, c.bgdTTT, c.bgdAcc), outcome(c.sgdOK, c.sgdReached, c.sgdTTT, c.sgdAcc)))
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
	if m.opt == "gd" && m.batch.Kind != "full" {
		return plots.ColorFor("sgd")
	}
	return plots.ColorFor(m.opt)
}
