package studies

import (
	"fmt"
	"math"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/sweep"
	"github.com/bgdlab/bgdlab/pkg/theory"
	"gonum.org/v1/gonum/mat"
)

// Textbook runs the five-point example as commonly written and corrected.
func Textbook(s *Env) (Study, error) {
	sec := Study{Title: "1. The textbook example", Intro: "Five points x = 1..5, y = 2x, MSE, full-batch gradient descent from θ = 0 for 1000 steps at several step sizes α; dashed lines are the exact predictions f(θ_k) = ½Σλᵢcᵢ²(1−αλᵢ)^{2k} from the Hessian's eigenvalues."}
	fit, err := experiment.LeastSquares(data.Textbook{})
	if err != nil {
		return sec, err
	}
	curv := fit.Curvature
	lrs := []any{0.01, 0.05, 0.08, 0.09}
	c := &sweep.Config{Base: experiment.Spec{Data: data.Textbook{}, Model: models.Linear{}, Batch: data.FullBatch, Steps: 1000, DType: "float64", Init: "zeros"},
		Optimizers: []string{"gd"}, Grid: map[string][]any{"lr": lrs}, Seeds: []uint64{1}}
	_, res, err := s.sweep("textbook", c)
	if err != nil {
		return sec, err
	}
	prob := fit.Problem
	h := prob.Hessian()
	var eig mat.EigenSym
	eig.Factorize(h, true)
	var v mat.Dense
	eig.VectorsTo(&v)
	star := fit.ThetaStar
	coef := []float64{-(v.At(0, 0)*star[0] + v.At(1, 0)*star[1]), -(v.At(0, 1)*star[0] + v.At(1, 1)*star[1])}
	var series []plots.Series
	table := Table{Caption: fmt.Sprintf("Exact Hessian eigenvalues μ = %s, L = %s (κ = %s): stable steps 0 < α < 2/L = %s; optimal α* = 2/(L+μ) = %s.",
		g(curv.Mu), g(curv.L), g(curv.Kappa), g(2/curv.L), g(theory.GDOptimalStep(curv.L, curv.Mu))),
		Header: []string{"α", "status", "(slope, intercept) after the run", "MSE after 1000 steps (or at divergence)", "predicted MSE at step 1000", "max |measured − predicted| / predicted"}}
	var divergedAbove, convergedBelow, divergedBelow []string
	triedAbove := 0
	for i, r := range res {
		lr := r.Optimizer["lr"]
		pred := theory.PredictGDQuadratic(eig.Values(nil), coef, lr, 1000)
		name := "α = " + g(lr)
		series = append(series, plots.Series{Name: name, X: steps(r.History), Y: column(r.History, func(x experiment.Record) float64 { return x.TrainLoss }), Color: plots.Palette[i]})
		series = append(series, plots.Series{Name: name + " predicted", X: seq(len(pred)), Y: pred, Color: plots.Palette[i], Dashed: true})
		maxErr := 0.0
		for _, rec := range r.History {
			if p := pred[rec.Step]; p > 1e-300 && !math.IsNaN(rec.TrainLoss) {
				maxErr = math.Max(maxErr, math.Abs(rec.TrainLoss-p)/p)
			}
		}
		th, _ := prob.ExactGD([]float64{0, 0}, lr, min(r.Steps, 1000))
		thStr := fmt.Sprintf("(%s, %s)", g(th[0]), g(th[1]))
		if lr > 2/curv.L {
			triedAbove++
		}
		if r.Status == optim.Diverged {
			thStr = "—"
			if lr > 2/curv.L {
				divergedAbove = append(divergedAbove, g(lr))
			} else {
				divergedBelow = append(divergedBelow, g(lr))
			}
		} else if lr < 2/curv.L {
			convergedBelow = append(convergedBelow, g(lr))
		}
		table.Rows = append(table.Rows, []string{g(lr), string(r.Status) + map[bool]string{true: fmt.Sprintf(" at step %d", derefInt(r.DivergedAt)), false: ""}[r.DivergedAt != nil],
			thStr, g(r.Final.TrainLoss), g(pred[min(r.Steps, 1000)]), g(maxErr)})
	}
	sec.Tables = append(sec.Tables, table)
	p := plots.Curves("Textbook example, full batch: MSE per step (measured solid, predicted dashed)", "step", "MSE (log scale)", true, series...)
	p.Y.Max = math.Min(p.Y.Max, 1e6)
	fig, err := s.figure(p, "textbook_step_sizes", "Textbook example: BGD converges below 2/L and diverges above it, exactly as predicted.")
	if err != nil {
		return sec, err
	}
	sec.Figures = append(sec.Figures, fig)
	sec.Claims = append(sec.Claims, stabilityClaim(fig.Name, 2/curv.L, triedAbove, divergedAbove, divergedBelow, convergedBelow))
	seedTable, seedFig, seedClaim, err := seedRule(s, prob)
	if err != nil {
		return sec, err
	}
	sec.Tables = append(sec.Tables, seedTable)
	sec.Figures = append(sec.Figures, seedFig)
	sec.Claims = append(sec.Claims, seedClaim)
	// The 1000-step α = 0.01 run does not reach θ*: say how far it is.
	th, _ := prob.ExactGD([]float64{0, 0}, 0.01, 1000)
	sec.Intro += fmt.Sprintf(" After 1000 steps of α = 0.01, (slope, intercept) = (%s, %s) is still %s away from the least-squares solution (%s, %s): the slow direction contracts by only 1 − αμ = %s per step.",
		g6(th[0]), g6(th[1]), g(math.Hypot(th[0]-star[0], th[1]-star[1])), g6(star[0]), g6(math.Abs(star[1])), g6(1-0.01*curv.Mu))
	return sec, nil
}

// aboveFloor replaces values below floor by NaN (not plotted).
func aboveFloor(v []float64, floor float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x
		if x < floor {
			out[i] = math.NaN()
		}
	}
	return out
}

func derefInt(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func seq(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i)
	}
	return out
}

// stabilityClaim judges "BGD iterations are stable and never diverge" on the
// textbook data from the step sizes tried around the limit 2/L: refuted when
// a run diverged; supported when runs above 2/L were tried and none diverged;
// nuanced when no run went above 2/L (stability was never put to the test).
func stabilityClaim(fig string, limit float64, triedAbove int, divergedAbove, divergedBelow, convergedBelow []string) Claim {
	claim := Claim{Statement: "“BGD iterations are stable and never diverge.”", Figure: fig}
	switch {
	case len(divergedAbove) > 0:
		claim.Verdict = Refuted
		claim.Evidence = fmt.Sprintf("full-batch GD diverged on the textbook data at α = %s > 2/L = %s, and converged at α = %s < 2/L: BGD is deterministic, not unconditionally stable — its stability depends on α·L.",
			strings.Join(divergedAbove, ", "), g(limit), strings.Join(convergedBelow, ", "))
	case len(divergedBelow) > 0:
		claim.Verdict = Refuted
		claim.Evidence = fmt.Sprintf("full-batch GD diverged at α = %s, below 2/L = %s.", strings.Join(divergedBelow, ", "), g(limit))
	case triedAbove > 0:
		claim.Verdict = Supported
		claim.Evidence = fmt.Sprintf("no run diverged, not even the %d above 2/L = %s.", triedAbove, g(limit))
	default:
		claim.Verdict = Nuanced
		claim.Evidence = fmt.Sprintf("no run diverged, but every step size tried was below 2/L = %s, where the theory already guarantees convergence.", g(limit))
	}
	return claim
}
