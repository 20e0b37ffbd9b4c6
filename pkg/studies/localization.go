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
)

// locMethod is one compared optimizer: its configuration at a rate, its
// batch (0 = full) and its initial grid.
type locMethod struct {
	label string
	opt   func(lr float64) optim.Config
	batch int
	lrs   []float64
}

// locPlan is a box study's setting: localization (one box, IoU) or
// detection (objects of three classes, mAP@0.5); both run the same protocol.
type locPlan struct {
	task    string // "localization" or "detection": results folder, figure, claim
	metric  string // what the model's metric is: "IoU", "mAP@0.5"
	data    data.Config
	model   models.Config
	epochs  float64
	seeds   []uint64
	methods []locMethod
}

func locPlanFor(full bool) locPlan {
	p := locPlan{task: "localization", metric: "IoU", data: data.Localization{N: 1000}, model: models.MLP{Hidden: []int{128}}, epochs: 10, seeds: ReportSeeds(),
		methods: []locMethod{
			{"BGD (gd, full batch)", func(lr float64) optim.Config { return optim.GD{LR: lr} }, 0, []float64{1, 3, 10}},
			{"SGD (gd, batch 32)", func(lr float64) optim.Config { return optim.GD{LR: lr} }, 32, []float64{1, 3, 10}},
			{"momentum (batch 32)", func(lr float64) optim.Config { return optim.Momentum{LR: lr} }, 32, []float64{0.3, 1, 3}},
			{"RMSprop (batch 32)", func(lr float64) optim.Config { return optim.RMSprop{LR: lr} }, 32, []float64{1e-3, 3e-3, 1e-2}},
			{"Adam (batch 32)", func(lr float64) optim.Config { return optim.Adam{LR: lr} }, 32, []float64{3e-3, 1e-2, 3e-2}},
		}}
	if full {
		p.data, p.model, p.epochs = data.Localization{N: 2000}, models.CNN{}, 10
	}
	return p
}

// locResult is one method after the protocol.
type locResult struct {
	method locMethod
	tried  []float64 // ascending, extensions included
	lr     float64   // NaN when every rate diverged
	edge   bool
	iou    stats.Summary // the test metric (IoU or mAP@0.5)
	steps  float64
	wall   float64 // mean training seconds of the reporting runs
	val    float64 // mean final validation metric of the reporting runs
}

// Localization compares the main optimizers on the toy detection task by
// test IoU, under the tuning protocol above.
func Localization(s *Env) (Study, error) {
	plan := locPlanFor(s.Full)
	sec := Study{Title: "8. Object localization: optimizers by IoU, under a tuning protocol",
		Intro: fmt.Sprintf("One square or disc per 16×16 image; the model (%s) regresses its bounding box and is scored by intersection over union on held-out images. %s",
			plan.model, protocolText(plan))}
	return runBoxStudy(s, plan, sec)
}

// protocolText describes the box studies' protocol.
func protocolText(plan locPlan) string {
	return fmt.Sprintf("Protocol: each method's learning rate is tuned on seed %d (the tuning seed) by the final validation %s over a log grid that is extended past an edge by the grid's own ratio while the best rate sits there (up to %d rates); the tuned rate is then rerun on the reporting seeds %v, which took no part in tuning, and only those runs are reported (test %s, mean ± 95%% CI). Every method gets %g epochs.",
		tuneSeed, plan.metric, MaxExtensions, plan.seeds, plan.metric, plan.epochs)
}

