package theory

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bgdlab/bgdlab/pkg/data"
	"gonum.org/v1/gonum/mat"
)

// Curvature is the extreme Hessian eigenvalues of a loss at a point.
type Curvature struct {
	L, Mu, Kappa float64
	// Method is "exact (eigendecomposition of (2/n)·XᵀX)" or "Lanczos on
	// Hessian-vector products (...)".
	Method string
	// Residual is max ‖Hv − λv‖ of the two Ritz pairs (0 for exact).
	Residual float64
	// Iterations of Lanczos (0 for exact).
	Iterations int
	// Eigenvalues are all eigenvalues (exact path) or Ritz values (Lanczos).
	Eigenvalues []float64
}

// LeastSquares returns the exact curvature of the MSE (1/n)‖Xθ + b − y‖² of a
// regression dataset: the Hessian is the constant (2/n)·[X 1]ᵀ[X 1] (without
// the column of ones when bias is false).
func LeastSquares(d *data.Dataset, bias bool) (Curvature, error) {
	if d.Task != data.Regression {
		return Curvature{}, fmt.Errorf("theory: least-squares curvature needs a regression dataset, %s is %s", d.Name, d.Task)
	}
	if err := checkExact(d, bias); err != nil {
		return Curvature{}, err
	}
	h := LeastSquaresHessian(d, bias)
	var eig mat.EigenSym
	if !eig.Factorize(h, false) {
		return Curvature{}, errors.New("theory: eigendecomposition failed")
	}
	vals := eig.Values(nil)
	c := Curvature{L: vals[len(vals)-1], Mu: vals[0], Method: "exact: eigenvalues of the Hessian (2/n)·[X 1]ᵀ[X 1] of the MSE", Eigenvalues: vals}
	c.Kappa = Kappa(c.L, c.Mu)
	return c, nil
}

// MaxExactParams bounds the parameters of an exact (dense) least-squares
// Hessian: 2 048 parameters hold a 34 MB matrix whose eigendecomposition
// took 11 s on 2 cores (4 096: 99 s); the memory grows as p² and the time
// as p³.
const MaxExactParams = 2048

// checkExact refuses an exact Hessian of more than MaxExactParams parameters.
func checkExact(d *data.Dataset, bias bool) error {
	p := d.D
	if bias {
		p++
	}
	if p > MaxExactParams {
		return fmt.Errorf("theory: the exact Hessian of %s has %d parameters (%.3g GB, O(p³) to decompose); the limit is %d: estimate the curvature with Lanczos on Hessian-vector products instead (bgdlab theory does when the exact path is refused)",
			d.Name, p, float64(p)*float64(p)*8/1e9, MaxExactParams)
	}
	return nil
}

// LeastSquaresHessian returns (2/n)·[X 1]ᵀ[X 1] (or (2/n)·XᵀX without bias),
// bias last.
func LeastSquaresHessian(d *data.Dataset, bias bool) *mat.SymDense {
	p := d.D
	if bias {
		p++
	}
	h := mat.NewSymDense(p, nil)
	row := make([]float64, p)
	for i := 0; i < d.N; i++ {
		copy(row, d.Row(i))
		if bias {
			row[p-1] = 1
		}
		for a := 0; a < p; a++ {
			for b := a; b < p; b++ {
				h.SetSym(a, b, h.At(a, b)+row[a]*row[b])
			}
		}
	}
	h.ScaleSym(2/float64(d.N), h)
	return h
}

// HVP computes a Hessian-vector product Hv at a fixed point.
type HVP func(v, out []float64) error

