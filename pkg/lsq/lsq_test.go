package lsq_test

import (
	"math"
	"testing"

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
