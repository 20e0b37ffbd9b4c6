package studies

import (
	"fmt"
	"math"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/plots"
)

// Landscape follows GD, heavy ball, Adam and L-BFGS on non-convex functions.
func Landscape(s *Env) (Study, error) {
	sec := Study{Title: "6. Non-convex landscapes: where does BGD end up?",
		Intro: "Gradient descent follows the local slope. On a double well it settles in whichever basin it starts in; on Rosenbrock's curved valley it crawls. Trajectories of GD, heavy ball, Adam and L-BFGS from the same start (circle = start, square = end, + = known minima)."}
	fs := data.Functions2D()
	cases := []struct {
		fn    string
		steps int
		opts  []optim.Config
	}{
		{"double-well", 300, []optim.Config{optim.GD{LR: 0.05}, optim.Momentum{LR: 0.05, Momentum: 0.9}, optim.Adam{LR: 0.05}, optim.LBFGS{}}},
		{"rosenbrock", 3000, []optim.Config{optim.GD{LR: 0.001}, optim.Momentum{LR: 0.001, Momentum: 0.9}, optim.Adam{LR: 0.02}, optim.LBFGS{}}},
	}
	table := Table{Caption: "Where each method ends.", Header: []string{"function", "method", "steps", "end point", "f(end)", "global minimum value", "nearest known minimum"}}
	var gdEnd, globalF, gdDist float64
	for _, cs := range cases {
		f := fs[cs.fn]
		var trajs []plots.Trajectory
		gmin := math.Inf(1)
		for _, m := range f.Minima {
			gmin = math.Min(gmin, f.F(m[0], m[1]))
		}
		for _, cfg := range cs.opts {
			spec := cfg.String()
			opt, err := optim.New(cfg)
			if err != nil {
				return sec, err
			}
			path, err := experiment.Trajectory2D(s.Backend, f, opt, f.Start, cs.steps)
			if err != nil {
				return sec, err
			}
			trajs = append(trajs, plots.Trajectory{Name: spec, X: path.X, Y: path.Y})
			ex, ey := path.X[len(path.X)-1], path.Y[len(path.Y)-1]
			near := ""
			k, nd := f.NearestMinimum(ex, ey)
			if k >= 0 {
				near = fmt.Sprintf("(%s, %s)", g(f.Minima[k][0]), g(f.Minima[k][1]))
			}
			status := ""
			if path.Diverged {
				status = " (diverged)"
			}
			table.Rows = append(table.Rows, []string{cs.fn, spec + status, fmt.Sprint(len(path.X) - 1), fmt.Sprintf("(%s, %s)", g(ex), g(ey)), g(f.F(ex, ey)), g(gmin), near + fmt.Sprintf(" at distance %s", g(nd))})
			if cs.fn == "double-well" && strings.HasPrefix(spec, "gd:") {
				gdEnd, globalF, gdDist = f.F(ex, ey), gmin, nd
			}
		}
		p := plots.Contour(fmt.Sprintf("%s: trajectories from (%g, %g)", cs.fn, f.Start[0], f.Start[1]), f.F, f.XMin, f.XMax, f.YMin, f.YMax, f.Minima, trajs)
		fig, err := s.figure(p, "landscape_"+cs.fn, fmt.Sprintf("%s: optimizer trajectories over the level sets.", cs.fn))
		if err != nil {
			return sec, err
		}
		sec.Figures = append(sec.Figures, fig)
	}
	sec.Tables = append(sec.Tables, table)
	sec.Claims = append(sec.Claims, globalMinimumClaim(gdEnd, globalF, gdDist))
	return sec, nil
}

// globalMinimumClaim judges "BGD finds the global minimum" from where
// full-batch GD ended on the double well: its loss gdEnd against the global
// minimum value globalF, and its distance to the nearest known minimum.
// Ending away from every minimum (distance > 10⁻²) says nothing either way.
func globalMinimumClaim(gdEnd, globalF, dist float64) Claim {
	claim := Claim{Statement: "“BGD finds the global minimum.”", Figure: "landscape_double-well"}
	switch {
	case !(dist <= 1e-2):
		claim.Verdict = Nuanced
		claim.Evidence = fmt.Sprintf("full-batch GD from (1.6, 1) ended at f = %s, %s from the nearest known minimum: it did not converge to a minimum within the budget.", g(gdEnd), g(dist))
	case gdEnd-globalF > 1e-3:
		claim.Verdict = Refuted
		claim.Evidence = fmt.Sprintf("on the double well, full-batch GD from (1.6, 1) converged to the local minimum with f = %s, while the global minimum has f = %s; only for convex losses is every stationary point global.", g(gdEnd), g(globalF))
	default:
		claim.Verdict = Supported
		claim.Evidence = fmt.Sprintf("GD reached f = %s, the global minimum value %s.", g(gdEnd), g(globalF))
	}
	return claim
}
