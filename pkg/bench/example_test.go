package bench_test

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/bench"
)

// The matrix-product FLOPs of one full-batch step of the MLP 784→256→10 on
// all 60 000 Fashion-MNIST images (2NKM forward and for the weight gradient,
// and for the input gradient of the second layer): the floor a step's time
// is compared with.
func ExampleStepFLOPs() {
	// {N, K, M} per dense layer: [N, K]×[K, M].
	shapes := [][3]int{{60000, 784, 256}, {60000, 256, 10}}
	fmt.Printf("%.1f GFLOP per step\n", bench.StepFLOPs(shapes)/1e9)
	// Output:
	// 49.1 GFLOP per step
}
