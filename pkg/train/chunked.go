package train

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// DefaultMemoryBudget is the memory a full-batch step's activations may take
// (1 GiB) before ChunkFor splits the batch. The CNN on Fashion-MNIST then
// runs in chunks of about 1 000 images: 1.4 GB peak RSS on the pure-Go
// backend, against 3.3 GB at 2 GiB (measured with 5 000 images, 2 steps).
const DefaultMemoryBudget = 1 << 30

// ChunkFor returns how many examples of a full batch of n to process at a
// time so that their activations (perExample floats of dtype dt, counted
// four times over for the backward pass and temporaries) fit in budget
// bytes; n when everything fits.
func ChunkFor(n, perExample int, dt dtypes.DType, budget int64) int {
	per := int64(perExample) * int64(dt.Size()) * 4
	if per <= 0 || budget <= 0 {
		return n
	}
	return int(max(1, min(int64(n), budget/per)))
}

// chunkAccumScope holds the gradient accumulators of chunked steps.
const chunkAccumScope = "/bgdlab_chunk"

// newChunkedStep compiles a full-batch step that sums per-chunk gradients:
// each chunk adds its gradient and loss, weighted by its share of the
// examples, into accumulators on the device; one update then uses the sum
// and clears them. It is the one-shot step up to floating-point rounding,
// with peak memory set by the chunk instead of the data set.
func (t *Trainer) newChunkedStep(o *optim.Optimizer, layerNorms bool) (*Step, error) {
	if o.Param("grad_penalty") > 0 {
		return nil, fmt.Errorf("optimizer %s: the gradient-norm penalty needs the whole batch in one pass, but this full batch is summed over chunks to fit memory: use a smaller data set or --chunk -1 (more memory)", o)
	}
	m := t.model
	acc := func(ctx *model.Scope, v *model.Variable) *model.Variable {
		return ctx.Store().Scope(chunkAccumScope+v.Scope()).WithInitializer(initializer.Zero).
			VariableWithShape(v.Name(), v.Shape()).SetTrainable(false)
	}
	lossAcc := func(ctx *model.Scope) *model.Variable {
		return ctx.Store().Scope(chunkAccumScope).VariableWithValue("loss", zeroOf(t.dt)).SetTrainable(false)
	}
	grad, err := model.NewExec(t.b, t.scope.Store(), func(ctx *model.Scope, x, y, w *graph.Node) *graph.Node {
		loss := m.Loss(ctx, m.Forward(ctx, x), y)
		grads := ctx.BuildTrainableVariablesGradientsGraph(loss)
		for i, v := range optim.TrainableIn(ctx, x.Graph()) {
			a := acc(ctx, v)
			a.SetNodeValue(graph.Add(a.NodeValue(x.Graph()), graph.Mul(grads[i], graph.ConvertDType(w, grads[i].DType()))))
		}
		la := lossAcc(ctx)
		sum := graph.Add(la.NodeValue(x.Graph()), graph.Mul(loss, w))
		la.SetNodeValue(sum)
		return sum
	})
	if err != nil {
		return nil, err
	}
	update, err := model.NewExec(t.b, t.scope.Store(), func(ctx *model.Scope, g *graph.Graph) []*graph.Node {
		var vars []*model.Variable
		var grads []*graph.Node
		for v := range ctx.IterVariables() {
			if v.Trainable {
				vars, grads = append(vars, v), append(grads, acc(ctx, v).NodeValue(g))
			}
		}
		la := lossAcc(ctx)
		loss := la.NodeValue(g)
		st := o.UpdateWithGradients(ctx, g, loss, vars, grads)
		for i, v := range vars {
			acc(ctx, v).SetNodeValue(graph.ZerosLike(grads[i]))
		}
		la.SetNodeValue(graph.ZerosLike(loss))
		return []*graph.Node{statsVector(m, loss, st, layerNorms)}
	})
	if err != nil {
		grad.Finalize()
		return nil, err
	}
	return &Step{chunkGrad: grad, exec: update, full: true, compiled: map[int]bool{}, trainer: t, evals: 1}, nil
}

// runChunked accumulates every chunk of train, then updates.
func (s *Step) runChunked(train *Data) ([]*tensors.Tensor, error) {
	for i, c := range train.chunks {
		out, err := s.chunkGrad.Exec(c[0], c[1], weight(train, i, c[0].DType()))
		if err != nil {
			return nil, fmt.Errorf("chunk %d of %d: %w", i+1, len(train.chunks), err)
		}
		finalize(out)
	}
	return s.exec.Exec()
}

// weight is chunk i's share of the examples, n_i/n, as a scalar of dtype dt.
func weight(d *Data, i int, dt dtypes.DType) *tensors.Tensor {
	w := float64(d.sizes[i]) / float64(d.n)
	if dt == dtypes.Float32 {
		return tensors.FromScalar(float32(w))
	}
	return tensors.FromScalar(w)
}

func zeroOf(dt dtypes.DType) any {
	if dt == dtypes.Float32 {
		return float32(0)
	}
	return float64(0)
}

// chunkedLossGrad sums, over d's chunks, the loss and (withGrad) the
// flattened gradient weighted by each chunk's share of the examples, on the
// host in float64.
func (t *Trainer) chunkedLossGrad(d *Data, withGrad bool) (float64, []float64, error) {
	exec, err := t.chunkExec(withGrad)
	if err != nil {
		return 0, nil, err
	}
	var loss float64
	var grad []float64
	for i, c := range d.chunks {
		outs, err := exec.Exec(c[0], c[1], weight(d, i, c[0].DType()))
		if err != nil {
			return 0, nil, fmt.Errorf("chunk %d of %d: %w", i+1, len(d.chunks), err)
		}
		loss += scalar(outs[0])
		off := 0
		for _, g := range outs[1:] {
			f := flat64(g)
			if grad == nil || len(grad) < off+len(f) {
				grad = append(grad, make([]float64, off+len(f)-len(grad))...)
			}
			for j, v := range f {
				grad[off+j] += v
			}
			off += len(f)
		}
		finalize(outs)
	}
	return loss, grad, nil
}

// chunkExec compiles (once) the weighted loss of a chunk, with its gradient
// when withGrad.
func (t *Trainer) chunkExec(withGrad bool) (*model.Exec, error) {
	cached := &t.chunkLoss
	if withGrad {
		cached = &t.chunkGrad
	}
	if *cached != nil {
		return *cached, nil
	}
	m := t.model
	exec, err := model.NewExec(t.b, t.scope.Store(), func(ctx *model.Scope, x, y, w *graph.Node) []*graph.Node {
		loss := m.Loss(ctx, m.Forward(ctx, x), y)
		outs := []*graph.Node{graph.Mul(loss, w)}
		if withGrad {
			for _, g := range ctx.BuildTrainableVariablesGradientsGraph(loss) {
				outs = append(outs, graph.Mul(g, graph.ConvertDType(w, g.DType())))
			}
		}
		return outs
	})
	*cached = exec
	return exec, err
}
