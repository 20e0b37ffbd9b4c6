package lsq_test

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/lsq"
)

// The textbook example: five points on y = 2x, with a bias column. The
// closed form is (0, 2); 1000 steps of gradient descent at α = 0.01 from 0
// have not reached it yet (the exact iterate, by the closed form of the
// linear recursion).
func Example() {
	x, y := []float64{1, 2, 3, 4, 5}, []float64{2, 4, 6, 8, 10}
	p := lsq.Problem{X: lsq.WithBias(x), Y: y}
	theta, err := p.ClosedForm()
	if err != nil {
		panic(err)
	}
	// WithBias puts the bias column first: θ = (intercept, slope).
	fmt.Printf("closed form: intercept %.4f, slope %.4f\n", theta[0], theta[1])
	exact, err := p.ExactGD(nil, 0.01, 1000)
	if err != nil {
		panic(err)
	}
	fmt.Printf("GD after 1000 steps: intercept %.4f, slope %.4f\n", exact[0], exact[1])
	// Output:
	// closed form: intercept 0.0000, slope 2.0000
	// GD after 1000 steps: intercept 0.0174, slope 1.9952
}
