package lab

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/studies"
	"github.com/bgdlab/bgdlab/pkg/theory"
)

// MustLeastSquares is LeastSquares for notebook cells: the exact curvature
// and f* of least-squares data d; it panics on an error.
func MustLeastSquares(d data.Config) (theory.Curvature, float64) {
	c, fstar, err := LeastSquares(d)
	if err != nil {
		panic(err)
	}
	return c, fstar
}

// FinalGap trains a linear model on the least-squares data d with cfg for
// steps full-batch steps (cached, as Run) and returns the final f − f*,
// floored at 1e-16 (rounding level), +Inf when the run diverged.
func FinalGap(d data.Config, cfg optim.Config, steps int) float64 {
	_, fstar := MustLeastSquares(d)
	res := MustRun(d, models.Linear{}, cfg, Steps(steps), LogEvery(steps))
	if g := res.Last().TrainLoss - fstar; !math.IsNaN(g) && res.Status != optim.Diverged {
		return math.Max(g, 1e-16)
	}
	return math.Inf(1)
}

// BestFinalGap is the smallest FinalGap over cfgs (one method's grid of
// rates): the best that method does in steps steps.
func BestFinalGap(d data.Config, cfgs []optim.Config, steps int) float64 {
	best := math.Inf(1)
	for _, cfg := range cfgs {
		best = math.Min(best, FinalGap(d, cfg, steps))
	}
	return best
}

// EffectiveSteps is the step each coordinate of a 2-D path on f received
// per unit of gradient, |Δθᵢ| / |gᵢ| at each step k (gradients by central
// differences of f.F; steps where a gradient coordinate is below 1e-9 are
// left out): two curves in col, "name: x (flat)" solid and "name: y
// (steep)" dashed.
func EffectiveSteps(f data.Function2D, p experiment.Path, name string, col color.Color) []plots.Series {
	const h = 1e-6
	var ks, ex, ey []float64
	for k := 0; k+1 < len(p.X); k++ {
		x, y := p.X[k], p.Y[k]
		gx := (f.F(x+h, y) - f.F(x-h, y)) / (2 * h)
		gy := (f.F(x, y+h) - f.F(x, y-h)) / (2 * h)
		if math.Abs(gx) > 1e-9 && math.Abs(gy) > 1e-9 {
			ks = append(ks, float64(k))
			ex, ey = append(ex, math.Abs(p.X[k+1]-x)/math.Abs(gx)), append(ey, math.Abs(p.Y[k+1]-y)/math.Abs(gy))
		}
	}
	return []plots.Series{{Name: name + ": x (flat)", X: ks, Y: ex, Color: col},
		{Name: name + ": y (steep)", X: ks, Y: ey, Color: col, Dashed: true}}
}

// GapRow is one method's best final f − f* on two least-squares problems
// (Gaps).
type GapRow struct {
	Name string
	A, B float64
}

// Gaps is the named method's BestFinalGap over cfgs on the problems a and b.
func Gaps(a, b data.Config, steps int, name string, cfgs ...optim.Config) GapRow {
	return GapRow{Name: name, A: BestFinalGap(a, cfgs, steps), B: BestFinalGap(b, cfgs, steps)}
}

// GapTable prints rows under the problems' names.
func GapTable(nameA, nameB string, rows []GapRow) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-20s %14s %14s\n", "method", nameA+" f−f*", nameB+" f−f*")
	for _, r := range rows {
		fmt.Fprintf(&sb, "%-20s %14.3g %14.3g\n", r.Name, r.A, r.B)
	}
	return sb.String()
}

// GapBars is a bar chart of log₁₀(f − f*) per method on problem A, or on
// problem B when b is true.
func GapBars(title string, rows []GapRow, b bool) *plot.Plot {
	names, vals := make([]string, len(rows)), make([]float64, len(rows))
	for i, r := range rows {
		names[i], vals[i] = r.Name, math.Log10(r.A)
		if b {
			vals[i] = math.Log10(r.B)
		}
	}
	return Must(plots.Bars(title, "log₁₀(f − f*)", names, vals, nil, nil))
}

// MustRates is the report's condition-number study for one κ
// (studies.Rates on studies.KappaProblem(κ)): GD at α* = 2/(L+μ), heavy ball
// and Nesterov at their theoretical parameters, steps steps each, measured
// against their predicted rates; cached between cells, and it panics on an
// error.
func MustRates(kappa float64, steps int) []studies.Rate {
	return Must(studies.Rates(StudyEnv(), kappa, steps))
}
