// Package lsq holds linear least squares as the textbooks write it: a design
// matrix X, targets y, the mean squared error MSE(θ) = (1/n)·‖Xθ − y‖², its
// gradient (2/n)·Xᵀ(Xθ − y), the closed-form minimizer and the exact
// gradient-descent iterates — the reference every optimizer in bgdlab is
// first checked against. Gradient descent on a model runs through pkg/train's
// loop; its tests compare the loop's iterates with ExactGD.
package lsq

import (
	"errors"
	"fmt"
	"math"

	"github.com/bgdlab/bgdlab/pkg/data"
	"gonum.org/v1/gonum/mat"
)

// Problem is a least-squares problem: rows of X are examples, Y the targets.
type Problem struct {
	X [][]float64
	Y []float64
}

// Validate reports inconsistent shapes or non-finite values.
func (p Problem) Validate() error {
	n := len(p.X)
	if n == 0 {
		return errors.New("lsq: X has no rows")
	}
	if len(p.Y) != n {
		return fmt.Errorf("lsq: X has %d rows but y has %d values", n, len(p.Y))
	}
	d := len(p.X[0])
	for i, row := range p.X {
		if len(row) != d {
			return fmt.Errorf("lsq: row %d of X has %d columns, row 0 has %d", i, len(row), d)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("lsq: X[%d][%d] is %v", i, j, v)
			}
		}
		if math.IsNaN(p.Y[i]) || math.IsInf(p.Y[i], 0) {
			return fmt.Errorf("lsq: y[%d] is %v", i, p.Y[i])
		}
	}
	return nil
}

// Dims returns the number of examples n and of columns p of X.
func (p Problem) Dims() (n, cols int) {
	if len(p.X) == 0 {
		return 0, 0
	}
	return len(p.X), len(p.X[0])
}

// FromDataset returns the least-squares problem of a regression dataset with
// one target, with a column of ones appended (the intercept is θ's last entry).
func FromDataset(d *data.Dataset) (Problem, error) {
	if d.Task != data.Regression || d.T != 1 {
		return Problem{}, fmt.Errorf("lsq: %s is not a regression dataset with one target", d.Name)
	}
	rows := make([][]float64, d.N)
	for i := range rows {
		rows[i] = append(append(make([]float64, 0, d.D+1), d.Row(i)...), 1)
	}
	return Problem{X: rows, Y: append([]float64(nil), d.Y...)}, nil
}

// WithBias returns the design matrix [1, x] for a single feature x: the
// column of ones lets θ[0] be the intercept and θ[1] the slope.
func WithBias(x []float64) [][]float64 {
	out := make([][]float64, len(x))
	for i, v := range x {
		out[i] = []float64{1, v}
	}
	return out
}

// Column returns x as an n×1 design matrix (no bias column).
func Column(x []float64) [][]float64 {
	out := make([][]float64, len(x))
	for i, v := range x {
		out[i] = []float64{v}
	}
	return out
}

// MSE returns (1/n)·Σ(xᵢ·θ − yᵢ)², computed in float64 on the host.
func (p Problem) MSE(theta []float64) float64 {
	var s float64
	for i, row := range p.X {
		r := dot(row, theta) - p.Y[i]
		s += r * r
	}
	return s / float64(len(p.X))
}

// Gradient returns ∇MSE(θ) = (2/n)·Xᵀ(Xθ − y), in float64 on the host.
func (p Problem) Gradient(theta []float64) []float64 {
	g := make([]float64, len(theta))
	for i, row := range p.X {
		r := dot(row, theta) - p.Y[i]
		for j, x := range row {
			g[j] += 2 * r * x / float64(len(p.X))
		}
	}
	return g
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// Hessian returns H = (2/n)·XᵀX, the constant Hessian of the MSE.
func (p Problem) Hessian() *mat.SymDense {
	n, d := p.Dims()
	h := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			var s float64
			for k := 0; k < n; k++ {
				s += p.X[k][i] * p.X[k][j]
			}
			h.SetSym(i, j, 2*s/float64(n))
		}
	}
	return h
}

// ClosedForm returns the least-squares minimizer θ* = argmin ‖Xθ − y‖²,
// computed with a QR factorization in float64.
func (p Problem) ClosedForm() ([]float64, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n, d := p.Dims()
	if n < d {
		return nil, fmt.Errorf("lsq: %d examples for %d parameters: the minimizer is not unique", n, d)
	}
	x := mat.NewDense(n, d, nil)
	for i, row := range p.X {
		x.SetRow(i, row)
	}
	y := mat.NewVecDense(n, append([]float64(nil), p.Y...))
	var qr mat.QR
	qr.Factorize(x)
	var theta mat.VecDense
	if err := qr.SolveVecTo(&theta, false, y); err != nil {
		return nil, fmt.Errorf("lsq: X is rank deficient: %w", err)
	}
	return theta.RawVector().Data, nil
}

// ExactGD returns the gradient-descent iterate θ_k in closed form,
// θ_k = θ* + (I − αH)^k (θ₀ − θ*), by eigendecomposition of H in float64.
// A nil θ₀ means zeros, as in GDConfig.
func (p Problem) ExactGD(theta0 []float64, lr float64, k int) ([]float64, error) {
	star, err := p.ClosedForm()
	if err != nil {
		return nil, err
	}
	if theta0 == nil {
		theta0 = make([]float64, len(star))
	}
	if len(theta0) != len(star) {
		return nil, fmt.Errorf("lsq: θ₀ has %d entries, the problem has %d parameters", len(theta0), len(star))
	}
	var eig mat.EigenSym
	if !eig.Factorize(p.Hessian(), true) {
		return nil, errors.New("lsq: eigendecomposition of the Hessian failed")
	}
	var q mat.Dense
	eig.VectorsTo(&q)
	vals := eig.Values(nil)
	d := len(star)
	diff := mat.NewVecDense(d, nil)
	for i := range star {
		diff.SetVec(i, theta0[i]-star[i])
	}
	var c mat.VecDense
	c.MulVec(q.T(), diff)
	for i, l := range vals {
		c.SetVec(i, c.AtVec(i)*math.Pow(1-lr*l, float64(k)))
	}
	var out mat.VecDense
	out.MulVec(&q, &c)
	res := make([]float64, d)
	for i := range res {
		res[i] = star[i] + out.AtVec(i)
	}
	return res, nil
}
