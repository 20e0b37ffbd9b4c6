package vjp_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/vjp"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

type product func(l, r *graph.Node) *graph.Node

type tcase struct {
	name     string
	lhs, rhs []int
	fn       product
}

func dg(lc, lb, rc, rb []int) product {
	return func(l, r *graph.Node) *graph.Node { return graph.DotGeneral(l, lc, lb, r, rc, rb) }
}

var cases = []tcase{
	{"Dot matrix×matrix", []int{7, 5}, []int{5, 3}, graph.Dot},
	{"Dot matrix×vector", []int{4, 6}, []int{6}, graph.Dot},
	{"Dot vector·vector", []int{5}, []int{5}, graph.Dot},
	{"DotGeneral batch", []int{2, 3, 4}, []int{2, 4, 5}, dg([]int{2}, []int{0}, []int{1}, []int{0})},
	{"DotGeneral two contracting axes, odd order", []int{3, 2, 4, 5}, []int{5, 4, 2, 6}, dg([]int{3, 1}, []int{2}, []int{0, 2}, []int{1})},
	{"DotGeneral no cross axes", []int{4, 5}, []int{4, 5}, dg([]int{1}, []int{0}, []int{1}, []int{0})},
	{"DotGeneral outer product", []int{3}, []int{4}, dg(nil, nil, nil, nil)},
	{"DotGeneral rhs transposed", []int{6, 3}, []int{4, 3}, dg([]int{1}, nil, []int{1}, nil)},
	{"Einsum bij,bkj->bki", []int{2, 3, 4}, []int{2, 5, 4}, func(l, r *graph.Node) *graph.Node { return graph.Einsum("bij,bkj->bki", l, r) }},
}

// randomCases adds DotGeneral products with random numbers of batch,
// contracting and cross axes, placed at random positions in each operand.
func randomCases(rng *rand.Rand, n int) []tcase {
	var out []tcase
	for i := 0; i < n; i++ {
		nb, nc, nl, nr := rng.IntN(3), rng.IntN(3), rng.IntN(3), rng.IntN(3)
		batch, contr := dimsOf(rng, nb), dimsOf(rng, nc)
		lPerm, rPerm := rng.Perm(nb+nc+nl), rng.Perm(nb+nc+nr)
		lDims, rDims := make([]int, len(lPerm)), make([]int, len(rPerm))
		var lb, lc, rb, rc []int
		for j := 0; j < nb; j++ {
			lb, rb = append(lb, lPerm[j]), append(rb, rPerm[j])
			lDims[lPerm[j]], rDims[rPerm[j]] = batch[j], batch[j]
		}
		for j := 0; j < nc; j++ {
			lc, rc = append(lc, lPerm[nb+j]), append(rc, rPerm[nb+j])
			lDims[lPerm[nb+j]], rDims[rPerm[nb+j]] = contr[j], contr[j]
		}
		for j := nb + nc; j < len(lPerm); j++ {
			lDims[lPerm[j]] = 1 + rng.IntN(3)
		}
		for j := nb + nc; j < len(rPerm); j++ {
			rDims[rPerm[j]] = 1 + rng.IntN(3)
		}
		name := fmt.Sprintf("random %d: lhs%v c%v b%v, rhs%v c%v b%v", i, lDims, lc, lb, rDims, rc, rb)
		out = append(out, tcase{name, lDims, rDims, dg(lc, lb, rc, rb)})
	}
	return out
}

func dimsOf(rng *rand.Rand, n int) []int {
	d := make([]int, n)
	for i := range d {
		d[i] = 2 + rng.IntN(3)
	}
	return d
}

func random(rng *rand.Rand, dims []int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	flat := make([]float64, n)
	for i := range flat {
		flat[i] = rng.NormFloat64()
	}
	return tensors.FromFlatDataAndDimensions(flat, dims...)
}

