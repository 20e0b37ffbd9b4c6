package optim

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Objective is a full-batch problem over a flat float64 parameter vector, the
// form line searches and L-BFGS need (they evaluate the loss at trial points).
// Experiments adapt GoMLX models to it; tests use closed-form functions.
type Objective interface {
	// Dim is the number of parameters.
	Dim() int
	// Eval returns f(x); when grad is non-nil it also writes ∇f(x) into it.
	Eval(x, grad []float64) (float64, error)
}

// Settings are Minimize's stopping rules. Zero values mean: MaxIter 1000,
// GradTol 0 (off), no callback.
type Settings struct {
	// MaxIter bounds the number of updates.
	MaxIter int
	// GradTol stops when ‖∇f‖ ≤ GradTol.
	GradTol float64
	// MaxGradEvals, if > 0, bounds gradient evaluations (for equal-work comparisons).
	MaxGradEvals int
	// BlowUp is the Divergence rule's factor (0: DefaultBlowUp).
	BlowUp float64
	// Callback, if set, is called after every update with the update number
	// (1-based), x, f(x) and ‖∇f(x)‖; returning false stops the run.
	Callback func(iter int, x []float64, f, gradNorm float64) bool
}

// EvalStats counts the work a run did.
type EvalStats struct {
	// Iterations is the number of accepted updates.
	Iterations int
	// GradEvaluations counts evaluations of f and ∇f together.
	GradEvaluations int
	// FuncEvaluations counts evaluations of f alone (line-search trials).
	FuncEvaluations int
	Runtime         time.Duration
}

// StoppedByCallback is the Reason of a Budget result whose Callback
// returned false.
const StoppedByCallback = "stopped by the callback"

// Result is what Minimize returns.
type Result struct {
	X      []float64
	F      float64
	Status Status
	// Reason says what triggered Status (empty for an exhausted budget).
	Reason string
	Stats  EvalStats
}

// Minimize runs a full-batch method — "gd" (fixed step), "armijo" or
// "lbfgs" — on obj from x0.
//
// armijo: each step starts at α = lr and multiplies α by rho until
// f(x − α∇f) ≤ f(x) − c·α‖∇f‖².
// lbfgs: the direction d = −H∇f comes from the two-loop recursion over the
// last `history` pairs (s, y) with H₀ = (sᵀy/yᵀy)·I; the step α starts at lr
// and backtracks until f(x + αd) ≤ f(x) + c·α∇fᵀd. Pairs with sᵀy ≤ 1e-12·‖s‖‖y‖
// are skipped (no curvature), and a non-descent direction resets the history.
func Minimize(obj Objective, x0 []float64, o *Optimizer, s Settings) (Result, error) {
	start := time.Now()
	n := obj.Dim()
	if len(x0) != n {
		return Result{}, fmt.Errorf("optim.Minimize: x0 has %d entries, the objective has %d parameters", len(x0), n)
	}
	switch o.method {
	case "gd", "armijo", "lbfgs":
	default:
		return Result{}, fmt.Errorf("optim.Minimize: method %s is not a full-batch host method (use gd, armijo or lbfgs; others run in GoMLX graphs)", o.method)
	}
	if s.MaxIter <= 0 {
		s.MaxIter = 1000
	}
	m := &minimizer{obj: obj, o: o, x: append([]float64(nil), x0...), g: make([]float64, n),
		trial: make([]float64, n), gNew: make([]float64, n), d: make([]float64, n)}
	if o.method == "lbfgs" {
		m.mem = &memory{size: int(o.params["history"])}
	}
	var err error
	if m.f, err = m.eval(m.x, m.g); err != nil {
		return m.res, err
	}
	m.res.Status = Budget
	m.threshold = Divergence{BlowUp: s.BlowUp}.Threshold(m.f)
	for it := 1; it <= s.MaxIter; it++ {
		if done, err := m.iterate(it, s); err != nil || done {
			if err != nil {
				return m.res, err
			}
			break
		}
	}
	if !finite(m.f) || m.f > m.threshold {
		m.res.Status, m.res.Reason = Diverged, fmt.Sprintf("loss %g", m.f)
	}
	m.res.X, m.res.F = m.x, m.f
	m.res.Stats.Runtime = time.Since(start)
	return m.res, nil
}

// minimizer is the state of one Minimize run.
type minimizer struct {
	obj               Objective
	o                 *Optimizer
	mem               *memory // L-BFGS pairs; nil for gd and armijo
	x, g, trial, gNew []float64
	d                 []float64
	f                 float64
	threshold         float64 // Divergence's, from the first loss
	res               Result
}

// eval evaluates the objective, counting the evaluation.
func (m *minimizer) eval(x, grad []float64) (float64, error) {
	if grad != nil {
		m.res.Stats.GradEvaluations++
	} else {
		m.res.Stats.FuncEvaluations++
	}
	return m.obj.Eval(x, grad)
}

