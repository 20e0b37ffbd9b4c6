package experiment_test

import (
	"context"
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

// One run: full-batch gradient descent on the textbook data (five points on
// y = 2x) in float64, from zeros, on the pure-Go backend. The stable step
// limit here is 2/L ≈ 0.0845: at α = 0.05 GD converges, at α = 0.09 it
// diverges, and the run reports that as its status, not as an error.
func ExampleRun() {
	b, err := backend.NewWithConfig("go")
	if err != nil {
		panic(err)
	}
	defer b.Finalize()
	for _, lr := range []float64{0.05, 0.09} {
		res, err := experiment.Run(context.Background(), b, experiment.Spec{
			Data: data.Textbook{}, Model: models.Linear{}, Optimizer: optim.GD{LR: lr}, Batch: data.FullBatch,
			Steps: 300, Init: "zeros", DType: "float64",
		}, experiment.Options{})
		if err != nil {
			panic(err)
		}
		fmt.Printf("α = %g: %s after %d steps\n", lr, res.Status, res.Steps)
	}
	// Output:
	// α = 0.05: budget after 300 steps
	// α = 0.09: diverged after 57 steps
}
