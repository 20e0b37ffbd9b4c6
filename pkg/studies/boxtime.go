package studies

import (
	"fmt"
	"math"
	"strconv"

	"github.com/bgdlab/bgdlab/pkg/stats"
	"github.com/bgdlab/bgdlab/pkg/train"
)

// boxTargetFraction sets a box study's validation target for time to
// target: this fraction of the best tuned method's mean final validation
// metric at the epoch budget (AlgoPerf sets its targets from well-tuned
// reference runs the same way).
const boxTargetFraction = 0.8

// boxTarget is the box study's validation target (NaN when every method
// diverged).
func boxTarget(results []locResult) float64 {
	best := math.NaN()
	for _, r := range results {
		if !math.IsNaN(r.val) && (math.IsNaN(best) || r.val > best) {
			best = r.val
		}
	}
	return boxTargetFraction * best
}

// equalSecondsSection reruns each tuned method of a box study (localization,
// detection) for the same seconds of training on the reporting seeds, and
// adds the table and the claim at that budget to sec. The budget is the
// longest tuned method's mean training time at the epoch budget: every
// method gets as much time as the slowest took there, so full-batch GD,
// cheap per epoch, makes more updates (compilation and evaluation off the
// clock). Seconds depend on the machine; the epoch table does not.
func equalSecondsSection(s *Env, plan locPlan, results []locResult, sec Study) (Study, error) {
	budget, who := 0.0, ""
	for _, r := range results {
		if !math.IsNaN(r.lr) && r.wall > budget {
			budget, who = r.wall, r.method.label
		}
	}
	if budget <= 0 {
		return sec, nil // every method diverged: nothing to rerun
	}
	budget, _ = strconv.ParseFloat(strconv.FormatFloat(budget, 'g', 3, 64), 64)
	target := boxTarget(results)
	table := Table{Caption: fmt.Sprintf("Equal wall-clock budget: %s s of training for every method (%s's training time at the epoch budget, the longest), at the rates tuned at the epoch budget, on the reporting seeds. The validation target, %.3g, is %g of the best method's mean final validation %s at the epoch budget; the AlgoPerf score (τ up to %d) counts a method's mean time to it when every seed reached it. Seconds depend on the machine: this table is not reproducible across CPUs, the epoch table is.", g(budget), who, target, boxTargetFraction, plan.metric, AlgoPerfTauMax),
		Header: []string{"method", "tuned lr", "updates", "test " + plan.metric + " (reporting seeds)", "reached val target", "time to target (s)", "gradient evaluations to target", "AlgoPerf score"}}
	var timed []locResult
	var rows [][]string
	var times []float64
	for _, r := range results {
		t := locResult{method: r.method, lr: r.lr, tried: r.tried, iou: stats.Summary{Mean: math.NaN(), CI95: math.NaN()}}
		reached, tttStr, evalStr, pt := "—", "—", "—", math.Inf(1)
		if !math.IsNaN(r.lr) {
			runs, err := locRunFor(s, plan, r.method, r.lr, plan.seeds, budget)
			if err != nil {
				return sec, err
			}
			var ms, steps, ttts, evals []float64
			for _, x := range runs {
				ms, steps = append(ms, x.Last().TestMetric), append(steps, float64(x.Steps))
				if tt, ok := train.TimeToTarget(x.History, "val_metric", target, false); ok {
					ttts, evals = append(ttts, tt.Seconds), append(evals, float64(tt.GradEvals))
				}
			}
			t.iou, t.steps = stats.Summarize(ms), stats.Summarize(steps).Mean
			reached = fmt.Sprintf("%d/%d", len(ttts), len(runs))
			if len(ttts) > 0 {
				ttt := stats.Summarize(ttts)
				tttStr, evalStr = g(ttt.Mean)+ci(ttt), g(stats.Summarize(evals).Mean)
			}
			pt = profileTime(ttts, len(runs))
		}
		timed, times = append(timed, t), append(times, pt)
		rows = append(rows, []string{r.method.label, g(r.lr), g(t.steps), fmt.Sprintf("%.4f", t.iou.Mean) + ci4(t.iou), reached, tttStr, evalStr})
	}
	scores := AlgoPerfScore([][]float64{times}, AlgoPerfTauMax)
	for i := range rows {
		table.Rows = append(table.Rows, append(rows[i], fmt.Sprintf("%.3f", scores[i])))
	}
	sec.Tables = append(sec.Tables, table)
	c := localizationClaim(plan, timed, fmt.Sprintf("training seconds (%s s)", g(budget)))
	c.Figure = "" // the figure shows the epoch budget
	sec.Claims = append(sec.Claims, c)
	return sec, nil
}
