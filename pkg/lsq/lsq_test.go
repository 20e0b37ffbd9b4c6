package lsq_test

import (
	"math"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/lsq"
)

func textbook() lsq.Problem {
	x, y := data.TextbookPoints()
	return lsq.Problem{X: lsq.WithBias(x), Y: y}
}

func TestClosedForm(t *testing.T) {
	theta, err := textbook().ClosedForm()
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(theta[0]) > 1e-12 || math.Abs(theta[1]-2) > 1e-12 {
		t.Fatalf("θ* = %v, want [0 2]", theta)
	}
}

// TestGDMatchesExactIterates checks every iterate of the graph-based GD
// against the closed form θ_k = θ* + (I − αH)^k(θ₀ − θ*), through the loss.
func TestGDMatchesExactIterates(t *testing.T) {
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	p := textbook()
	tr, err := lsq.GD(b, p, lsq.GDConfig{LR: 0.01, Steps: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Loss) != 1001 || tr.Diverged {
		t.Fatalf("got %d losses, diverged=%v", len(tr.Loss), tr.Diverged)
	}
	for _, k := range []int{0, 1, 2, 10, 100, 500, 1000} {
		th, err := p.ExactGD([]float64{0, 0}, 0.01, k)
		if err != nil {
			t.Fatal(err)
		}
		want := p.MSE(th)
		if d := math.Abs(tr.Loss[k] - want); d > 1e-9*math.Max(1, want) {
			t.Errorf("loss at step %d = %.15g, closed form %.15g", k, tr.Loss[k], want)
		}
	}
	th, _ := p.ExactGD([]float64{0, 0}, 0.01, 1000)
	for i := range th {
		if math.Abs(tr.Theta[i]-th[i]) > 1e-9 {
			t.Errorf("θ_1000[%d] = %.15g, closed form %.15g", i, tr.Theta[i], th[i])
		}
	}
}

func TestGDErrors(t *testing.T) {
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	x, y := data.TextbookPoints()
	tests := []struct {
		name string
		p    lsq.Problem
		cfg  lsq.GDConfig
		want string
	}{
		{"no bias column", lsq.Problem{X: lsq.Column(x), Y: y}, lsq.GDConfig{LR: 0.01, Steps: 3, Params: 2}, "dimension"},
		{"zero lr", textbook(), lsq.GDConfig{LR: 0, Steps: 3}, "learning rate"},
		{"nan lr", textbook(), lsq.GDConfig{LR: math.NaN(), Steps: 3}, "learning rate"},
		{"short y", lsq.Problem{X: lsq.WithBias(x), Y: y[:3]}, lsq.GDConfig{LR: 0.01}, "rows"},
		{"nan x", lsq.Problem{X: [][]float64{{1, math.NaN()}}, Y: []float64{1}}, lsq.GDConfig{LR: 0.01}, "NaN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := lsq.GD(b, tc.p, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestGDFlippedSignDiverges(t *testing.T) {
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	tr, err := lsq.GD(b, textbook(), lsq.GDConfig{LR: 0.01, Steps: 1000, FlippedSign: true})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Loss[len(tr.Loss)-1] < 1e6*tr.Loss[0] {
		t.Fatalf("flipped-sign GD should blow up: loss %g → %g", tr.Loss[0], tr.Loss[len(tr.Loss)-1])
	}
	for i := 1; i < len(tr.Loss); i++ {
		if tr.Loss[i] < tr.Loss[i-1] {
			t.Fatalf("flipped-sign GD decreased the loss at step %d", i)
		}
	}
}

// TestGradient checks ∇MSE against central differences of MSE, and that it
// vanishes at the closed-form minimizer.
func TestGradient(t *testing.T) {
	p := textbook()
	for _, theta := range [][]float64{{0, 0}, {1.5, -0.5}, {-3, 4}} {
		g := p.Gradient(theta)
		for j := range theta {
			const h = 1e-6
			up, down := append([]float64(nil), theta...), append([]float64(nil), theta...)
			up[j] += h
			down[j] -= h
			fd := (p.MSE(up) - p.MSE(down)) / (2 * h)
			if math.Abs(g[j]-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
				t.Errorf("θ = %v: ∂MSE/∂θ%d = %g, central difference %g", theta, j, g[j], fd)
			}
		}
	}
	star, err := p.ClosedForm()
	if err != nil {
		t.Fatal(err)
	}
	for j, gj := range p.Gradient(star) {
		if math.Abs(gj) > 1e-10 {
			t.Errorf("∂MSE/∂θ%d at θ* = %g, want 0", j, gj)
		}
	}
}
