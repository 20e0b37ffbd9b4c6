package studies

import (
	"fmt"
	"math"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/lsq"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/sweep"
)

// seedRuleRun is one run of the seed article's rule (β > 0) or of plain GD
// (β = 0) on the textbook problem, with its float64 recomputation.
type seedRuleRun struct {
	beta      float64
	diverged  bool
	final     float64 // measured training MSE after the run (or at divergence)
	reference float64 // the float64 recomputation's MSE after as many steps
	refDiv    int     // the step at which the recomputation blew up (-1: never)
	gradNorm  float64 // ‖∇MSE‖ where the recomputation ends
	rises     int     // steps at which the measured loss went up
	uphill    int     // steps whose β·g⊙g term points uphill (β·Σg³ > 0)
	steps     int
}

// seedRuleSteps and seedRuleLR: the textbook section's budget and a step
// size at which plain GD converges (α·L < 2).
const (
	seedRuleSteps = 1000
	seedRuleLR    = 0.05
)

// seedRule runs optim.GDGradSq — the seed article's W ← W − α∂L/∂W +
// β Σ(∂L/∂W)⊙(∂L/∂θ), read literally — on the textbook problem beside plain
// GD at the same α, checks every run against a float64 recomputation, and
// judges the article's claim that it is a descent method.
func seedRule(s *Env, prob lsq.Problem) (Table, Figure, Claim, error) {
	betas := []any{1e-4, 1e-3, 1e-2}
	c := &sweep.Config{Base: experiment.Spec{Data: data.Textbook{}, Model: models.Linear{}, Batch: data.FullBatch, Steps: seedRuleSteps, DType: "float64", Init: "zeros"},
		Optimizers: []string{"gd", "gd-gradsq"}, Grid: map[string][]any{"lr": {seedRuleLR}},
		PerOptimizer: map[string]map[string][]any{"gd-gradsq": {"beta": betas}}, Seeds: []uint64{1}}
	_, res, err := s.sweep("seed_rule", c)
	if err != nil {
		return Table{}, Figure{}, Claim{}, err
	}
	table := Table{Caption: fmt.Sprintf("The seed article's rule θ ← θ − α·g + β·g⊙g on the textbook data, α = %s, %d full-batch steps from θ = 0 (β = 0 is plain GD). “Reference” recomputes each run in float64 on the host.", g(seedRuleLR), seedRuleSteps),
		Header: []string{"β", "status", "MSE at the end", "reference MSE", "‖∇MSE‖ at the end", "steps the loss rose", "steps the β term pointed uphill"}}
	var runs []seedRuleRun
	var series []plots.Series
	for i, r := range res {
		run := seedRuleRun{beta: r.Optimizer["beta"], diverged: r.Status == optim.Diverged, final: r.Final.TrainLoss, steps: r.Steps}
		if r.Spec.Optimizer.Method() == "gd" {
			run.beta = 0
		}
		run.reference, run.gradNorm, run.uphill, run.refDiv = seedRuleReference(prob, run.beta, seedRuleSteps)
		if err := run.check(); err != nil {
			return table, Figure{}, Claim{}, err
		}
		for k := 1; k < len(r.History); k++ {
			if r.History[k].TrainLoss > r.History[k-1].TrainLoss {
				run.rises++
			}
		}
		runs = append(runs, run)
		status := string(r.Status)
		if r.DivergedAt != nil {
			status += fmt.Sprintf(" at step %d", *r.DivergedAt)
		}
		ref, gn := g(run.reference), g(run.gradNorm)
		if run.refDiv >= 0 {
			ref, gn = fmt.Sprintf("blows up at step %d", run.refDiv), "—"
		}
		table.Rows = append(table.Rows, []string{g(run.beta), status, g(run.final), ref, gn, fmt.Sprint(run.rises), fmt.Sprint(run.uphill)})
		series = append(series, plots.Series{Name: "β = " + g(run.beta), X: steps(r.History), Y: column(r.History, func(x experiment.Record) float64 { return x.TrainLoss }), Color: plots.Palette[i%len(plots.Palette)]})
	}
	p := plots.Curves(fmt.Sprintf("Textbook data, α = %s: plain GD (β = 0) and the seed's rule θ ← θ − αg + βg² (element-wise)", g(seedRuleLR)), "step", "MSE (log scale)", true, series...)
	p.Y.Max = math.Min(p.Y.Max, 1e6)
	fig, err := s.figure(p, "textbook_seed_rule", "The seed article's update rule, read literally, against plain GD at the same step size.")
	if err != nil {
		return table, fig, Claim{}, err
	}
	return table, fig, seedRuleClaim(fig.Name, runs), nil
}

