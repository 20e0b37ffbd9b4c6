package studies

import (
	"fmt"
	"math"
	"strconv"

	"github.com/bgdlab/bgdlab/pkg/stats"
)

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
	table := Table{Caption: fmt.Sprintf("Equal wall-clock budget: %s s of training for every method (%s's training time at the epoch budget, the longest), at the rates tuned at the epoch budget, on the reporting seeds. Seconds depend on the machine: this table is not reproducible across CPUs, the epoch table is.", g(budget), who),
		Header: []string{"method", "tuned lr", "updates", "test " + plan.metric + " (reporting seeds)"}}
	var timed []locResult
	for _, r := range results {
		t := locResult{method: r.method, lr: r.lr, tried: r.tried, iou: stats.Summary{Mean: math.NaN(), CI95: math.NaN()}}
		if !math.IsNaN(r.lr) {
			runs, err := locRunFor(s, plan, r.method, r.lr, plan.seeds, budget)
			if err != nil {
				return sec, err
			}
			var ms, steps []float64
			for _, x := range runs {
				ms, steps = append(ms, x.Last().TestMetric), append(steps, float64(x.Steps))
			}
			t.iou, t.steps = stats.Summarize(ms), stats.Summarize(steps).Mean
		}
		timed = append(timed, t)
		table.Rows = append(table.Rows, []string{r.method.label, g(r.lr), g(t.steps), fmt.Sprintf("%.4f", t.iou.Mean) + ci4(t.iou)})
	}
	sec.Tables = append(sec.Tables, table)
	c := localizationClaim(plan, timed, fmt.Sprintf("training seconds (%s s)", g(budget)))
	c.Figure = "" // the figure shows the epoch budget
	sec.Claims = append(sec.Claims, c)
	return sec, nil
}
