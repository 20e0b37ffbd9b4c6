package experiment

import (
	"context"
	"fmt"
	"math"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/lsq"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/theory"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
)

// CurvatureReport is what `bgdlab theory` prints.
type CurvatureReport struct {
	Data, Model, At string
	Curvature       theory.Curvature
	// Exact is the closed-form curvature for linear least squares (nil otherwise).
	Exact *theory.Curvature
	Steps map[string]float64
	Rates map[string]float64
}

// Curvature computes L, μ, κ of the full training loss of spec's data and
// model, at the initial parameters ("init") or at a minimizer found by
// L-BFGS ("optimum"), by Lanczos on exact Hessian-vector products (double
// reverse-mode autodiff in GoMLX), in float64. For linear regression the
// closed form is reported beside it.
func Curvature(ctx context.Context, b compute.Backend, s Spec, at string, iters int) (*CurvatureReport, error) {
	if at != "init" && at != "optimum" {
		return nil, fmt.Errorf("theory: --at %q must be init or optimum", at)
	}
	s.DType = "float64"
	if s.Optimizer == nil {
		s.Optimizer = optim.LBFGS{}
	}
	if s.Steps == 0 {
		s.Steps = 500
	}
	gradTol := 1e-10
	s.GradTol = gradTol
	r, err := Resolve(s)
	if err != nil {
		return nil, err
	}
	b, release, err := ownBackend(b)
	if err != nil {
		return nil, err
	}
	defer release()
	tr, err := train.New(b, r.Model, dtypes.Float64, s.Seed, s.Init)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	trainData, err := train.Upload(b, r.Splits.Train, dtypes.Float64, 1<<30, true)
	if err != nil {
		return nil, err
	}
	obj, err := tr.NewObjective(trainData)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	if at == "optimum" {
		res, err := optim.Minimize(obj, obj.Params(), optim.MustNew(optim.LBFGS{}), optim.Settings{MaxIter: s.Steps, GradTol: gradTol})
		if err != nil {
			return nil, err
		}
		if err := obj.SetParams(res.X); err != nil {
			return nil, err
		}
	}
	hvp, err := tr.HVP(trainData)
	if err != nil {
		return nil, err
	}
	if iters <= 0 {
		iters = 100
	}
	c, err := theory.Lanczos(hvp, obj.Dim(), iters, s.Seed)
	if err != nil {
		return nil, err
	}
	c.Method = fmt.Sprintf("Lanczos (%d iterations, full reorthogonalization) on Hessian-vector products by double reverse-mode autodiff", c.Iterations)
	rep := &CurvatureReport{Data: s.Part("data"), Model: s.Part("model"), At: at, Curvature: c}
	if r.Model.Kind == "linear" && r.Splits.Train.Task == data.Regression && r.Splits.Train.T == 1 && r.Model.L2 == 0 {
		ex, err := theory.LeastSquares(r.Splits.Train, r.Model.Bias)
		if err == nil {
			rep.Exact = &ex
		}
	}
	l, mu := c.L, c.Mu
	if rep.Exact != nil {
		l, mu = rep.Exact.L, rep.Exact.Mu
	}
	hbA, hbB, hbR := theory.HeavyBall(l, mu)
	nS, nM, nR := theory.Nesterov(l, mu)
	rep.Steps = map[string]float64{"gd_stable_max": theory.GDStableStep(l), "gd_optimal": theory.GDOptimalStep(l, mu), "gd_one_over_L": 1 / l,
		"heavy_ball_lr": hbA, "heavy_ball_momentum": hbB, "nesterov_lr": nS, "nesterov_momentum": nM}
	rep.Rates = map[string]float64{"gd_optimal": theory.GDOptimalRate(l, mu), "gd_one_over_L": theory.GDRate(1/l, l, mu),
		"heavy_ball": hbR, "nesterov": nR}
	if mu <= 0 || math.IsInf(theory.Kappa(l, mu), 0) {
		rep.Rates["note"] = math.NaN()
	}
	return rep, nil
}

// LeastSquaresFit holds the exact facts of linear least squares (with an
// intercept) on a data spec's training split.
type LeastSquaresFit struct {
	Train     *data.Dataset
	Problem   lsq.Problem
	Curvature theory.Curvature
	// ThetaStar is the minimizer (intercept last) and FStar its training MSE.
	ThetaStar []float64
	FStar     float64
}

// LeastSquares computes the closed-form fit and exact curvature for a
// regression data spec.
func LeastSquares(d data.Config) (*LeastSquaresFit, error) {
	sp, err := LoadData(d)
	if err != nil {
		return nil, err
	}
	fit := &LeastSquaresFit{Train: sp.Train}
	if fit.Curvature, err = theory.LeastSquares(sp.Train, true); err != nil {
		return nil, err
	}
	if fit.Problem, err = lsq.FromDataset(sp.Train); err != nil {
		return nil, err
	}
	if fit.ThetaStar, err = fit.Problem.ClosedForm(); err != nil {
		return nil, err
	}
	fit.FStar = fit.Problem.MSE(fit.ThetaStar)
	return fit, nil
}

// LeastSquaresFacts returns the exact curvature of the MSE on a regression
// data spec's training split and the optimal training loss f*.
func LeastSquaresFacts(d data.Config) (theory.Curvature, float64, error) {
	fit, err := LeastSquares(d)
	if err != nil {
		return theory.Curvature{}, 0, err
	}
	return fit.Curvature, fit.FStar, nil
}

// NoiseFloor predicts the stationary E[f − f*] of constant-step SGD with
// batches of size batch drawn with replacement, on a least-squares data spec
// at its minimizer: the additive-noise formula, or with multiplicative (when
// gaussian) the Gaussian-feature correction (see theory.SGDNoiseFloorGaussian).
func NoiseFloor(d data.Config, alpha float64, batch int, gaussian bool) (float64, error) {
	fit, err := LeastSquares(d)
	if err != nil {
		return 0, err
	}
	if gaussian {
		return theory.NoiseFloorLeastSquaresGaussian(fit.Train, fit.ThetaStar, true, alpha, batch)
	}
	return theory.NoiseFloorLeastSquares(fit.Train, fit.ThetaStar, true, alpha, batch, false)
}
