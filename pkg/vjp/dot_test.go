package vjp_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/vjp"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
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
	{"Dot matrix×matrix", []int{7, 5}, []int{5, 3}, graph.DotProduct},
	{"Dot matrix×vector", []int{4, 6}, []int{6}, graph.DotProduct},
	{"Dot vector·vector", []int{5}, []int{5}, graph.DotProduct},
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
// the VJP rules currently registered. An error means GoMLX refused to build
// or run the gradient graph.
func lossAndGrads(b compute.Backend, fn product, l, r *tensors.Tensor) (gl, gr []float64, err error) {
	exec, err := graph.NewExec(b, func(ln, rn *graph.Node) []*graph.Node {
		loss := graph.ReduceAllSum(graph.Sin(fn(ln, rn)))
		return graph.Gradient(loss, ln, rn)
	})
	if err != nil {
		return nil, nil, err
	}
	defer exec.Finalize()
	outs, err := exec.Exec(l, r)
	if err != nil {
		return nil, nil, err
	}
	return tensors.MustCopyFlatData[float64](outs[0]), tensors.MustCopyFlatData[float64](outs[1]), nil
}

// testBackend opens the backend the environment selects (go, or xla:cpu in
// the test command's second pass), finalized when the test ends.
func testBackend(t *testing.T) compute.Backend {
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
	if err := finiteDifferences(name, x, grad, h, loss); err != nil {
		t.Fatal(err)
	}
}

// finiteDifferences returns an error naming the first coordinate where grad
// and the central difference of step h disagree (relative tolerance 1e-6).
func finiteDifferences(name string, x *tensors.Tensor, grad []float64, h float64, loss func(*tensors.Tensor) float64) error {
	flat, dims := tensors.MustCopyFlatData[float64](x), x.Shape().Dimensions
	if len(grad) != len(flat) {
		return fmt.Errorf("∂%s has %d entries, want %d", name, len(grad), len(flat))
	}
	for i := range flat {
		eval := func(delta float64) float64 {
			p := append([]float64(nil), flat...)
			p[i] += delta
			return loss(tensors.FromFlatDataAndDimensions(p, dims...))
		}
		want := (eval(h) - eval(-h)) / (2 * h)
		if math.Abs(grad[i]-want) > 1e-6*math.Max(1, math.Abs(want)) {
			return fmt.Errorf("∂%s[%d] = %.10g, finite difference %.10g", name, i, grad[i], want)
		}
	}
	return nil
}

// checkProduct differentiates Σ sin(fn(l, r)) under the rules currently
// registered and compares both gradients with finite differences.
func checkProduct(b compute.Backend, fn product, l, r *tensors.Tensor) error {
	gl, gr, err := lossAndGrads(b, fn, l, r)
	if err != nil {
		return err
	}
	lossOf := graph.MustNewExec(b, func(ln, rn *graph.Node) *graph.Node {
		return graph.ReduceAllSum(graph.Sin(fn(ln, rn)))
	})
	defer lossOf.Finalize()
	if err := finiteDifferences("lhs", l, gl, 1e-5, func(p *tensors.Tensor) float64 { return lossOf.MustExec(p, r)[0].Value().(float64) }); err != nil {
		return err
	}
	return finiteDifferences("rhs", r, gr, 1e-5, func(p *tensors.Tensor) float64 { return lossOf.MustExec(l, p)[0].Value().(float64) })
}

