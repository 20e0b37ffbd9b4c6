package vjp_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/vjp"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestMinMaxGradientEqualsUpstream compares bgdlab's Max/Min rule with
// GoMLX's own, value for value, on inputs full of ties (exact zeros against
// ReLU's zero, equal pairs), where the tie rule decides the result.
func TestMinMaxGradientEqualsUpstream(t *testing.T) {
	b := testBackend(t)
	rng := rand.New(rand.NewPCG(7, 8))
	dims := []int{6, 5}
	l, r := random(rng, dims), random(rng, dims)
	lf, rf := tensors.MustCopyFlatData[float64](l), tensors.MustCopyFlatData[float64](r)
	for i := range lf {
		switch i % 3 {
		case 0:
			rf[i] = lf[i] // a tie
		case 1:
			lf[i] = 0
		}
	}
	l, r = tensors.FromFlatDataAndDimensions(lf, dims...), tensors.FromFlatDataAndDimensions(rf, dims...)
	for _, tc := range []struct {
		name string
		fn   product
	}{
		{"Max", graph.Max},
		{"Min", graph.Min},
		{"ReLU", func(x, _ *graph.Node) *graph.Node { return graph.Max(x, graph.ZerosLike(x)) }},
		{"Max with a scalar (GoMLX's rule)", func(x, _ *graph.Node) *graph.Node { return graph.Max(x, graph.ScalarZero(x.Graph(), x.DType())) }},
		{"Max(Min(x, y), x)", func(x, y *graph.Node) *graph.Node { return graph.Max(graph.Min(x, y), x) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ours := make([][]float64, 2)
			theirs := make([][]float64, 2)
			var err error
			if ours[0], ours[1], err = lossAndGrads(b, tc.fn, l, r); err != nil {
				t.Fatal(err)
			}
			vjp.UseOriginal(true)
			theirs[0], theirs[1], err = lossAndGrads(b, tc.fn, l, r)
			vjp.UseOriginal(false)
			if err != nil {
				t.Fatal(err)
			}
			for i := range ours {
				if !slices.Equal(ours[i], theirs[i]) {
					t.Errorf("operand %d: gradient %v, GoMLX's rule %v", i, ours[i], theirs[i])
				}
			}
		})
	}
}

// TestReLUGradientIsShort counts the nodes of the hidden layer's size that
// the gradient of Σ relu(x)·c adds to the graph (broadcasts and reshapes
// aside): with GoMLX's Max rule 9 (two Signs, Sub, Add, OneMinus, two Muls
// for the masks), with bgdlab's 5 (one comparison, two Wheres).
func TestReLUGradientIsShort(t *testing.T) {
	b := testBackend(t)
	count := func(useOriginal bool) int {
		vjp.UseOriginal(useOriginal)
		defer vjp.UseOriginal(false)
		g := graph.NewGraph(b, "relu")
		defer g.Finalize()
		x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 300, 70))
		c := graph.Parameter(g, "c", shapes.Make(dtypes.Float32, 300, 70))
		loss := graph.ReduceAllSum(graph.Mul(graph.Max(x, graph.ZerosLike(x)), c))
		before := len(g.Nodes())
		graph.Gradient(loss, x)
		n := 0
		for _, node := range g.Nodes()[before:] {
			if node.Shape().Size() == 300*70 && node.Type() != graph.NodeTypeBroadcastInDim && node.Type() != graph.NodeTypeReshape {
				n++
			}
		}
		return n
	}
	ours, theirs := count(false), count(true)
	t.Logf("full-size nodes in the gradient: %d (GoMLX's rule: %d)", ours, theirs)
	if ours >= theirs {
		t.Errorf("bgdlab's ReLU gradient builds %d full-size nodes, GoMLX's %d: no saving", ours, theirs)
	}
}
