package vjp_test

import (
	"fmt"

	_ "github.com/bgdlab/bgdlab/pkg/vjp" // installs the rules
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/graph"
)

// With the rules installed (importing pkg/vjp or pkg/backend does it),
// graph.Convolve differentiates through patch products, and graph.DotGeneral
// through two matrix products whatever the order of its contracting axes.
// graph.Slice uses GoMLX's own rule.
func Example() {
	b, err := gobackend.New("")
	if err != nil {
		panic(err)
	}
	defer b.Finalize()
	grad := graph.MustExecOnce(b, func(x *graph.Node) *graph.Node {
		// f(x) = Σ (every other element of x[1:])²
		s := graph.Slice(x, graph.AxisRange(1).Stride(2))
		return graph.Gradient(graph.ReduceAllSum(graph.Square(s)), x)[0]
	}, []float64{1, 2, 3, 4, 5, 6})
	fmt.Println(grad.Value())

	kernelGrad := graph.MustExecOnce(b, func(x, k *graph.Node) *graph.Node {
		// A 1-D convolution with one channel: y[i] = Σⱼ x[i+j]·k[j].
		y := graph.Convolve(x, k).NoPadding().Done()
		return graph.Gradient(graph.ReduceAllSum(y), k)[0]
	}, [][][]float64{{{1}, {2}, {3}, {4}}}, [][][]float64{{{1}}, {{1}}})
	fmt.Println(kernelGrad.Value()) // ∂/∂k[j] = Σᵢ x[i+j]
	// Output:
	// [0 4 0 8 0 12]
	// [[[6]] [[9]]]
}