// Lanczos estimates the extreme eigenvalues of a symmetric operator of
// dimension n from Hessian-vector products, with full reorthogonalization,
// for at most iters iterations (n iterations recover the spectrum exactly in
// exact arithmetic). It reports the Ritz values and the larger residual
// ‖Hv − λv‖ of the two extreme Ritz pairs.
func Lanczos(hvp HVP, n, iters int, seed uint64) (Curvature, error) {
	if n <= 0 {
		return Curvature{}, errors.New("theory: Lanczos on an empty operator")
	}
	iters = min(iters, n)
	rng := rand.New(rand.NewPCG(seed, 0x1a2c))
	q := make([][]float64, 0, iters+1)
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	scale(v, 1/norm2(v))
	var alphas, betas []float64
	w := make([]float64, n)
	for j := 0; j < iters; j++ {
		q = append(q, append([]float64(nil), v...))
		if err := hvp(v, w); err != nil {
			return Curvature{}, err
		}
		a := dot(w, v)
		alphas = append(alphas, a)
		// Full reorthogonalization (twice for stability).
		for pass := 0; pass < 2; pass++ {
			for _, qi := range q {
				c := dot(w, qi)
				for t := range w {
					w[t] -= c * qi[t]
				}
			}
		}
		b := norm2(w)
		if j == iters-1 || b < 1e-12*math.Max(1, math.Abs(a)) {
			break
		}
		betas = append(betas, b)
		for t := range v {
			v[t] = w[t] / b
		}
	}
	k := len(alphas)
	tri := mat.NewSymDense(k, nil)
	for i := 0; i < k; i++ {
		tri.SetSym(i, i, alphas[i])
		if i+1 < k {
			tri.SetSym(i, i+1, betas[i])
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(tri, true) {
		return Curvature{}, errors.New("theory: tridiagonal eigendecomposition failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	// Residuals of the extreme Ritz pairs, computed with one more HVP each.
	res := 0.0
	for _, idx := range []int{0, k - 1} {
		y := make([]float64, n)
		for i := 0; i < k; i++ {
			c := vecs.At(i, idx)
			for t := range y {
				y[t] += c * q[i][t]
			}
		}
		hy := make([]float64, n)
		if err := hvp(y, hy); err != nil {
			return Curvature{}, err
		}
		for t := range hy {
			hy[t] -= vals[idx] * y[t]
		}
		res = math.Max(res, norm2(hy))
	}
	c := Curvature{L: vals[k-1], Mu: vals[0], Residual: res, Iterations: k, Eigenvalues: vals}
	c.Kappa = Kappa(c.L, c.Mu)
	return c, nil
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func norm2(a []float64) float64 { return math.Sqrt(dot(a, a)) }

func scale(a []float64, c float64) {
	for i := range a {
		a[i] *= c
	}
}

// LeastSquaresGradientCovariance returns S, the covariance of the
// per-example gradients gᵢ = 2·x̃ᵢ(x̃ᵢᵀθ − yᵢ) of the MSE at θ (x̃ = [x, 1]
// with bias, bias last): S = (1/n)Σ gᵢgᵢᵀ − ḡḡᵀ. At the minimizer ḡ = 0.
func LeastSquaresGradientCovariance(d *data.Dataset, theta []float64, bias bool) *mat.SymDense {
	p := d.D
	if bias {
		p++
	}
	s := mat.NewSymDense(p, nil)
	mean := make([]float64, p)
	g := make([]float64, p)
	for i := 0; i < d.N; i++ {
		row := d.Row(i)
		pred := 0.0
		for j, x := range row {
			pred += x * theta[j]
		}
		if bias {
			pred += theta[p-1]
		}
		r := pred - d.Y[i]
		for j := range row {
			g[j] = 2 * row[j] * r
		}
		if bias {
			g[p-1] = 2 * r
		}
		for a := 0; a < p; a++ {
			mean[a] += g[a] / float64(d.N)
			for b := a; b < p; b++ {
				s.SetSym(a, b, s.At(a, b)+g[a]*g[b]/float64(d.N))
			}
		}
	}
	for a := 0; a < p; a++ {
		for b := a; b < p; b++ {
			s.SetSym(a, b, s.At(a, b)-mean[a]*mean[b])
		}
	}
	return s
}

// NoiseFloorLeastSquares predicts the stationary E[f − f*] of constant-step
// SGD with batch B on a least-squares dataset at its minimizer θ*: it
// projects the gradient covariance S on the Hessian's eigenvectors and calls
// SGDNoiseFloor. withoutReplacement applies the finite-population factor
// (n−B)/(n−1).
func NoiseFloorLeastSquares(d *data.Dataset, thetaStar []float64, bias bool, alpha float64, batch int, withoutReplacement bool) (float64, error) {
	lam, sDiag, err := noiseSpectrum(d, thetaStar, bias, batch, withoutReplacement)
	if err != nil {
		return 0, err
	}
	return SGDNoiseFloor(alpha, batch, lam, sDiag)
}

// NoiseFloorLeastSquaresGaussian is NoiseFloorLeastSquares with the
// multiplicative-noise correction of SGDNoiseFloorGaussian (sampling with
// replacement).
func NoiseFloorLeastSquaresGaussian(d *data.Dataset, thetaStar []float64, bias bool, alpha float64, batch int) (float64, error) {
	lam, sDiag, err := noiseSpectrum(d, thetaStar, bias, batch, false)
	if err != nil {
		return 0, err
	}
	return SGDNoiseFloorGaussian(alpha, batch, lam, sDiag)
}

// noiseSpectrum returns the Hessian eigenvalues and the gradient covariance
// at θ* projected on the Hessian's eigenvectors.
func noiseSpectrum(d *data.Dataset, thetaStar []float64, bias bool, batch int, withoutReplacement bool) ([]float64, []float64, error) {
	if err := checkExact(d, bias); err != nil {
		return nil, nil, err
	}
	h := LeastSquaresHessian(d, bias)
	var eig mat.EigenSym
	if !eig.Factorize(h, true) {
		return nil, nil, errors.New("theory: eigendecomposition failed")
	}
	var v mat.Dense
	eig.VectorsTo(&v)
	s := LeastSquaresGradientCovariance(d, thetaStar, bias)
	lam := eig.Values(nil)
	sDiag := make([]float64, len(lam))
	for i := range lam {
		col := mat.Col(nil, i, &v)
		sv := mat.NewVecDense(len(col), nil)
		sv.MulVec(s, mat.NewVecDense(len(col), col))
		sDiag[i] = mat.Dot(mat.NewVecDense(len(col), col), sv)
		if withoutReplacement && d.N > 1 {
			sDiag[i] *= float64(d.N-batch) / float64(d.N-1)
		}
	}
	return lam, sDiag, nil
}