// TestGradientsMatchFiniteDifferences checks bgdlab's DotGeneral rule on
// fixed and 40 random products (batch, contracting and cross axes at random
// positions) against central finite differences of the forward product.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	b := testBackend(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range append(cases, randomCases(rng, 40)...) {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkProduct(b, tc.fn, random(rng, tc.lhs), random(rng, tc.rhs)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestUpstreamDotGeneralRuleStillWrong is why the DotGeneral replacement
// stays: it runs GoMLX's own rule on the same products and requires at least
// one to fail (refused graph or a finite-difference mismatch). When it
// fails, GoMLX's rule is right on every case here: drop the replacement.
func TestUpstreamDotGeneralRuleStillWrong(t *testing.T) {
	b := testBackend(t)
	vjp.UseOriginal(true)
	defer vjp.UseOriginal(false)
	rng := rand.New(rand.NewPCG(1, 2))
	var wrong []string
	for _, tc := range append(cases, randomCases(rng, 40)...) {
		if err := checkProduct(b, tc.fn, random(rng, tc.lhs), random(rng, tc.rhs)); err != nil {
			wrong = append(wrong, tc.name)
		}
	}
	if len(wrong) == 0 {
		t.Fatal("GoMLX's own DotGeneral rule passed every case: the replacement in pkg/vjp can go")
	}
	t.Logf("GoMLX's DotGeneral rule fails %d of %d cases, e.g. %q", len(wrong), len(cases)+40, wrong[0])
}

// TestNoBroadcastInFullBatchMLPGradient builds (without running) the
// full-batch gradient of a 784→256→10 MLP on 60 000 examples and checks,
// from node shapes, that no intermediate is larger than the largest input,
// with bgdlab's rules and with GoMLX's own (v0.26.0's Dot rule built a
// [60000,784,256] node; v0.28.2's does not, which is why pkg/vjp no longer
// replaces graph.Dot).
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
		hid := graph.Max(graph.Add(graph.DotProduct(x, w1), graph.InsertAxes(b1, 0)), graph.ScalarZero(g, dtypes.Float32))
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
	for _, useOriginal := range []bool{false, true} {
		maxNode, maxInput := largest(useOriginal)
		if maxNode > maxInput {
			t.Errorf("GoMLX's own rules %v: largest node has %d elements, more than the largest input (%d)", useOriginal, maxNode, maxInput)
		}
		t.Logf("GoMLX's own rules %v: largest intermediate %d elements (largest input %d)", useOriginal, maxNode, maxInput)
	}
}

// TestDenseGradientProductsNeedNoBackendTranspose builds the full-batch
// gradient of a 784→256→10 MLP on 60 000 examples and checks every matrix
// product in it has its lhs contracting axis last — the layout the pure-Go
// backend multiplies without transposing both operands first — and that the
// transposes written into the graph move no more than each layer's adjoint
// once ([60000,256] and [60000,10]) and the small weight-sized outputs. GoMLX's rule and bgdlab's before dotGeneral
// contracted the examples' axis first on both sides: the backend then
// transposed the adjoint and the [60000,784] input every step.
func TestDenseGradientProductsNeedNoBackendTranspose(t *testing.T) {
	b := testBackend(t)
	g := graph.NewGraph(b, "mlp")
	defer g.Finalize()
	const n, d, h, k = 60000, 784, 256, 10
	x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, n, d))
	y := graph.Parameter(g, "y", shapes.Make(dtypes.Float32, n, k))
	w1 := graph.Parameter(g, "w1", shapes.Make(dtypes.Float32, d, h))
	w2 := graph.Parameter(g, "w2", shapes.Make(dtypes.Float32, h, k))
	hid := graph.Max(graph.DotProduct(x, w1), graph.ZerosLike(graph.DotProduct(x, w1)))
	loss := graph.ReduceAllMean(graph.Square(graph.Sub(graph.DotProduct(hid, w2), y)))
	before := len(g.Nodes())
	graph.Gradient(loss, w1, w2)
	moved := 0
	for _, node := range g.Nodes()[before:] {
		switch node.Type() {
		case graph.NodeTypeDotGeneral:
			ax := vjp.AxesOf(node)
			lhs := node.Inputs()[0]
			if len(ax.LhsContracting) == 1 && ax.LhsContracting[0] != lhs.Rank()-1 {
				t.Errorf("%s: lhs %s contracts axis %d, not its last", node, lhs.Shape(), ax.LhsContracting[0])
			}
		case graph.NodeTypeTranspose:
			moved += node.Shape().Size()
		}
	}
	t.Logf("elements transposed in the graph: %d", moved)
	if limit := n*(h+k) + 2*d*h + 2*h*k; moved > limit {
		t.Errorf("the gradient transposes %d elements, more than the adjoints and the weights once (%d)", moved, limit)
	}
}
