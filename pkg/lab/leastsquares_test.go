package lab_test

import (
	"math"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/lab"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/theory"
)

// TestEffectiveStepsOfGD: GD's step is α·g, so its effective step is α on
// both coordinates at every step (an independent value: the step size).
func TestEffectiveStepsOfGD(t *testing.T) {
	t.Setenv(lab.OutEnv, t.TempDir())
	quad := data.Quadratic2D(100)
	s := lab.EffectiveSteps(quad, lab.Trajectory(quad, optim.GD{LR: 0.019}, quad.Start, 20), "gd", plots.Palette[0])
	if len(s) != 2 || len(s[0].Y) < 15 || !s[1].Dashed {
		t.Fatalf("%d series, %d points", len(s), len(s[0].Y))
	}
	for _, c := range s {
		for k, v := range c.Y {
			if math.Abs(v-0.019) > 1e-6 {
				t.Errorf("%s: step %g: effective step %g, want α = 0.019", c.Name, c.X[k], v)
			}
		}
	}
}

// TestFinalGap: GD at 2/(L+μ) closes the gap at its linear rate
// ((κ−1)/(κ+1) per step on ‖θ − θ*‖, so f − f* ≤ κ·q^(2k)·(f₀ − f*)); above 2/L it diverges, which FinalGap reports as +Inf; the best
// of both is the converged one.
func TestFinalGap(t *testing.T) {
	t.Setenv(lab.OutEnv, t.TempDir())
	d := data.SyntheticLinear{N: 200, D: 5, Kappa: 10, Holdout: data.NoHoldout}
	c, fstar := lab.MustLeastSquares(d)
	good := optim.GD{LR: theory.GDOptimalStep(c.L, c.Mu)}
	gap := lab.FinalGap(d, good, 30)
	f0 := lab.MustRun(d, models.Linear{}, good, lab.Steps(30), lab.LogEvery(1)).History[0].TrainLoss
	q := (c.L - c.Mu) / (c.L + c.Mu)
	if bound := c.L/c.Mu*math.Pow(q, 60)*(f0-fstar)*1.01 + 1e-15; !(gap <= bound) || gap <= 0 {
		t.Errorf("gap %g after 30 steps at 2/(L+μ), want below %g", gap, bound)
	}
	bad := optim.GD{LR: 2.5 / c.L}
	if g := lab.FinalGap(d, bad, 300); !math.IsInf(g, 1) {
		t.Errorf("GD at 2.5/L: gap %g, want +Inf (diverged)", g)
	}
	if g := lab.BestFinalGap(d, []optim.Config{bad, good}, 30); g != gap {
		t.Errorf("best gap %g, want the converged run's %g", g, gap)
	}
}

// TestGaps: a row holds the best of its grid on each problem, and the table
// and bars show every row.
func TestGaps(t *testing.T) {
	t.Setenv(lab.OutEnv, t.TempDir())
	a := data.SyntheticLinear{N: 200, D: 5, Kappa: 10, Aligned: true, Holdout: data.NoHoldout}
	b := data.SyntheticLinear{N: 200, D: 5, Kappa: 10, Holdout: data.NoHoldout}
	grid := []optim.Config{optim.Adam{LR: 0.001}, optim.Adam{LR: 0.1}}
	row := lab.Gaps(a, b, 40, "adam", grid...)
	if row.A != lab.BestFinalGap(a, grid, 40) || row.B != lab.BestFinalGap(b, grid, 40) || row.A > lab.FinalGap(a, grid[0], 40) {
		t.Errorf("row %+v is not the best of the grid on each problem", row)
	}
	if tab := lab.GapTable("aligned", "rotated", []lab.GapRow{row}); !strings.Contains(tab, "adam") || !strings.Contains(tab, "rotated f−f*") {
		t.Errorf("table:\n%s", tab)
	}
	if lab.GapBars("t", []lab.GapRow{row}, true) == nil {
		t.Error("no bars")
	}
}
