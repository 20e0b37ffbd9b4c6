package vjp_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/vjp"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	timage "github.com/gomlx/gomlx/pkg/core/tensors/images"
)

// TestConvGradient differentiates Σ w⊙sin(Convolve(x, k)) for strides,
// "same" and explicit asymmetric padding, dilations, 1-D and 2-D, channels
// last and first, and checks every coordinate of both gradients against
// central finite differences of the forward convolution. (The pure-Go
// backend's forward convolution rejects an unset stride, hence Strides(1).)
func TestConvGradient(t *testing.T) {
	b := testBackend(t)
	type conv = func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder
	cases := []struct {
		name      string
		x, k      []int
		configure conv
	}{
		{"2-D same", []int{2, 5, 6, 3}, []int{3, 3, 3, 4}, func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder { return c.PadSame().Strides(1) }},
		{"2-D same stride 2", []int{2, 7, 6, 2}, []int{3, 3, 2, 3}, func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder { return c.PadSame().Strides(2) }},
		{"2-D valid 2×3 kernel dilation 2", []int{1, 8, 9, 2}, []int{2, 3, 2, 2}, func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder {
			return c.NoPadding().Dilations(2).Strides(1)
		}},
		{"2-D asymmetric padding strides (2,1)", []int{2, 5, 4, 1}, []int{3, 2, 1, 2}, func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder {
			return c.PaddingPerDim([][2]int{{1, 0}, {2, 1}}).StridePerDim(2, 1)
		}},
		{"1-D valid stride 3", []int{2, 10, 3}, []int{4, 3, 2}, func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder { return c.NoPadding().Strides(3) }},
		{"2-D channels first same", []int{2, 3, 5, 4}, []int{2, 3, 3, 3}, func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder {
			return c.ChannelsAxis(timage.ChannelsFirst).PadSame().Strides(1)
		}},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x, k := random(rng, tc.x), random(rng, tc.k)
			lossOf := func(xn, kn *graph.Node) *graph.Node {
				return graph.ReduceAllSum(graph.Sin(tc.configure(graph.Convolve(xn, kn)).Done()))
			}
			dx, dk := gradients(t, b, lossOf, x, k)

			fwd := graph.MustNewExec(b, lossOf)
			defer fwd.Finalize()
			checkFiniteDifferences(t, "x", x, dx, 1e-6, func(p *tensors.Tensor) float64 { return fwd.MustExec(p, k)[0].Value().(float64) })
			checkFiniteDifferences(t, "kernel", k, dk, 1e-6, func(p *tensors.Tensor) float64 { return fwd.MustExec(x, p)[0].Value().(float64) })
		})
	}
}

// TestGoMLXConvRuleIsWrongForStride3 backs the package documentation: on a
// backend with Reverse (XLA), GoMLX v0.26.0's own ConvGeneral rule disagrees
// with the patch rule (which matches finite differences in TestConvGradient)
// for a 1-D valid convolution with stride 3. If this starts failing, GoMLX's
// rule was fixed and the replacement can be reconsidered.
func TestGoMLXConvRuleIsWrongForStride3(t *testing.T) {
	b := testBackend(t)
	if !b.Capabilities().Operations[backends.OpTypeReverse] {
		t.Skipf("backend %s lacks Reverse: GoMLX's rule cannot run", b.Name())
	}
	rng := rand.New(rand.NewPCG(7, 8))
	x, k := random(rng, []int{2, 10, 3}), random(rng, []int{4, 3, 2})
	lossOf := func(xn, kn *graph.Node) *graph.Node {
		return graph.ReduceAllSum(graph.Sin(graph.Convolve(xn, kn).NoPadding().Strides(3).Done()))
	}
	dx, _ := gradients(t, b, lossOf, x, k)
	vjp.UseOriginal(true)
	defer vjp.UseOriginal(false)
	var ox []float64
	func() {
		defer func() { _ = recover() }()
		exec := graph.MustNewExec(b, func(xn, kn *graph.Node) *graph.Node { return graph.Gradient(lossOf(xn, kn), xn)[0] })
		defer exec.Finalize()
		ox = tensors.MustCopyFlatData[float64](exec.MustExec(x, k)[0])
	}()
	worst := 0.0
	for i := range ox {
		worst = math.Max(worst, math.Abs(ox[i]-dx[i]))
	}
	if ox != nil && worst < 1e-8 {
		t.Fatalf("GoMLX's ConvGeneral rule now agrees with the patch rule (max difference %g)", worst)
	}
	t.Logf("GoMLX's rule: max |∂x difference| = %.3g (nil means it panicked: %v)", worst, ox == nil)
}