// lossAndGrads compiles loss = Σ sin(product(l, r)) and its gradients with
// the VJP rules currently registered.
func lossAndGrads(t *testing.T, b backends.Backend, fn product, l, r *tensors.Tensor) (float64, []float64, []float64) {
	t.Helper()
	exec, err := graph.NewExec(b, func(ln, rn *graph.Node) []*graph.Node {
		loss := graph.ReduceAllSum(graph.Sin(fn(ln, rn)))
		g := graph.Gradient(loss, ln, rn)
		return []*graph.Node{loss, g[0], g[1]}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	outs, err := exec.Exec(l, r)
	if err != nil {
		t.Fatal(err)
	}
	return outs[0].Value().(float64), tensors.MustCopyFlatData[float64](outs[1]), tensors.MustCopyFlatData[float64](outs[2])
}

// testBackend opens the backend the environment selects (go, or xla:cpu in
// the test command's second pass), finalized when the test ends.
func testBackend(t *testing.T) backends.Backend {
	t.Helper()
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	return b
}

// checkFiniteDifferences compares grad, the gradient of loss at x, with
// central differences of step h on every coordinate (relative tolerance 1e-6).
func checkFiniteDifferences(t *testing.T, name string, x *tensors.Tensor, grad []float64, h float64, loss func(*tensors.Tensor) float64) {
	t.Helper()
	flat, dims := tensors.MustCopyFlatData[float64](x), x.Shape().Dimensions
	for i := range flat {
		eval := func(delta float64) float64 {
			p := append([]float64(nil), flat...)
			p[i] += delta
			return loss(tensors.FromFlatDataAndDimensions(p, dims...))
		}
		want := (eval(h) - eval(-h)) / (2 * h)
		if math.Abs(grad[i]-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Fatalf("∂%s[%d] = %.10g, finite difference %.10g", name, i, grad[i], want)
		}
	}
}

func TestGradientsMatchOriginalAndFiniteDifferences(t *testing.T) {
	b := testBackend(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range append(cases, randomCases(rng, 40)...) {
		t.Run(tc.name, func(t *testing.T) {
			l, r := random(rng, tc.lhs), random(rng, tc.rhs)
			vjp.UseOriginal(true)
			_, origL, origR := lossAndGrads(t, b, tc.fn, l, r)
			vjp.UseOriginal(false)
			_, newL, newR := lossAndGrads(t, b, tc.fn, l, r)
			for i := range origL {
				if math.Abs(origL[i]-newL[i]) > 1e-10*math.Max(1, math.Abs(origL[i])) {
					t.Fatalf("∂lhs[%d]: new %.15g, GoMLX %.15g", i, newL[i], origL[i])
				}
			}
			for i := range origR {
				if math.Abs(origR[i]-newR[i]) > 1e-10*math.Max(1, math.Abs(origR[i])) {
					t.Fatalf("∂rhs[%d]: new %.15g, GoMLX %.15g", i, newR[i], origR[i])
				}
			}
			// Central finite differences on every coordinate (the shapes are small).
			lossOf := graph.MustNewExec(b, func(ln, rn *graph.Node) *graph.Node {
				return graph.ReduceAllSum(graph.Sin(tc.fn(ln, rn)))
			})
			defer lossOf.Finalize()
			checkFiniteDifferences(t, "lhs", l, newL, 1e-5, func(p *tensors.Tensor) float64 { return lossOf.MustExec(p, r)[0].Value().(float64) })
			checkFiniteDifferences(t, "rhs", r, newR, 1e-5, func(p *tensors.Tensor) float64 { return lossOf.MustExec(l, p)[0].Value().(float64) })
		})
	}
}

// TestNoBroadcastInFullBatchMLPGradient builds (without running) the
// full-batch gradient of a 784→256→10 MLP on 60 000 examples and checks,
// from node shapes, that no intermediate is larger than a small multiple of
// the largest input — with GoMLX's own rules one node is [60000,784,256].
func TestNoBroadcastInFullBatchMLPGradient(t *testing.T) {
	b := testBackend(t)
	largest := func(useOriginal bool) (maxNode, maxInput int) {
		vjp.UseOriginal(useOriginal)
		defer vjp.UseOriginal(false)
		g := graph.NewGraph(b, "mlp")
		defer g.Finalize()
		const n, d, h, k = 60000, 784, 256, 10
		x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, n, d))
		y := graph.Parameter(g, "y", shapes.Make(dtypes.Float32, n, k))
		w1 := graph.Parameter(g, "w1", shapes.Make(dtypes.Float32, d, h))
		b1 := graph.Parameter(g, "b1", shapes.Make(dtypes.Float32, h))
		w2 := graph.Parameter(g, "w2", shapes.Make(dtypes.Float32, h, k))
		hid := graph.Max(graph.Add(graph.Dot(x, w1), graph.InsertAxes(b1, 0)), graph.ScalarZero(g, dtypes.Float32))
		logits := graph.Einsum("nh,hk->nk", hid, w2)
		loss := graph.ReduceAllMean(graph.Square(graph.Sub(logits, y)))
		graph.Gradient(loss, w1, b1, w2)
		for _, node := range g.Nodes() {
			size := node.Shape().Size()
			if node.Type() == graph.NodeTypeParameter {
				maxInput = max(maxInput, size)
			}
			maxNode = max(maxNode, size)
		}
		return
	}
	maxNode, maxInput := largest(false)
	if maxNode > 2*maxInput {
		t.Fatalf("largest node has %d elements, > 2× the largest input (%d)", maxNode, maxInput)
	}
	origNode, _ := largest(true)
	if origNode <= 2*maxInput {
		t.Fatalf("GoMLX's original rules no longer broadcast (largest node %d): the replacement may be unnecessary", origNode)
	}
	t.Logf("largest intermediate: %d elements with bgdlab's rules, %d with GoMLX v0.26.0's (largest input %d)", maxNode, origNode, maxInput)
}
