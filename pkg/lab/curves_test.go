package lab_test

import (
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/lab"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

// TestGapCurve: on a strongly convex logistic regression, measured against
// Newton's f* (an independent float64 host computation), every gap is
// positive and within the budget; L-BFGS ends below GD; Reached and Final
// read the curve.
func TestGapCurve(t *testing.T) {
	t.Setenv(lab.OutEnv, t.TempDir())
	d := data.Blobs{N: 200, D: 5, Sep: 2, Holdout: data.NoHoldout}
	m := models.Logistic{L2: 1e-2}
	newton := lab.LogisticNewton(d, 1e-2, 12)
	fstar := newton[len(newton)-1]
	gd := lab.GapCurve(d, m, optim.GD{LR: 1}, fstar, 30)
	lbfgs := lab.GapCurve(d, m, optim.LBFGS{}, fstar, 30)
	for _, c := range []lab.Curve{gd, lbfgs} {
		if len(c.Gap) < 2 || c.Evals[len(c.Evals)-1] > 30 {
			t.Fatalf("%s: %d points up to %g gradient evaluations", c.Name, len(c.Gap), c.Evals[len(c.Evals)-1])
		}
		for i, g := range c.Gap {
			if !(g >= 1e-16) {
				t.Errorf("%s: gap %g at %g evaluations: below Newton's f*", c.Name, g, c.Evals[i])
			}
		}
	}
	if gd.Name != "gd" || !(lbfgs.Final() < gd.Final()) {
		t.Errorf("%s ends at %g, %s at %g: want L-BFGS below GD", gd.Name, gd.Final(), lbfgs.Name, lbfgs.Final())
	}
	c := lab.Curve{Evals: []float64{1, 2, 3}, Gap: []float64{1, 1e-11, 1e-12}}
	if c.Reached(1e-10) != 2 || c.Reached(1e-20) != -1 || c.Final() != 1e-12 {
		t.Errorf("Reached %g/%g, Final %g", c.Reached(1e-10), c.Reached(1e-20), c.Final())
	}
	if lab.GapCurves("t", []lab.Curve{gd, lbfgs}, newton) == nil {
		t.Error("no figure")
	}
}
