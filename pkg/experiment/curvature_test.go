package experiment_test

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/theory"
)

// TestCurvatureMatchesConstruction: synthetic-linear has XᵀX/n eigenvalues in
// [1, κ] by construction; with the intercept the MSE Hessian has L = 2κ,
// μ = 2 (the bias direction adds eigenvalue 2·1).
func TestCurvatureMatchesConstruction(t *testing.T) {
	for _, kappa := range []float64{10, 100} {
		spec := experiment.Spec{Data: data.SyntheticLinear{N: 400, D: 6, Kappa: kappa, Holdout: data.NoHoldout}, Model: models.Linear{}}
		rep, err := experiment.Curvature(context.Background(), nil, spec, "init", 50)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Exact == nil {
			t.Fatal("no exact curvature for linear regression")
		}
		if math.Abs(rep.Exact.L-2*kappa) > 1e-6*2*kappa || math.Abs(rep.Exact.Mu-2) > 1e-6*2 || math.Abs(rep.Exact.Kappa-kappa) > 1e-6*kappa {
			t.Errorf("exact: L=%.10g μ=%.10g κ=%.10g, want %g, 2, %g", rep.Exact.L, rep.Exact.Mu, rep.Exact.Kappa, 2*kappa, kappa)
		}
		c := rep.Curvature
		if math.Abs(c.L-2*kappa) > 1e-3*2*kappa || math.Abs(c.Mu-2) > 1e-3*2 || math.Abs(c.Kappa-kappa) > 1e-3*kappa {
			t.Errorf("HVP/Lanczos: L=%.6g μ=%.6g κ=%.6g (residual %.2g), want %g, 2, %g", c.L, c.Mu, c.Kappa, c.Residual, 2*kappa, kappa)
		}
		t.Logf("κ=%g: exact κ=%.12g; Lanczos κ=%.8g after %d iterations, residual %.2g", kappa, rep.Exact.Kappa, c.Kappa, c.Iterations, c.Residual)
	}
}

// TestCurvatureOfLogisticAtOptimum runs the HVP path on a non-quadratic
// model: L2-regularized logistic regression is l2-strongly convex.
func TestCurvatureOfLogisticAtOptimum(t *testing.T) {
	rep, err := experiment.Curvature(context.Background(), nil, experiment.Spec{Data: data.MustParse("blobs:n=300,d=3"), Model: models.MustParse("logistic:l2=0.1")}, "optimum", 50)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Curvature
	// The bias is not penalized, so μ can fall below l2, but the weights' block is ≥ l2.
	if !(c.L > 0.1) || !(c.Mu > 0) || c.Residual > 1e-6*c.L {
		t.Fatalf("L=%g μ=%g residual %g", c.L, c.Mu, c.Residual)
	}
}

// TestGDContractsAtPredictedRate: at α* = 2/(L+μ) the measured per-step
// contraction over 100 steps is within 1% of (κ−1)/(κ+1); 1.95/L converges
// and 2.05/L diverges, as the stable range (0, 2/L) predicts.
func TestGDContractsAtPredictedRate(t *testing.T) {
	const kappa = 20.0
	dataSpec := "synthetic-linear:n=300,d=5,kappa=20,noise=0.5,val=0,test=0"
	sp, err := data.Load(dataSpec)
	if err != nil {
		t.Fatal(err)
	}
	c, err := theory.LeastSquares(sp.Train, true)
	if err != nil {
		t.Fatal(err)
	}
	fstar := minMSE(t, sp.Train)
	run := func(lr float64, steps int) *experiment.Result {
		res, err := experiment.Run(context.Background(), nil, experiment.Spec{Data: data.MustParse(dataSpec), Model: models.Linear{}, Optimizer: optim.GD{LR: lr},
			Steps: steps, DType: "float64", Init: "zeros"}, experiment.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := run(theory.GDOptimalStep(c.L, c.Mu), 100)
	gap := make([]float64, len(res.History))
	steps := make([]float64, len(res.History))
	for i, r := range res.History {
		gap[i], steps[i] = r.TrainLoss-fstar, float64(r.Step)
	}
	// Early steps also shrink the interior eigen-directions, which contract
	// faster; the extremes set the rate, measured over steps 50..100.
	got, want := theory.MeasuredRate(steps, gap, 50, 100), theory.GDOptimalRate(c.L, c.Mu)
	t.Logf("κ=%g: measured contraction %.6f, predicted %.6f", kappa, got, want)
	if math.Abs(got-want) > 0.01*want {
		t.Errorf("measured contraction %.6f not within 1%% of predicted %.6f", got, want)
	}
	if r := run(1.95/c.L, 300); r.Status == optim.Diverged {
		t.Errorf("1.95/L diverged")
	}
	if r := run(2.05/c.L, 2000); r.Status != optim.Diverged {
		t.Errorf("2.05/L did not diverge: %s, final loss %g", r.Status, r.Final.TrainLoss)
	}
}

func minMSE(t *testing.T, d *data.Dataset) float64 {
	rows := make([][]float64, d.N)
	for i := range rows {
		rows[i] = append(append([]float64(nil), d.Row(i)...), 1)
	}
	res, err := experiment.Run(context.Background(), nil, experiment.Spec{Data: data.MustParse("synthetic-linear:n=300,d=5,kappa=20,noise=0.5,val=0,test=0"),
		Model: models.MustParse("linear"), Optimizer: optim.MustParse("lbfgs"), Steps: 500, DType: "float64", GradTol: 1e-12}, experiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Final.TrainLoss
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
