package vjp_test

import (
	"math/rand/v2"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/vjp"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	timage "github.com/gomlx/gomlx/core/tensors/images"
)

type convCase struct {
	name      string
	x, k      []int
	configure func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder
}

// convCases are strides, "same" and explicit asymmetric padding, dilations,
// 1-D and 2-D, channels last and first.
var convCases = []convCase{
	{"2-D same", []int{2, 5, 6, 3}, []int{3, 3, 3, 4}, func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder { return c.PadSame().Strides(1) }},
	{"2-D same stride 2", []int{2, 7, 6, 2}, []int{3, 3, 2, 3}, func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder { return c.PadSame().Strides(2) }},
	{"2-D valid 2×3 kernel dilation 2", []int{1, 8, 9, 2}, []int{2, 3, 2, 2}, func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder {
		return c.NoPadding().Dilations(2)
	}},
	{"2-D asymmetric padding strides (2,1)", []int{2, 5, 4, 1}, []int{3, 2, 1, 2}, func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder {
		return c.PaddingPerDim([][2]int{{1, 0}, {2, 1}}).StridePerDim(2, 1)
	}},
	{"1-D valid stride 3", []int{2, 10, 3}, []int{4, 3, 2}, func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder { return c.NoPadding().Strides(3) }},
	{"2-D channels first same", []int{2, 3, 5, 4}, []int{2, 3, 3, 3}, func(c *graph.ConvolutionBuilder) *graph.ConvolutionBuilder {
		return c.ChannelsAxis(timage.ChannelsFirst).PadSame()
	}},
}

// checkConv differentiates Σ sin(Convolve(x, k)) under the rules currently
// registered and compares both gradients with finite differences.
func checkConv(b compute.Backend, tc convCase, x, k *tensors.Tensor) error {
	lossOf := func(xn, kn *graph.Node) *graph.Node {
		return graph.ReduceAllSum(graph.Sin(tc.configure(graph.Convolve(xn, kn)).Done()))
	}
	dx, dk, err := gradientsErr(b, lossOf, x, k)
	if err != nil {
		return err
	}
	fwd := graph.MustNewExec(b, lossOf)
	defer fwd.Finalize()
	if err := finiteDifferences("x", x, dx, 1e-6, func(p *tensors.Tensor) float64 { return fwd.MustExec(p, k)[0].Value().(float64) }); err != nil {
		return err
	}
	return finiteDifferences("kernel", k, dk, 1e-6, func(p *tensors.Tensor) float64 { return fwd.MustExec(x, p)[0].Value().(float64) })
}

// TestConvGradient checks bgdlab's ConvGeneral rule on every convCase
// against central finite differences of the forward convolution.
func TestConvGradient(t *testing.T) {
	b := testBackend(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range convCases {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkConv(b, tc, random(rng, tc.x), random(rng, tc.k)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestUpstreamConvRuleStillWrong is why the ConvGeneral replacement stays: it
// runs GoMLX's own rule on the same cases and requires at least one to fail
// (measured with v0.28.2 on the pure-Go backend: a panic for asymmetric
// padding with strides (2,1), wrong adjoints for the 1-D stride-3 case).
// When it fails, GoMLX's rule is right everywhere here: drop the replacement.
func TestUpstreamConvRuleStillWrong(t *testing.T) {
	b := testBackend(t)
	vjp.UseOriginal(true)
	defer vjp.UseOriginal(false)
	rng := rand.New(rand.NewPCG(5, 6))
	var wrong []string
	for _, tc := range convCases {
		if err := checkConv(b, tc, random(rng, tc.x), random(rng, tc.k)); err != nil {
			wrong = append(wrong, tc.name+": "+firstLine(err.Error()))
		}
	}
	if len(wrong) == 0 {
		t.Fatal("GoMLX's own ConvGeneral rule passed every case: the replacement in pkg/vjp can go")
	}
	t.Logf("GoMLX's ConvGeneral rule fails %d of %d cases: %q", len(wrong), len(convCases), wrong)
}

func firstLine(s string) string {
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
