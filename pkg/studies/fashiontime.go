package studies

import (
	"fmt"
	"math"
	"strconv"

	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/stats"
	"github.com/bgdlab/bgdlab/pkg/train"
)

// tunedMethod is a method's setting tuned at the epoch budget, and the mean
// training seconds its reporting runs took.
type tunedMethod struct {
	m        method
	lr, beta float64
	wall     float64
}

// equalTimeFactor: a workload's wall-clock budget is at least this many
// times the fastest tuned method's time to the target (AlgoPerf scores
// time to a target on fixed hardware).
const equalTimeFactor = 2

// equalTimeBudget returns a workload's budget in seconds of training: the
// longest tuned method's training time at the epoch budget (every method
// gets as much time as the slowest got there, so full-batch GD, fast per
// epoch, gets more updates), and at least equalTimeFactor × the fastest mean
// time to target among ttt; rounded to 3 significant digits.
func equalTimeBudget(ttt []methodTime, tuned []tunedMethod) (seconds float64, basis string) {
	who := ""
	for _, t := range tuned {
		if t.wall > seconds {
			seconds, who = t.wall, t.m.short
		}
	}
	basis = fmt.Sprintf("%s's training time at the epoch budget, the longest", who)
	for _, t := range ttt {
		if !math.IsInf(t.seconds, 0) && equalTimeFactor*t.seconds > seconds {
			seconds, basis = equalTimeFactor*t.seconds, fmt.Sprintf("%d× %s's time to the target", equalTimeFactor, t.method)
		}
	}
	seconds, _ = strconv.ParseFloat(strconv.FormatFloat(seconds, 'g', 3, 64), 64)
	return seconds, basis
}

func equalTimeTable() Table {
	return Table{Caption: fmt.Sprintf("Equal wall-clock budget: each workload's methods get the same seconds of training (compilation and evaluation off the clock) — the longest tuned method's training time at the epoch budget, and at least %d× the fastest one's time to the target — with the rates tuned at the epoch budget, on the reporting seeds. Seconds depend on the machine: this table is not reproducible across CPUs, the epoch table is.", equalTimeFactor),
		Header: []string{"model", "method", "budget (s)", "tuned setting", "updates", "epochs", "gradient evaluations (examples)", "best val accuracy", "test accuracy", "reached val target", "time to target (s)", "gradient evaluations to target"}}
}

// equalTime reruns each tuned method of model mc for the same seconds of
// training and returns the table rows, BGD against SGD for the claim, and the
// accuracy-against-time figure.
func (fm *fashionModelRuns) equalTime(s *Env, plan fashionPlan, mc fashionModel) ([][]string, versus, Figure, error) {
	budget, basis := equalTimeBudget(fm.ttt, fm.tuned)
	cmp := versus{model: mc.label, seeds: len(mc.seedsOr(plan)), budget: fmt.Sprintf("%s s of training, %s", g(budget), basis)}
	bands := &fashionModelRuns{}
	var rows [][]string
	for _, t := range fm.tuned {
		runs, err := fashionRunFor(s, plan, mc, t.m, t.lr, t.beta, mc.seedsOr(plan), budget)
		if err != nil {
			return nil, cmp, Figure{}, err
		}
		var steps, epochs, evals, bestVal, accs, ttts, tttEvals []float64
		var hs [][]experiment.Record
		for _, r := range runs {
			last := r.Last()
			steps, epochs, evals = append(steps, float64(r.Steps)), append(epochs, last.Epoch), append(evals, float64(last.GradEvals))
			accs = append(accs, last.TestMetric)
			bestVal = append(bestVal, bestValMetric(r.History))
			if tt, ok := train.TimeToTarget(r.History, "val_metric", mc.target, false); ok {
				ttts, tttEvals = append(ttts, tt.Seconds), append(tttEvals, float64(tt.GradEvals))
			}
			hs = append(hs, r.History)
		}
		bands.addAccuracyBand(t.m, hs)
		acc, ttt := stats.Summarize(accs), stats.Summarize(ttts)
		setting := "line search"
		if t.m.lrs != nil {
			setting = protocolResult{lr: t.lr, beta: t.beta}.setting()
		}
		fm.timeTTT = append(fm.timeTTT, methodTime{t.m.short, profileTime(ttts, len(runs)), t.m.color()})
		tttStr, evalStr := "—", "—"
		if len(ttts) > 0 {
			tttStr, evalStr = g(ttt.Mean)+ci(ttt), g(stats.Summarize(tttEvals).Mean)
		}
		rows = append(rows, []string{mc.label, t.m.label, g(budget), setting, g(stats.Summarize(steps).Mean), g(stats.Summarize(epochs).Mean),
			g(stats.Summarize(evals).Mean), fmt.Sprintf("%.4f", stats.Summarize(bestVal).Mean), fmt.Sprintf("%.4f", acc.Mean) + ci4(acc),
			fmt.Sprintf("%d/%d", len(ttts), len(runs)), tttStr, evalStr})
		switch {
		case t.m.opt == "gd" && t.m.batch.Kind == "full":
			cmp.bgdOK, cmp.bgdReached, cmp.bgdTTT, cmp.bgdAcc = true, len(ttts), ttt.Mean, acc.Mean
		case t.m.opt == "gd":
			cmp.sgdOK, cmp.sgdReached, cmp.sgdTTT, cmp.sgdAcc = true, len(ttts), ttt.Mean, acc.Mean
		}
	}
	name := mc.model.Kind()
	p := plots.Bands(fmt.Sprintf("Fashion-MNIST, %s: validation accuracy, %s s of training each", mc.label, g(budget)), "training seconds", "validation accuracy", false, bands.accBands)
	p.Y.Min, p.Y.Max = 0, 1
	fig, err := s.figure(p, "fashion_"+name+"_accuracy_time", fmt.Sprintf("%s at an equal wall-clock budget of %s s (%s): every method trains for the same time, so full-batch GD takes as many updates as fit.", mc.label, g(budget), basis))
	return rows, cmp, fig, err
}

// bestValMetric is the highest validation metric measured along h (NaN if
// none was).
func bestValMetric(h []experiment.Record) float64 {
	best := math.NaN()
	for _, r := range h {
		if !math.IsNaN(r.ValMetric) && (math.IsNaN(best) || r.ValMetric > best) {
			best = r.ValMetric
		}
	}
	return best
}
