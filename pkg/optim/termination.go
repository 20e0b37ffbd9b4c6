package optim

import "math"

// Status says why an optimization stopped. It is bgdlab's one status
// vocabulary: Minimize's Result, the training loop's Outcome (pkg/train),
// run records (run.json's "status") and sweep summaries all use it, each
// with a reason saying what triggered it.
type Status string

// The statuses.
const (
	// Budget: a budget limit (steps, epochs, seconds, gradient evaluations)
	// was reached, or the caller stopped the run.
	Budget Status = "budget"
	// Converged: a target loss or metric, or the gradient tolerance, was
	// reached, or no step along the search direction decreases the loss.
	Converged Status = "converged"
	// Diverged: the loss broke the Divergence rule, or the gradient or the
	// update became non-finite.
	Diverged Status = "diverged"
)

// DefaultBlowUp is the factor of the Divergence rule unless a run sets its
// own (experiment.Spec.BlowUp).
const DefaultBlowUp = 1e6

// Divergence is bgdlab's one divergence rule: a loss f has diverged when it
// is NaN or ±Inf, or above BlowUp·max(|f₀|, 1), f₀ the run's first loss.
// BlowUp = +Inf keeps only the non-finite test; 0 means DefaultBlowUp.
type Divergence struct {
	BlowUp float64
}

// Threshold is the loss above which a run that started at f0 has diverged.
func (d Divergence) Threshold(f0 float64) float64 {
	b := d.BlowUp
	if b == 0 {
		b = DefaultBlowUp
	}
	return b * math.Max(math.Abs(f0), 1)
}

// Diverged applies the rule to loss f of a run that started at f0.
func (d Divergence) Diverged(f0, f float64) bool {
	return math.IsNaN(f) || math.IsInf(f, 0) || f > d.Threshold(f0)
}