// runBoxStudy runs plan's methods under the protocol into sec: the table,
// the bar chart and the claim.
func runBoxStudy(s *Env, plan locPlan, sec Study) (Study, error) {
	var results []locResult
	for _, m := range plan.methods {
		r, err := tuneAndReport(s, plan, m)
		if err != nil {
			return sec, err
		}
		results = append(results, r)
	}
	table := Table{Caption: "Tuned on the tuning seed, reported on fresh seeds.", Header: []string{"method", "rates tried (tuning seed)", "tuned lr", "test " + plan.metric + " (reporting seeds)", "steps"}}
	var names []string
	var vals, errs []float64
	var cols []color.Color
	runs := 0
	for i, r := range results {
		lr := "all diverged"
		if !math.IsNaN(r.lr) {
			lr = g(r.lr)
			if r.edge {
				lr += fmt.Sprintf(" (edge after %d extensions)", MaxExtensions)
			}
		}
		table.Rows = append(table.Rows, []string{r.method.label, rateList(r.tried), lr, fmt.Sprintf("%.4f", r.iou.Mean) + ci4(r.iou), g(r.steps)})
		names, vals, errs = append(names, strings.SplitN(r.method.label, " ", 2)[0]), append(vals, r.iou.Mean), append(errs, r.iou.CI95)
		cols = append(cols, plots.Palette[i%len(plots.Palette)])
		runs += len(r.tried) + len(plan.seeds)
	}
	sec.Intro += fmt.Sprintf(" Cost: %d runs in all, %d of them for tuning.", runs, runs-len(plan.seeds)*len(results))
	sec.Tables = append(sec.Tables, table)
	title := strings.ToUpper(plan.task[:1]) + plan.task[1:]
	p, err := plots.Bars(fmt.Sprintf("%s: test %s on the reporting seeds (mean ± 95%% CI)", title, plan.metric), "test "+plan.metric, names, vals, errs, cols)
	if err != nil {
		return sec, err
	}
	fig, _ := s.figure(p, plan.figure(), fmt.Sprintf("Test %s of each method at its tuned rate, on seeds that took no part in tuning.", plan.metric))
	sec.Figures = append(sec.Figures, fig)
	sec.Claims = append(sec.Claims, localizationClaim(plan, results, "epochs"))
	return equalSecondsSection(s, plan, results, sec)
}

// tuneAndReport runs the protocol for one method, scored by the final
// validation IoU.
func tuneAndReport(s *Env, plan locPlan, m locMethod) (locResult, error) {
	r := locResult{method: m, lr: math.NaN()}
	p, err := tuneThenReport(m.lrs, nil, plan.seeds, func(lr, _ float64, seeds []uint64) ([]*experiment.Result, error) {
		return locRun(s, plan, m, lr, seeds)
	}, func(res *experiment.Result) (float64, bool) { return res.Last().ValMetric, true })
	if err != nil || math.IsNaN(p.lr) {
		r.tried = p.tried
		return r, err
	}
	r.tried, r.lr, r.edge = p.tried, p.lr, p.edge
	var ious, steps, walls, vals []float64
	for _, x := range p.runs {
		ious, steps, walls = append(ious, x.Last().TestMetric), append(steps, float64(x.Steps)), append(walls, x.Last().WallS)
		vals = append(vals, x.Last().ValMetric)
	}
	r.iou, r.steps, r.wall, r.val = stats.Summarize(ious), stats.Summarize(steps).Mean, stats.Summarize(walls).Mean, stats.Summarize(vals).Mean
	return r, nil
}

// locRun runs method m at rate lr on the given seeds for the plan's epochs
// (a sweep, resumable).
func locRun(s *Env, plan locPlan, m locMethod, lr float64, seeds []uint64) ([]*experiment.Result, error) {
	return locRunFor(s, plan, m, lr, seeds, 0)
}

// locRunFor is locRun with a budget of seconds of training instead (seconds
// > 0; the epochs then only cap it, at 100× the plan's).
func locRunFor(s *Env, plan locPlan, m locMethod, lr float64, seeds []uint64, seconds float64) ([]*experiment.Result, error) {
	cfg := m.opt(lr)
	kind := runKind(seeds)
	if seconds > 0 {
		kind = fmt.Sprintf("report-%ss", g(seconds))
	}
	base := locSpec(plan, m.batch, seconds)
	c := &sweep.Config{Base: base, Optimizers: []string{cfg.String()}, Seeds: seeds}
	_, res, err := s.sweep(fmt.Sprintf("%s/%s-%s/%s/lr=%s", plan.task, cfg.Method(), base.Batch, kind, g(lr)), c)
	return res, err
}

