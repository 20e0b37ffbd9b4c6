package theory_test

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/theory"
)

// For a quadratic with curvature between μ = 1 and L = 100 (κ = 100), the
// step sizes and linear rates the theory predicts for plain gradient descent
// and for heavy-ball momentum.
func Example() {
	l, mu := 100.0, 1.0
	fmt.Printf("κ = %g, stable below α = %g, best α = %.4f\n", theory.Kappa(l, mu), theory.GDStableStep(l), theory.GDOptimalStep(l, mu))
	fmt.Printf("GD rate at the best α: %.4f\n", theory.GDOptimalRate(l, mu))
	alpha, beta, rate := theory.HeavyBall(l, mu)
	fmt.Printf("heavy ball: α = %.4f, β = %.4f, rate %.4f\n", alpha, beta, rate)
	// Output:
	// κ = 100, stable below α = 0.02, best α = 0.0198
	// GD rate at the best α: 0.9802
	// heavy ball: α = 0.0331, β = 0.6694, rate 0.8182
}
