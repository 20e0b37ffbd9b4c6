package lab

import (
	"math"

	"gonum.org/v1/plot"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/theory"
)

// Curve is a run's optimality gap f − f* (floored at 1e-16) per gradient
// evaluation, named for its method.
type Curve struct {
	Name       string
	Evals, Gap []float64
}

// GapCurve trains m on d with cfg in float64 for budget steps, logging
// every step, and keeps the rows within budget gradient evaluations (a line
// search spends several per step).
func GapCurve(d data.Config, m models.Config, cfg optim.Config, fstar float64, budget int) Curve {
	res := MustRun(d, m, cfg, Steps(budget), LogEvery(1))
	c, out := res.Columns(), Curve{Name: cfg.Method()}
	for i := range c.Step {
		if c.GradEvals[i] <= float64(budget) {
			out.Evals, out.Gap = append(out.Evals, c.GradEvals[i]), append(out.Gap, math.Max(c.TrainLoss[i]-fstar, 1e-16))
		}
	}
	return out
}

// Final is the last gap (+Inf for an empty curve).
func (c Curve) Final() float64 {
	if len(c.Gap) == 0 {
		return math.Inf(1)
	}
	return c.Gap[len(c.Gap)-1]
}

// Reached is the gradient evaluations at which the gap first fell below
// tol, −1 when it never did.
func (c Curve) Reached(tol float64) float64 {
	for i, g := range c.Gap {
		if g < tol {
			return c.Evals[i]
		}
	}
	return -1
}

// LogisticNewton is Newton's method on logistic regression with an L2
// penalty l2 on the training part of d, on the host in float64
// (theory.LogisticNewton): the loss after each of steps steps, the last one
// f* to rounding. It panics on an error.
func LogisticNewton(d data.Config, l2 float64, steps int) []float64 {
	sp := Must(experiment.LoadData(d))
	losses, _, err := theory.LogisticNewton(sp.Train, l2, steps)
	if err != nil {
		panic(err)
	}
	return losses
}

// GapCurves plots curves against gradient evaluations, with a reference's
// gaps per step (Newton's losses minus their last) dashed when given.
func GapCurves(title string, curves []Curve, newton []float64) *plot.Plot {
	var series []plots.Series
	for _, c := range curves {
		series = append(series, plots.Series{Name: c.Name, X: c.Evals, Y: c.Gap})
	}
	if len(newton) > 0 {
		gap := make([]float64, len(newton))
		for k, l := range newton {
			gap[k] = math.Max(l-newton[len(newton)-1], 1e-16)
		}
		series = append(series, plots.Series{Name: "newton (host, per step)", X: plots.Range(len(gap)), Y: gap, Dashed: true})
	}
	return plots.Curves(title, "gradient evaluations", "f − f* (log)", true, series...)
}
