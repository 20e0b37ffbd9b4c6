package train_test

import (
	"context"
	"math"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/spec"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute/dtypes"
)

// TestGradPenaltyStep checks one full-batch GD step with the gradient-norm
// penalty against θ₁ = θ₀ − η·(g + ρ·H·g) computed from the exact gradient
// (Objective) and the exact Hessian-vector product (reverse over reverse,
// Trainer.HVP), in float64: for linear regression, where the finite
// difference the step uses is exact, to 1e-10; for a tanh MLP, to the
// difference's O(ε) error. The penalty's share of the step is checked to be
// far larger than the tolerance, so the test fails if the penalty is lost.
func TestGradPenaltyStep(t *testing.T) {
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	moons, err := data.Moons{N: 120, Seed: 2, Holdout: data.Holdout{Val: spec.Zero, Test: spec.Zero}}.Load()
	if err != nil {
		t.Fatal(err)
	}
	textbook, err := data.Textbook{}.Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		d          *data.Dataset
		m          models.Config
		init       string
		lr, rho    float64
		eps, relTo float64
	}{
		{"linear regression", textbook.Train, models.Linear{}, "normal", 0.01, 0.5, 0.01, 1e-10},
		{"tanh MLP", moons.Train, models.MLP{Hidden: []int{8}, Act: "tanh"}, "", 0.1, 0.2, 1e-5, 1e-3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := models.MustNew(c.m)
			if err := m.Bind(c.d); err != nil {
				t.Fatal(err)
			}
			tr, err := train.New(b, m, dtypes.Float64, 3, c.init)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			all, err := train.Upload(b, c.d, dtypes.Float64, 1<<20, true)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := tr.NewObjective(all)
			if err != nil {
				t.Fatal(err)
			}
			defer obj.Close()
			theta0 := obj.Params()
			g := make([]float64, len(theta0))
			if _, err := obj.Eval(theta0, g); err != nil {
				t.Fatal(err)
			}
			hvp, err := tr.HVP(all)
			if err != nil {
				t.Fatal(err)
			}
			hg := make([]float64, len(g))
			if err := hvp(g, hg); err != nil {
				t.Fatal(err)
			}
			o := optim.MustNew(optim.GD{LR: c.lr, GradPenalty: c.rho, PenaltyEps: c.eps})
			step, err := tr.NewStep(o, true, false)
			if err != nil {
				t.Fatal(err)
			}
			defer step.Close()
			if _, err := step.Run(all, nil); err != nil {
				t.Fatal(err)
			}
			theta1 := obj.Params()
			var errNorm, penNorm float64
			for i := range theta0 {
				want := theta0[i] - c.lr*(g[i]+c.rho*hg[i])
				errNorm += (theta1[i] - want) * (theta1[i] - want)
				penNorm += (c.lr * c.rho * hg[i]) * (c.lr * c.rho * hg[i])
			}
			errNorm, penNorm = math.Sqrt(errNorm), math.Sqrt(penNorm)
			t.Logf("‖θ₁ − (θ₀ − η(g + ρHg))‖ = %.3g; the penalty's part of the step ‖ηρHg‖ = %.3g", errNorm, penNorm)
			if errNorm > c.relTo*penNorm {
				t.Errorf("the penalized step is off by %.3g, more than %.0e of the penalty's part %.3g", errNorm, c.relTo, penNorm)
			}
			if penNorm < 1e-6 {
				t.Errorf("the penalty's part of the step is %.3g: too small for the test to see it", penNorm)
			}
		})
	}
}

// TestGradPenaltyCountsTwoGradients checks that a run with the penalty
// logs two gradient evaluations (and twice the examples) per update: the
// recipe ladder's cost column reads them.
func TestGradPenaltyCountsTwoGradients(t *testing.T) {
	b := backend.MustNew()
	defer b.Finalize()
	for _, rho := range []float64{0, 0.1} {
		tr, sp, batcher := setup(b)
		out, err := tr.Run(context.Background(), optim.MustNew(optim.GD{LR: 0.01, GradPenalty: rho}), batcher, sp,
			train.Loop{Steps: 4, BlowUp: 1e6, LogEvery: 1, EvalEvery: 1})
		tr.Close()
		if err != nil {
			t.Fatal(err)
		}
		last := out.History[len(out.History)-1]
		want := int64(4)
		if rho > 0 {
			want = 8
		}
		if last.GradEvals != want || last.Examples != want*5 {
			t.Errorf("ρ = %g: after 4 updates on 5 points, %d gradient evaluations and %d examples, want %d and %d", rho, last.GradEvals, last.Examples, want, want*5)
		}
	}
}
