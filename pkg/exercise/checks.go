package exercise

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// GDFunc is the student's GD update for the mean squared error
// MSE(θ) = ‖Xθ − y‖²/n: it returns θ − α·(2/n)·Xᵀ(Xθ − y) as a new slice.
type GDFunc func(theta []float64, X [][]float64, y []float64, alpha float64) []float64

// GDStep checks one step of batch gradient descent on the MSE of a linear
// model against the float64 reference on random data sets.
func GDStep(f GDFunc, opts ...Option) Result {
	return check("the GD update", opts, func(_ int, r *rand.Rand) (string, string) {
		n, d := 2+r.IntN(9), 1+r.IntN(3)
		X := make([][]float64, n)
		for i := range X {
			X[i] = randVec(r, d, 2)
		}
		y, theta, alpha := randVec(r, n, 3), randVec(r, d, 1), 0.01+0.1*r.Float64()
		grad := mseGrad(theta, X, y)
		step := func(scale float64) []float64 { return axpy(theta, -alpha*scale, grad) }
		got, err := call(func() []float64 { return f(clone(theta), cloneRows(X), clone(y), alpha) })
		if err != nil {
			return stubbed("gdStep", err)
		}
		return vecCheck(got, step(1), fmt.Sprintf("gdStep(θ=%s, n=%d, α=%.3g)", fmtVec(theta), n, alpha), []mistake[[]float64]{
			{func() []float64 { return step(-1) }, "your step climbs the loss: the gradient is (2/n)·Xᵀ(Xθ − y), prediction minus target, and GD subtracts it"},
			{func() []float64 { return step(0.5) }, "the step is half the right size: the derivative of the square brings a factor 2"},
			{func() []float64 { return step(float64(n)) }, "the step is n times too large: the MSE averages over the n examples, so divide the sum by n"},
		}, "compute the residual r = Xθ − y, the gradient g = (2/n)·Xᵀr, and return θ − α·g")
	})
}

// mseGrad is (2/n)·Xᵀ(Xθ − y).
func mseGrad(theta []float64, X [][]float64, y []float64) []float64 {
	g := make([]float64, len(theta))
	for i, row := range X {
		res := -y[i]
		for j, x := range row {
			res += x * theta[j]
		}
		for j, x := range row {
			g[j] += 2 * res * x / float64(len(X))
		}
	}
	return g
}

// axpy returns x + a·y.
func axpy(x []float64, a float64, y []float64) []float64 {
	out := clone(x)
	for i := range out {
		out[i] += a * y[i]
	}
	return out
}

func cloneRows(X [][]float64) [][]float64 {
	out := make([][]float64, len(X))
	for i, row := range X {
		out[i] = clone(row)
	}
	return out
}

// CurvatureFunc returns L and μ, the largest and smallest eigenvalues of the
// MSE's Hessian (2/n)·XᵀX.
type CurvatureFunc func(X [][]float64) (L, mu float64)

// Curvature checks L and μ against gonum's symmetric eigendecomposition on
// random data sets whose columns have different scales.
func Curvature(f CurvatureFunc, opts ...Option) Result {
	return check("L and μ of the MSE", opts, func(_ int, r *rand.Rand) (string, string) {
		d := 1 + r.IntN(3)
		n := d + 2 + r.IntN(8)
		X := make([][]float64, n)
		for i := range X {
			X[i] = randVec(r, d, 1)
			X[i][0] = 1 // a bias column, as in notebook 01
			for j := 1; j < d; j++ {
				X[i][j] *= float64(1 + 3*j)
			}
		}
		L, mu := hessianExtremes(X)
		got, err := call(func() [2]float64 { l, m := f(cloneRows(X)); return [2]float64{l, m} })
		if err != nil {
			return stubbed("curvature", err)
		}
		return vecCheck(got[:], []float64{L, mu}, fmt.Sprintf("(L, μ) for n=%d, d=%d", n, d), []mistake[[]float64]{
			{func() []float64 { return []float64{L / 2, mu / 2} }, "both are half the right size: the Hessian of ‖Xθ − y‖²/n is (2/n)·XᵀX, with the 2"},
			{func() []float64 { return []float64{L * float64(n) / 2, mu * float64(n) / 2} }, "these are the eigenvalues of XᵀX: the MSE's Hessian is (2/n)·XᵀX"},
			{func() []float64 { return []float64{L * float64(n), mu * float64(n)} }, "these are the eigenvalues of 2·XᵀX: divide by n, the MSE is a mean"},
			{func() []float64 { return []float64{mu, L} }, "L and μ are swapped: L is the largest eigenvalue, μ the smallest"},
		}, "form H = (2/n)·XᵀX (d×d), take its eigenvalues (mat.EigenSym), and return the largest and the smallest")
	})
}

// hessianExtremes returns the largest and smallest eigenvalues of (2/n)·XᵀX.
func hessianExtremes(X [][]float64) (L, mu float64) {
	n, d := len(X), len(X[0])
	H := mat.NewSymDense(d, nil)
	for _, row := range X {
		for j := range d {
			for k := j; k < d; k++ {
				H.SetSym(j, k, H.At(j, k)+2*row[j]*row[k]/float64(n))
			}
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(H, false) {
		panic("exercise: eigendecomposition failed")
	}
	vals := eig.Values(nil) // ascending
	return vals[d-1], vals[0]
}

// StepFunc returns the fixed GD step size that converges fastest on a
// quadratic whose Hessian has eigenvalues in [μ, L].
type StepFunc func(L, mu float64) float64

// FastestStableStep checks the step 2/(L+μ), which balances the contraction
// of the slowest and the fastest eigen-direction.
func FastestStableStep(f StepFunc, opts ...Option) Result {
	return check("the fastest stable step", opts, func(_ int, r *rand.Rand) (string, string) {
		mu := math.Exp(r.NormFloat64())
		L := mu * (1 + math.Exp(3*r.Float64()))
		got, err := call(func() float64 { return f(L, mu) })
		if err != nil {
			return stubbed("stepSize", err)
		}
		want := 2 / (L + mu)
		if scalarClose(got, want) {
			return "", ""
		}
		problem := fmt.Sprintf("stepSize(L=%.4g, μ=%.4g) = %.6g, want %.6g", L, mu, got, want)
		switch {
		case got >= 2/L:
			return problem, fmt.Sprintf("GD with this step is not stable: along the top eigen-direction the error is multiplied by |1 − ηL| = %.3g ≥ 1 every step", math.Abs(1-got*L))
		case scalarClose(got, 1/L):
			return problem, "1/L is stable, but not the fastest: it contracts the top direction to 0 and leaves the μ direction at 1 − μ/L; balance |1 − ηL| = |1 − ημ|"
		default:
			return problem, "the error along eigenvalue λ is multiplied by |1 − ηλ|; choose η so the worst of λ = μ and λ = L is as small as possible"
		}
	})
}