// seedRuleReference runs θ ← θ − α·g + β·g⊙g for steps steps in float64
// from θ = 0 and returns the MSE and ‖g‖ after them, the number of steps
// whose β term had a positive directional derivative β·Σg³ (uphill, to first
// order), and the step at which the MSE blew up (optim.Divergence: not
// finite or past 10⁶ times the initial MSE; -1 if never), where it stops.
func seedRuleReference(prob lsq.Problem, beta float64, steps int) (mse, gradNorm float64, uphill, blewUp int) {
	theta := make([]float64, len(prob.X[0]))
	f0 := prob.MSE(theta)
	blewUp = -1
	for k := 0; k < steps; k++ {
		grad := prob.Gradient(theta)
		cube := 0.0
		for _, gj := range grad {
			cube += gj * gj * gj
		}
		if beta*cube > 0 {
			uphill++
		}
		for j := range theta {
			theta[j] += -seedRuleLR*grad[j] + beta*grad[j]*grad[j]
		}
		if (optim.Divergence{}).Diverged(f0, prob.MSE(theta)) {
			blewUp = k + 1
			break
		}
	}
	gn := 0.0
	for _, gj := range prob.Gradient(theta) {
		gn += gj * gj
	}
	return prob.MSE(theta), math.Sqrt(gn), uphill, blewUp
}

// check compares the run with its float64 recomputation: both blow up, or
// both end at the same MSE.
func (r seedRuleRun) check() error {
	switch {
	case r.diverged != (r.refDiv >= 0):
		return fmt.Errorf("seed rule β = %g: the run diverged = %v but its float64 recomputation blew up = %v", r.beta, r.diverged, r.refDiv >= 0)
	case !r.diverged && math.Abs(r.final-r.reference) > 1e-6*math.Max(1e-6, r.reference):
		return fmt.Errorf("seed rule β = %g: final MSE %g, float64 recomputation %g", r.beta, r.final, r.reference)
	}
	return nil
}

// seedRuleClaim judges “the seed's BGD rule is a descent method”: refuted
// when, at a step size where plain GD converges, the rule blows up or ends
// at a point that is not stationary (its fixed points include g = α/β);
// supported when every β ends where GD does with a loss that never rose;
// nuanced otherwise (it gets there, but not by descending), or when plain GD
// itself did not converge (no fair comparison).
func seedRuleClaim(fig string, runs []seedRuleRun) Claim {
	claim := Claim{Statement: "“BGD's update W ← W − α∂L/∂W + β Σⱼ (∂L/∂Wⱼ)⊙(∂L/∂θⱼ) is an efficient, stable descent method.” (the seed article's rule, read literally as θ ← θ − αg + βg⊙g; textbook data)", Figure: fig}
	var gd *seedRuleRun
	for i := range runs {
		if runs[i].beta == 0 {
			gd = &runs[i]
		}
	}
	if gd == nil || gd.diverged || gd.gradNorm > 1e-6 {
		claim.Verdict = Nuanced
		claim.Evidence = "plain GD did not converge at the step size tried, so the rule was not put to a fair test."
		return claim
	}
	var blewUp, stalled, rose, fine []string
	for _, r := range runs {
		if r.beta == 0 {
			continue
		}
		b := g(r.beta)
		switch {
		case r.diverged:
			blewUp = append(blewUp, fmt.Sprintf("β = %s (at step %d)", b, r.refDiv))
		case r.gradNorm > 1e-6:
			stalled = append(stalled, fmt.Sprintf("β = %s (MSE %s, ‖∇MSE‖ = %s)", b, g(r.final), g(r.gradNorm)))
		case r.rises > 0:
			rose = append(rose, fmt.Sprintf("β = %s: loss rose at %d steps, β term uphill at %d of %d", b, r.rises, r.uphill, r.steps))
		default:
			fine = append(fine, fmt.Sprintf("β = %s: β term uphill at %d of %d steps", b, r.uphill, r.steps))
		}
	}
	base := fmt.Sprintf("at α = %s, where plain GD converges (MSE %s after %d steps)", g(seedRuleLR), g(gd.final), gd.steps)
	switch {
	case len(blewUp)+len(stalled) > 0:
		claim.Verdict = Refuted
		parts := []string{}
		if len(blewUp) > 0 {
			parts = append(parts, "blew up for "+strings.Join(blewUp, ", "))
		}
		if len(stalled) > 0 {
			parts = append(parts, "stopped short of the minimum for "+strings.Join(stalled, ", "))
		}
		others := ""
		if rest := append(rose, fine...); len(rest) > 0 {
			others = " With smaller β it still reached the minimum (" + strings.Join(rest, ", ") + "): the −αg step dominates there."
		}
		claim.Evidence = fmt.Sprintf("%s, the rule %s. Its β·g⊙g term is never negative: it pushes every parameter up whatever the slope, so it is not a descent direction, and the rule has fixed points where g = α/β ≠ 0.%s", base, strings.Join(parts, "; "), others)
	case len(rose) > 0:
		claim.Verdict = Nuanced
		claim.Evidence = fmt.Sprintf("%s, the rule reached the minimum, but not by descending: %s.", base, strings.Join(rose, ", "))
	default:
		claim.Verdict = Supported
		claim.Evidence = fmt.Sprintf("%s, the rule reached the same minimum with a loss that never rose for %s.", base, strings.Join(fine, ", "))
	}
	return claim
}
