package theory

import (
	"errors"
	"fmt"
	"math"

	"github.com/bgdlab/bgdlab/pkg/data"
	"gonum.org/v1/gonum/mat"
)

// LogisticNewton runs Newton's method on L2-regularized binary logistic
// regression, the loss of models.Logistic with a bias:
//
//	f(w, b) = mean log(1 + exp(−sᵢ(xᵢ·w + b))) + (l2/2)·‖w‖²,  sᵢ = ±1,
//
// in float64 on the host, from zero, for steps steps (each solves the d+1
// Hessian system with a Cholesky factorization). It returns the losses
// f(θ₀), …, f(θ_steps) and the last θ (weights, then bias): the reference
// second-order method, and the exact minimum f* of a strongly convex
// problem (l2 > 0) after a few steps.
func LogisticNewton(d *data.Dataset, l2 float64, steps int) (losses, theta []float64, err error) {
	if d.Task != data.Classification || d.Classes != 2 {
		return nil, nil, fmt.Errorf("theory.LogisticNewton: %s is not a two-class data set", d.Name)
	}
	p := d.D + 1 // weights, then the bias
	theta = make([]float64, p)
	losses = []float64{logisticLoss(d, l2, theta, nil, nil)}
	for range steps {
		grad, hess := make([]float64, p), mat.NewSymDense(p, nil)
		logisticLoss(d, l2, theta, grad, hess)
		var chol mat.Cholesky
		if !chol.Factorize(hess) {
			return losses, theta, errors.New("theory.LogisticNewton: the Hessian is not positive definite (use l2 > 0)")
		}
		var step mat.VecDense
		if err := chol.SolveVecTo(&step, mat.NewVecDense(p, grad)); err != nil {
			return losses, theta, err
		}
		for j := range theta {
			theta[j] -= step.AtVec(j)
		}
		losses = append(losses, logisticLoss(d, l2, theta, nil, nil))
	}
	return losses, theta, nil
}

// logisticLoss returns the loss at theta and, when grad and hess are not
// nil, adds its gradient and Hessian to them.
func logisticLoss(d *data.Dataset, l2 float64, theta, grad []float64, hess *mat.SymDense) float64 {
	n, p := float64(d.N), d.D+1
	row := make([]float64, p)
	row[d.D] = 1
	var loss float64
	for i := range d.N {
		copy(row, d.X[i*d.D:(i+1)*d.D])
		s := -1.0
		if d.Labels[i] == 1 {
			s = 1
		}
		var z float64
		for j, x := range row {
			z += x * theta[j]
		}
		m := s * z
		loss += (math.Max(-m, 0) + math.Log1p(math.Exp(-math.Abs(m)))) / n // log(1 + e^(−m)), stable
		if grad == nil {
			continue
		}
		sig := 1 / (1 + math.Exp(m)) // σ(−m)
		for j, x := range row {
			grad[j] -= s * sig * x / n
			for k := j; k < p; k++ {
				hess.SetSym(j, k, hess.At(j, k)+sig*(1-sig)*x*row[k]/n)
			}
		}
	}
	for j := range d.D {
		loss += l2 / 2 * theta[j] * theta[j]
		if grad != nil {
			grad[j] += l2 * theta[j]
			hess.SetSym(j, j, hess.At(j, j)+l2)
		}
	}
	return loss
}
