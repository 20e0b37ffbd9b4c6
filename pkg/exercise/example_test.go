package exercise_test

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/exercise"
)

func ExampleHeavyBall() {
	// A heavy-ball step that forgot the momentum term: plain GD.
	gdOnly := func(theta, prev, grad []float64, alpha, beta float64) []float64 {
		out := make([]float64, len(theta))
		for i := range out {
			out[i] = theta[i] - alpha*grad[i]
		}
		return out
	}
	r := exercise.HeavyBall(gdOnly)
	fmt.Println(r.Passed)
	fmt.Println(r.Hint)
	// Output:
	// false
	// this is plain GD: add the momentum term β·(θₖ − θₖ₋₁)
}
