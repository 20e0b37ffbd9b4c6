package models

import (
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/vjp"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// TestCNNGradientProductsNeedNoBackendTranspose builds (without running)
// the CNN's full-batch loss and gradient on 500 Fashion-sized images and
// checks every matrix product in it against the layouts the pure-Go backend
// multiplies as they are (compute's dot.LayoutForDotGeneral: one contracting
// axis, the lhs's last; the rhs's first or last; batch axes leading) and
// that the transposes written into the graph move little more than the
// images and the last convolution's activations, twice. The pure-Go backend
// transposes any other product's operands itself, invisibly: with the
// earlier [B, H, W, C] im2col, patches [P, K, B] went to [P, B, K] twice a
// step (42 % of a step), and this test failed on its products.
func TestCNNGradientProductsNeedNoBackendTranspose(t *testing.T) {
	b, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	m := &Model{Kind: "cnn", InitScheme: "he"}
	m.featureShape, m.inputs, m.outputs = []int{28, 28, 1}, 784, 10
	m.task = data.Classification
	const n = 500
	store := model.NewStore()
	ctx := store.RootScope()
	if err := m.Init(ctx, dtypes.Float32, 1, ""); err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(b, store, func(ctx *model.Scope, x, y *graph.Node) []*graph.Node {
		loss := m.Loss(ctx, m.Forward(ctx, x), y)
		grads := ctx.BuildTrainableVariablesGradientsGraph(loss)
		checkLayouts(t, loss.Graph(), n)
		return append([]*graph.Node{loss}, grads...)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	if _, err := exec.Compile(shapes.Make(dtypes.Float32, n, 784), shapes.Make(dtypes.Int32, n)); err != nil {
		t.Fatal(err)
	}
}

func checkLayouts(t *testing.T, g *graph.Graph, n int) {
	t.Helper()
	moved, products := 0, 0
	for _, node := range g.Nodes() {
		switch node.Type() {
		case graph.NodeTypeDotGeneral:
			products++
			ax := vjp.AxesOf(node)
			lhs, rhs := node.Inputs()[0], node.Inputs()[1]
			nb := len(ax.LhsBatch)
			ok := len(ax.LhsContracting) == 1 && len(ax.RhsContracting) == 1 && nb <= 1 &&
				ax.LhsContracting[0] == lhs.Rank()-1 &&
				(ax.RhsContracting[0] == nb || ax.RhsContracting[0] == rhs.Rank()-1)
			for i := range nb {
				ok = ok && ax.LhsBatch[i] == i && ax.RhsBatch[i] == i
			}
			if !ok {
				t.Errorf("%s: lhs %s, rhs %s, axes %+v: the pure-Go backend transposes this product's operands first", node, lhs.Shape(), rhs.Shape(), ax)
			}
		case graph.NodeTypeTranspose:
			moved += node.Shape().Size()
		}
	}
	// The images to [C, H, W, B], the last convolution's [32, 7, 7, B] back
	// and its gradient, and weight-sized transposes.
	limit := n*784 + 2*n*7*7*32 + 2*(25*6+150*16+144*32+1568*128+128*10)
	t.Logf("%d matrix products; %d elements transposed in the graph (limit %d)", products, moved, limit)
	if moved > limit {
		t.Errorf("the graph transposes %d elements, more than the images, the last activations and the weights (%d)", moved, limit)
	}
}
