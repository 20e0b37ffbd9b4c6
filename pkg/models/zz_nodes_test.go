package models

import (
	"sort"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

func TestZZNodes(t *testing.T) {
	b, _ := backend.NewWithConfig("go")
	defer b.Finalize()
	m := &Model{Kind: "cnn", InitScheme: "he"}
	m.featureShape, m.inputs, m.outputs = []int{28, 28, 1}, 784, 10
	m.task = data.Classification
	const n = 128
	store := model.NewStore()
	ctx := store.RootScope()
	m.Init(ctx, dtypes.Float32, 1, "")
	exec, _ := model.NewExec(b, store, func(ctx *model.Scope, x, y *graph.Node) []*graph.Node {
		loss := m.Loss(ctx, m.Forward(ctx, x), y)
		grads := ctx.BuildTrainableVariablesGradientsGraph(loss)
		sizes := map[string]int{}
		for _, node := range loss.Graph().Nodes() {
			sizes[node.Type().String()] += node.Shape().Size()
			if node.Type() == graph.NodeTypeSlice || node.Type() == graph.NodeTypeWhere {
				t.Logf("%s %s <- %v", node.Type(), node.Shape(), node.Inputs()[0].Shape())
			}
		}
		type kv struct {
			k string
			v int
		}
		var l []kv
		for k, v := range sizes {
			l = append(l, kv{k, v})
		}
		sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v })
		for _, e := range l[:15] {
			t.Logf("%-20s %d", e.k, e.v)
		}
		return append([]*graph.Node{loss}, grads...)
	})
	exec.Compile(shapes.Make(dtypes.Float32, n, 784), shapes.Make(dtypes.Int32, n))
}
