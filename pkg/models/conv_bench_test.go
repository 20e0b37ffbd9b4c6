package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// chwbAxes lays a convolution out as the CNN does: images and outputs
// [C, H, W, B], kernels [kh, kw, C, O].
var chwbAxes = graph.ConvolveAxesConfig{InputBatch: 3, InputChannels: 0, InputSpatial: []int{1, 2},
	KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
	OutputBatch: 3, OutputChannels: 0, OutputSpatial: []int{1, 2}}

// BenchmarkConv decides conv2D's implementation: it times the CNN's first
// two convolutions (5×5×1→6 stride 1, 5×5×6→16 stride 2, "same" padding) on
// 500 images, forward and gradient with respect to input and kernel, as
// im2col (conv2D) and as GoMLX's native convolution, on the backend the
// environment selects. Both are checked to agree first.
//
//	GOEXPERIMENT=simd BGDLAB_BACKEND=go go test -run '^$' -bench Conv ./pkg/models
func BenchmarkConv(b *testing.B) {
	be, _, err := backend.New()
	if err != nil {
		b.Fatal(err)
	}
	defer be.Finalize()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, l := range []struct{ h, c, o, k, s int }{{28, 1, 6, 5, 1}, {28, 6, 16, 5, 2}} {
		const n = 500
		x, k := make([]float32, n*l.h*l.h*l.c), make([]float32, l.k*l.k*l.c*l.o)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		for i := range k {
			k[i] = float32(rng.NormFloat64())
		}
		xt := tensors.FromFlatDataAndDimensions(x, n, l.h, l.h, l.c)
		kt := tensors.FromFlatDataAndDimensions(k, l.k, l.k, l.c, l.o)
		impls := map[string]func(x, k *graph.Node) *graph.Node{
			"im2col": func(x, k *graph.Node) *graph.Node { return conv2D(x, k, l.s) },
			"native": func(x, k *graph.Node) *graph.Node {
				// TensorFlow "same" padding, as conv2D: the extra row/column after.
				out := (l.h + l.s - 1) / l.s
				pad := max((out-1)*l.s+l.k-l.h, 0)
				p := [2]int{pad / 2, pad - pad/2}
				return graph.Convolve(x, k).PaddingPerDim([][2]int{p, p}).Strides(l.s).Done()
			},
			"native-chwb": func(x, k *graph.Node) *graph.Node {
				// The backend's convolution in the CNN's own [C, H, W, B] layout.
				out := (l.h + l.s - 1) / l.s
				pad := max((out-1)*l.s+l.k-l.h, 0)
				p := [2]int{pad / 2, pad - pad/2}
				return fromCHWB(graph.Convolve(toCHWB(x), k).AxesConfig(chwbAxes).PaddingPerDim([][2]int{p, p}).Strides(l.s).Done())
			},
		}
		sums := map[string]float64{}
		for _, name := range []string{"im2col", "native", "native-chwb"} {
			conv := impls[name]
			exec := graph.MustNewExec(be, func(x, k *graph.Node) []*graph.Node {
				y := conv(x, k)
				loss := graph.ReduceAllSum(graph.Mul(y, y))
				return append([]*graph.Node{graph.ReduceAllSum(y)}, graph.Gradient(loss, x, k)...)
			})
			sums[name] = float64(exec.MustExec(xt, kt)[0].Value().(float32))
			b.Run(fmt.Sprintf("%s/%dx%dx%d-%d-stride%d", name, l.h, l.h, l.c, l.o, l.s), func(b *testing.B) {
				for b.Loop() {
					for _, t := range exec.MustExec(xt, kt) {
						t.FinalizeAll()
					}
				}
			})
			exec.Finalize()
		}
		for _, other := range []string{"native", "native-chwb"} {
			if math.Abs(sums["im2col"]-sums[other]) > 1e-3*math.Max(1, math.Abs(sums["im2col"])) {
				b.Fatalf("im2col and %s convolutions disagree: Σy = %g vs %g", other, sums["im2col"], sums[other])
			}
		}
	}
}
