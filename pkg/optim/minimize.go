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

// Status says why Minimize stopped.
type Status string

// Statuses returned by Minimize.
const (
	StatusGradTol    Status = "converged"   // ‖∇f‖ ≤ GradTol
	StatusIterLimit  Status = "budget"      // MaxIter or MaxGradEvals reached
	StatusStopped    Status = "stopped"     // the callback returned false
	StatusDiverged   Status = "diverged"    // f or ∇f became NaN/Inf
	StatusLineSearch Status = "line-search" // no step satisfied the Armijo condition
)

// Result is what Minimize returns.
type Result struct {
	X      []float64
	F      float64
	Status Status
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
	p := o.params
	x := append([]float64(nil), x0...)
	g := make([]float64, n)
	res := Result{}
	eval := func(x, grad []float64) (float64, error) {
		if grad != nil {
			res.Stats.GradEvaluations++
		} else {
			res.Stats.FuncEvaluations++
		}
		return obj.Eval(x, grad)
	}
	f, err := eval(x, g)
	if err != nil {
		return res, err
	}
	var sHist, yHist [][]float64
	var rhoHist []float64
	trial := make([]float64, n)
	gNew := make([]float64, n)
	d := make([]float64, n)
	res.Status = StatusIterLimit
	for it := 1; it <= s.MaxIter; it++ {
		gn := norm(g)
		if !finite(f) || !finite(gn) {
			res.Status = StatusDiverged
			break
		}
		if s.GradTol > 0 && gn <= s.GradTol {
			res.Status = StatusGradTol
			break
		}
		if s.MaxGradEvals > 0 && res.Stats.GradEvaluations >= s.MaxGradEvals {
			break
		}
		// Direction.
		switch o.method {
		case "lbfgs":
			twoLoop(d, g, sHist, yHist, rhoHist)
			if dot(d, g) >= 0 { // not a descent direction: reset
				sHist, yHist, rhoHist = nil, nil, nil
				for i := range d {
					d[i] = -g[i]
				}
			}
		default:
			for i := range d {
				d[i] = -g[i]
			}
		}
		// Step.
		alpha := o.LRAt(it - 1)
		var fNew float64
		if o.method == "gd" {
			for i := range x {
				trial[i] = x[i] + alpha*d[i]
			}
		} else {
			slope := dot(g, d)
			accepted := false
			for k := 0; k < int(p["max_trials"]); k++ {
				for i := range x {
					trial[i] = x[i] + alpha*d[i]
				}
				fNew, err = eval(trial, nil)
				if err != nil {
					return res, err
				}
				if finite(fNew) && fNew <= f+p["c"]*alpha*slope {
					accepted = true
					break
				}
				alpha *= p["rho"]
			}
			if !accepted {
				res.Status = StatusLineSearch
				break
			}
		}
		fNew, err = eval(trial, gNew)
		if err != nil {
			return res, err
		}
		if o.method == "lbfgs" {
			sv, yv := make([]float64, n), make([]float64, n)
			for i := range sv {
				sv[i] = trial[i] - x[i]
				yv[i] = gNew[i] - g[i]
			}
			sy := dot(sv, yv)
			if sy > 1e-12*norm(sv)*norm(yv) {
				sHist, yHist, rhoHist = append(sHist, sv), append(yHist, yv), append(rhoHist, 1/sy)
				if m := int(p["history"]); len(sHist) > m {
					sHist, yHist, rhoHist = sHist[1:], yHist[1:], rhoHist[1:]
				}
			}
		}
		copy(x, trial)
		copy(g, gNew)
		f = fNew
		res.Stats.Iterations = it
		if s.Callback != nil && !s.Callback(it, x, f, norm(g)) {
			res.Status = StatusStopped
			break
		}
	}
	if !finite(f) {
		res.Status = StatusDiverged
	}
	res.X, res.F = x, f
	res.Stats.Runtime = time.Since(start)
	return res, nil
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