// iterate makes update it, or says why the run stops (done).
func (m *minimizer) iterate(it int, s Settings) (done bool, err error) {
	gn := norm(m.g)
	switch {
	case !finite(m.f) || !finite(gn) || m.f > m.threshold:
		m.res.Status, m.res.Reason = Diverged, fmt.Sprintf("loss %g, gradient norm %g", m.f, gn)
		return true, nil
	case s.GradTol > 0 && gn <= s.GradTol:
		m.res.Status, m.res.Reason = Converged, fmt.Sprintf("gradient norm ≤ grad_tol %g", s.GradTol)
		return true, nil
	case s.MaxGradEvals > 0 && m.res.Stats.GradEvaluations >= s.MaxGradEvals:
		return true, nil
	}
	m.mem.direction(m.d, m.g)
	alpha := m.o.LRAt(it - 1)
	if m.o.method == "gd" {
		for i := range m.x {
			m.trial[i] = m.x[i] + alpha*m.d[i]
		}
	} else if ok, err := m.backtrack(alpha); err != nil || !ok {
		if !ok && err == nil {
			m.res.Status, m.res.Reason = Converged, "line search found no decrease (at numerical precision)"
		}
		return true, err
	}
	fNew, err := m.eval(m.trial, m.gNew)
	if err != nil {
		return true, err
	}
	m.mem.push(m.x, m.trial, m.g, m.gNew)
	copy(m.x, m.trial)
	copy(m.g, m.gNew)
	m.f = fNew
	m.res.Stats.Iterations = it
	if s.Callback != nil && !s.Callback(it, m.x, m.f, norm(m.g)) {
		m.res.Status, m.res.Reason = Budget, StoppedByCallback
		return true, nil
	}
	return false, nil
}

// backtrack tries α, α·rho, … (at most max_trials) until x + αd decreases f
// sufficiently, leaving the accepted point in trial.
func (m *minimizer) backtrack(alpha float64) (bool, error) {
	p := m.o.params
	slope := dot(m.g, m.d)
	for k := 0; k < int(p["max_trials"]); k++ {
		for i := range m.x {
			m.trial[i] = m.x[i] + alpha*m.d[i]
		}
		fNew, err := m.eval(m.trial, nil)
		if err != nil {
			return false, err
		}
		if finite(fNew) && fNew <= m.f+p["c"]*alpha*slope {
			return true, nil
		}
		alpha *= p["rho"]
	}
	return false, nil
}

// memory holds L-BFGS's last (s, y) pairs. A nil memory is plain gradient
// descent: its direction is −g and it keeps nothing.
type memory struct {
	size int
	s, y [][]float64
	rho  []float64
}

// direction writes −H·g into d (the two-loop recursion), resetting the
// pairs when that is not a descent direction.
func (h *memory) direction(d, g []float64) {
	if h != nil {
		twoLoop(d, g, h.s, h.y, h.rho)
		if dot(d, g) < 0 {
			return
		}
		h.s, h.y, h.rho = nil, nil, nil // not a descent direction: reset
	}
	for i := range d {
		d[i] = -g[i]
	}
}

// push keeps the pair s = x' − x, y = g' − g when it shows curvature
// (sᵀy > 1e-12·‖s‖‖y‖), dropping the oldest beyond size.
func (h *memory) push(x, xNew, g, gNew []float64) {
	if h == nil {
		return
	}
	sv, yv := make([]float64, len(x)), make([]float64, len(x))
	for i := range sv {
		sv[i] = xNew[i] - x[i]
		yv[i] = gNew[i] - g[i]
	}
	sy := dot(sv, yv)
	if sy > 1e-12*norm(sv)*norm(yv) {
		h.s, h.y, h.rho = append(h.s, sv), append(h.y, yv), append(h.rho, 1/sy)
		if len(h.s) > h.size {
			h.s, h.y, h.rho = h.s[1:], h.y[1:], h.rho[1:]
		}
	}
}

// twoLoop writes d = −H·g using the L-BFGS two-loop recursion.
func twoLoop(d, g []float64, sHist, yHist [][]float64, rho []float64) {
	q := append([]float64(nil), g...)
	m := len(sHist)
	alpha := make([]float64, m)
	for i := m - 1; i >= 0; i-- {
		alpha[i] = rho[i] * dot(sHist[i], q)
		axpy(-alpha[i], yHist[i], q)
	}
	gamma := 1.0
	if m > 0 {
		gamma = dot(sHist[m-1], yHist[m-1]) / dot(yHist[m-1], yHist[m-1])
	}
	for i := range q {
		q[i] *= gamma
	}
	for i := 0; i < m; i++ {
		beta := rho[i] * dot(yHist[i], q)
		axpy(alpha[i]-beta, sHist[i], q)
	}
	for i := range d {
		d[i] = -q[i]
	}
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i := range y {
		y[i] += a * x[i]
	}
}

func norm(a []float64) float64 { return math.Sqrt(dot(a, a)) }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// ErrNotFullBatch is returned when a line-search method is asked to run on
// mini-batches: its sufficient-decrease test needs the exact loss.
var ErrNotFullBatch = errors.New("armijo and lbfgs need the full-batch loss: use --batch full")
