// Command student is a notebook cell's program as GoNB builds it, with the
// student's GD update chosen by the first argument: a correct one, or one
// that exits, hangs, calls runtime.Goexit or panics in a goroutine. The
// exercise package's tests run it to see each end as PASSED or NOT YET.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/bgdlab/bgdlab/pkg/exercise"
)

func correct(theta []float64, X [][]float64, y []float64, alpha float64) []float64 {
	out := append([]float64(nil), theta...)
	for i, row := range X {
		r := -y[i]
		for j, x := range row {
			r += x * theta[j]
		}
		for j, x := range row {
			out[j] -= alpha * 2 * r * x / float64(len(X))
		}
	}
	return out
}

func main() {
	kind := os.Args[1]
	step := func(theta []float64, X [][]float64, y []float64, alpha float64) []float64 {
		switch kind {
		case "exit0":
			os.Exit(0)
		case "loop":
			for {
			}
		case "goexit":
			runtime.Goexit()
		case "goroutine-panic":
			go func() { panic("index out of range in a helper goroutine") }()
			time.Sleep(time.Second)
		case "print":
			fmt.Println("debug: theta has", len(theta), "entries")
		}
		return correct(theta, X, y, alpha)
	}
	exercise.Report(exercise.GDStep(step, exercise.TimeLimit(5*time.Second)))
	exercise.Report(exercise.GDStep(step, exercise.Cases(50), exercise.Seed(7), exercise.TimeLimit(5*time.Second)))
}
