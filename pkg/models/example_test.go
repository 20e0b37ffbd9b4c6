package models_test

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// A model is built from its typed configuration, bound to a dataset (feature
// shape, classes), initialized in a GoMLX context from a seed, and used
// inside graphs.
func ExampleModel() {
	sp, _ := data.Blobs{N: 200, D: 2}.Load()
	m := models.MustNew(models.MLP{Hidden: []int{8}, Act: models.Tanh})
	if err := m.Bind(sp.Train); err != nil {
		panic(err)
	}
	ctx := model.NewStore().RootScope()
	if err := m.Init(ctx, dtypes.Float64, 1, ""); err != nil {
		panic(err)
	}
	fmt.Println(m.ParamCount(), m.MetricName(), m.LayerNames())

	b := backend.MustNew()
	defer b.Finalize()
	x, y := sp.Train.Tensors(dtypes.Float64, 0, sp.Train.N)
	loss := model.MustExecOnce(b, ctx.Store(), func(ctx *model.Scope, x, y *graph.Node) *graph.Node {
		return m.Loss(ctx, m.Forward(ctx, x), y)
	}, x, y)
	fmt.Printf("initial cross-entropy %.2f (ln 2 = 0.69)\n", loss.Value())
	// Output:
	// 42 accuracy [layer_00 layer_01]
	// initial cross-entropy 0.88 (ln 2 = 0.69)
}