// locSpec is a box study run's specification at batch size batch (0: full
// batch): plan.epochs, or with seconds > 0 that many seconds of training,
// capped at 100× the epochs. An epoch run evaluates the validation data
// only at its start and end: it is scored by its final validation metric,
// and no time to target is read off it. A seconds run evaluates about once
// per epoch (every LogEvery steps at least; every step at full batch),
// since its time to target is read off those rows; the default interval
// came from the step cap and evaluated only when the budget ended.
func locSpec(plan locPlan, batch int, seconds float64) experiment.Spec {
	sp := experiment.Spec{Data: plan.data, Model: plan.model, Batch: data.FullBatch, Epochs: plan.epochs, DType: "float32", TrainLoss: "batch", LogEvery: 20, TestAtEnd: true}
	sp.EvalEvery = sp.LogEvery * 1_000_000
	if batch > 0 {
		sp.Batch = data.MiniBatch(batch)
	}
	switch {
	case seconds > 0 && batch == 0:
		sp.Seconds, sp.Epochs, sp.LogEvery, sp.EvalEvery = seconds, 100*plan.epochs, 1, 1
	case seconds > 0:
		sp.Seconds, sp.Epochs = seconds, 100*plan.epochs
		sp.EvalEvery = sp.LogEvery * max(1, plan.examples()/batch/sp.LogEvery)
	}
	return sp
}

// examples is the size of the plan's data set (training, validation and
// test together: an upper bound on an epoch's examples).
func (p locPlan) examples() int {
	switch d := p.data.(type) {
	case data.Localization:
		return d.N
	case data.Detection:
		return d.N
	}
	return 0
}

// localizationClaim judges "BGD is competitive on object localization (or
// detection) at the same budget" from the reported test metrics: supported
// when BGD's interval reaches the best mini-batch method's and its mean is at
// least the weakest one's (wide intervals alone do not make it competitive),
// refuted when it lies below every mini-batch method's, nuanced in between.
func localizationClaim(plan locPlan, rs []locResult, budget string) Claim {
	what := "object localization"
	if plan.task == "detection" {
		what = "object detection"
	}
	c := Claim{Statement: fmt.Sprintf("“Full-batch GD is competitive with mini-batch methods on %s at the same budget of %s.” (test %s)", what, budget, plan.metric), Figure: plan.figure()}
	var bgd *locResult
	best, worst := -1, -1
	for i := range rs {
		if rs[i].method.batch == 0 {
			bgd = &rs[i]
			continue
		}
		if math.IsNaN(rs[i].iou.Mean) {
			continue
		}
		if best < 0 || rs[i].iou.Mean > rs[best].iou.Mean {
			best = i
		}
		if worst < 0 || rs[i].iou.Mean < rs[worst].iou.Mean {
			worst = i
		}
	}
	if bgd == nil || best < 0 || math.IsNaN(bgd.iou.Mean) {
		c.Verdict, c.Evidence = Nuanced, "not measured: BGD or every mini-batch method diverged at every rate tried"
		return c
	}
	hi := func(s stats.Summary) float64 { return s.Mean + zeroNaN(s.CI95) }
	lo := func(s stats.Summary) float64 { return s.Mean - zeroNaN(s.CI95) }
	ev := fmt.Sprintf("test %s on fresh seeds: BGD %.3f%s; best mini-batch method %s %.3f%s; weakest %s %.3f%s", plan.metric,
		bgd.iou.Mean, ci4(bgd.iou), rs[best].method.label, rs[best].iou.Mean, ci4(rs[best].iou), rs[worst].method.label, rs[worst].iou.Mean, ci4(rs[worst].iou))
	switch {
	case hi(bgd.iou) >= lo(rs[best].iou) && bgd.iou.Mean >= rs[worst].iou.Mean:
		c.Verdict, c.Evidence = Supported, ev+": BGD's interval reaches the best method's"
	case hi(bgd.iou) < lo(rs[worst].iou):
		c.Verdict, c.Evidence = Refuted, ev+": BGD lies below every mini-batch method, beyond the confidence intervals"
	default:
		c.Verdict, c.Evidence = Nuanced, ev+": BGD's interval overlaps a weaker mini-batch method's but not the best's"
	}
	return c
}

// figure names the study's bar chart: localization_iou, detection_map.
func (p locPlan) figure() string {
	if p.task == "detection" {
		return "detection_map"
	}
	return "localization_iou"
}

func zeroNaN(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}
