package train

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Trainer is a bound model with its parameters, on one backend, with the
// evaluation graphs compiled. Create it with New; Close frees the graphs.
type Trainer struct {
	// chunkLoss and chunkGrad give one chunk's weighted loss (and
	// gradient), compiled when first needed.
	chunkLoss, chunkGrad *model.Exec

	b        compute.Backend
	model    *models.Model
	scope    *model.Scope
	dt       dtypes.DType
	eval     *model.Exec
	gradNorm *model.Exec
	forward  *model.Exec // compiled by PredictClasses when first needed

	// steps are the compiled steps of a trainer from a Cache, by optimizer
	// GraphKey and kind (nil for a trainer of one run); compiles counts the
	// step graphs compiled (one per batch size and step).
	steps    map[string]*Step
	compiles atomic.Int64 // a sweep's workers compile while Compiles reads
	key      string       // the Cache's key for it
}

// New initializes m's parameters (bound to its data set already) in dtype
// dt from seed (init overrides the model's scheme when not empty) and
// compiles the evaluation graphs.
func New(b compute.Backend, m *models.Model, dt dtypes.DType, seed uint64, init string) (*Trainer, error) {
	t := &Trainer{b: b, model: m, scope: model.NewStore().RootScope(), dt: dt}
	if err := m.Init(t.scope, dt, seed, init); err != nil {
		return nil, err
	}
	var err error
	t.eval, err = model.NewExec(b, t.scope.Store(), func(ctx *model.Scope, x, y *graph.Node) []*graph.Node {
		out := m.Forward(ctx, x)
		outs := []*graph.Node{m.Loss(ctx, out, y), m.Metric(out, y)}
		if m.IsDetector() { // scored on the host over the whole split
			outs = append(outs, out)
		}
		return outs
	})
	if err != nil {
		return nil, err
	}
	t.gradNorm, err = model.NewExec(b, t.scope.Store(), func(ctx *model.Scope, x, y *graph.Node) []*graph.Node {
		loss := m.Loss(ctx, m.Forward(ctx, x), y)
		return []*graph.Node{loss, optim.GlobalNorm(ctx.BuildTrainableVariablesGradientsGraph(loss), loss.DType())}
	})
	if err != nil {
		t.eval.Finalize()
		return nil, err
	}
	return t, nil
}

// Close frees the compiled graphs.
func (t *Trainer) Close() {
	t.eval.Finalize()
	t.gradNorm.Finalize()
	for _, e := range []*model.Exec{t.chunkLoss, t.chunkGrad, t.forward} {
		if e != nil {
			e.Finalize()
		}
	}
}

// Scope returns the scope holding the parameters (and optimizer state).
func (t *Trainer) Scope() *model.Scope { return t.scope }

// Evaluate returns the mean loss and metric over d (NaN, NaN for nil d).
// A detector's metric is mAP@0.5 over all of d, from its outputs.
func (t *Trainer) Evaluate(d *Data) (loss, metric float64) {
	if d == nil {
		return math.NaN(), math.NaN()
	}
	var sl, sm float64
	var preds, targets []float64
	for i, c := range d.chunks {
		outs, err := t.eval.Exec(c[0], c[1])
		if err != nil {
			panic(err)
		}
		w := float64(d.sizes[i])
		sl += w * scalar(outs[0])
		sm += w * scalar(outs[1])
		if len(outs) > 2 {
			preds, targets = append(preds, flat64(outs[2])...), append(targets, flat64(c[1])...)
		}
		finalize(outs)
	}
	if t.model.IsDetector() {
		return sl / float64(d.n), t.model.ScoreDetections(preds, targets, d.n)
	}
	return sl / float64(d.n), sm / float64(d.n)
}

// PredictClasses returns the predicted class (the index of the largest
// output) of every example of d at the current parameters, chunk by chunk.
// It is meant for multi-class classifiers (softmax outputs).
func (t *Trainer) PredictClasses(d *Data) ([]int, error) {
	if t.forward == nil {
		var err error
		t.forward, err = model.NewExec(t.b, t.scope.Store(), func(ctx *model.Scope, x *graph.Node) *graph.Node {
			return graph.ArgMax(t.model.Forward(ctx, x), -1, dtypes.Int32)
		})
		if err != nil {
			return nil, err
		}
	}
	classes := make([]int, 0, d.n)
	for _, c := range d.chunks {
		outs, err := t.forward.Exec(c[0])
		if err != nil {
			return nil, err
		}
		for _, v := range tensors.MustCopyFlatData[int32](outs[0]) {
			classes = append(classes, int(v))
		}
		finalize(outs)
	}
	return classes, nil
}

// LossAndGradNorm returns the loss on all of d and the global norm of its
// gradient at the current parameters (summed over chunks when d was
// uploaded without its whole).
func (t *Trainer) LossAndGradNorm(d *Data) (float64, float64) {
	if d.x == nil {
		loss, grad, err := t.chunkedLossGrad(d, true)
		if err != nil {
			panic(err)
		}
		return loss, norm(grad)
	}
	outs, err := t.gradNorm.Exec(d.x, d.y)
	if err != nil {
		panic(err)
	}
	defer finalize(outs)
	return scalar(outs[0]), scalar(outs[1])
}

// StepStats are what one update measured: the loss and gradient norm at the
// parameters before it, the norm of the change and the step size used.
type StepStats struct {
	Loss, GradNorm, UpdateNorm, LR float64
	// Layers are per-layer gradient norms (when the step logs them).
	Layers []float64
}

// Step is one compiled update of a first-order optimizer, on the full
// training set or on mini-batches of it.
type Step struct {
	exec *model.Exec
	full bool
	// chunkGrad accumulates one chunk's gradient when the full batch is
	// processed in chunks; exec then only updates.
	chunkGrad *model.Exec
	// compiled records the batch sizes Compile has compiled.
	compiled map[int]bool
	trainer  *Trainer
	// evals is the gradient evaluations per example of one update: 2 with
	// gd's gradient-norm penalty (a second gradient at θ + ε·g/‖g‖), else 1.
	evals int64
}

// NewStep compiles o's update: on all of the training data (full) or on the
// examples whose indices Run is given. layerNorms adds per-layer gradient
// norms to the stats.
func (t *Trainer) NewStep(o *optim.Optimizer, full, layerNorms bool) (*Step, error) {
	return t.newStep(o, full, layerNorms)
}

// NewChunkedStep compiles a full-batch step that sums the gradient over the
// training data's chunks before one update (see Upload's chunk).
func (t *Trainer) NewChunkedStep(o *optim.Optimizer, layerNorms bool) (*Step, error) {
	return t.newChunkedStep(o, layerNorms)
}

func (t *Trainer) newStep(o *optim.Optimizer, full, layerNorms bool) (*Step, error) {
	m := t.model
	rho := o.Param("grad_penalty")
	stepFn := func(ctx *model.Scope, x, y *graph.Node) []*graph.Node {
		loss := m.Loss(ctx, m.Forward(ctx, x), y)
		var st optim.Stats
		if rho > 0 {
			vars := optim.TrainableIn(ctx, x.Graph())
			grads := penalizedGrads(ctx, m, x, y, vars, ctx.BuildTrainableVariablesGradientsGraph(loss), rho, o.Param("penalty_eps"))
			st = o.UpdateWithGradients(ctx, x.Graph(), loss, vars, grads)
		} else {
			st = o.UpdateGraphWithStats(ctx, x.Graph(), loss)
		}
		return []*graph.Node{statsVector(m, loss, st, layerNorms)}
	}
	var exec *model.Exec
	var err error
	if full {
		exec, err = model.NewExec(t.b, t.scope.Store(), stepFn)
	} else {
		exec, err = model.NewExec(t.b, t.scope.Store(), func(ctx *model.Scope, xAll, yAll, idx *graph.Node) []*graph.Node {
			idx2 := graph.InsertAxes(idx, -1)
			return stepFn(ctx, graph.Gather(xAll, idx2), graph.Gather(yAll, idx2))
		})
	}
	if err != nil {
		return nil, err
	}
	evals := int64(1)
	if rho > 0 {
		evals = 2
	}
	return &Step{exec: exec, full: full, compiled: map[int]bool{}, trainer: t, evals: evals}, nil
}

// Close frees the compiled step.
func (s *Step) Close() {
	s.exec.Finalize()
	if s.chunkGrad != nil {
		s.chunkGrad.Finalize()
	}
}

// Compile compiles the step for train and, for a mini-batch step, batches
// of the given size, unless already done: the loop calls it before starting
// the clock, so that no update's measured time includes compilation.
func (s *Step) Compile(train *Data, size int) error {
	if s.compiled[size] {
		return nil
	}
	var err error
	switch {
	case s.chunkGrad != nil:
		for i, c := range train.chunks {
			if _, err = s.chunkGrad.Compile(c[0].Shape(), c[1].Shape(), weight(train, i, c[0].DType()).Shape()); err != nil {
				return err
			}
		}
		_, err = s.exec.Compile()
	case s.full:
		_, err = s.exec.Compile(train.x.Shape(), train.y.Shape())
	default:
		_, err = s.exec.Compile(train.x.Shape(), train.y.Shape(), shapes.Make(dtypes.Int32, size))
	}
	if err == nil {
		s.compiled[size] = true
		s.trainer.compiles.Add(1)
	}
	return err
}

// Run makes one update on train (all of it, or the examples idx for a
// mini-batch step).
func (s *Step) Run(train *Data, idx []int) (StepStats, error) {
	var outs []*tensors.Tensor
	var err error
	if s.chunkGrad != nil {
		outs, err = s.runChunked(train)
	} else {
		args := []any{train.x, train.y}
		if !s.full {
			i32 := make([]int32, len(idx))
			for i, v := range idx {
				i32[i] = int32(v)
			}
			args = append(args, tensors.FromFlatDataAndDimensions(i32, len(i32)))
		}
		outs, err = s.exec.Exec(args...)
	}
	if err != nil {
		return StepStats{}, err
	}
	defer finalize(outs)
	v := flat64(outs[0])
	st := StepStats{Loss: v[0], GradNorm: v[1], UpdateNorm: v[2], LR: v[3]}
	if len(v) > 4 {
		st.Layers = v[4:]
	}
	return st, nil
}

// statsVector is a step's one output: the loss at the parameters before the
// update, the gradient's and the update's global norms, the step size and
// (layerNorms) each layer's gradient norm, in the loss's dtype. One vector
// instead of one scalar each saves a device-to-host transfer per value and
// per step on XLA.
func statsVector(m *models.Model, loss *graph.Node, st optim.Stats, layerNorms bool) *graph.Node {
	outs := []*graph.Node{loss, st.GradNorm, st.UpdateNorm, graph.ConvertDType(st.LR, loss.DType())}
	if layerNorms {
		outs = append(outs, perLayer(m.LayerNames(), st)...)
	}
	return graph.Stack(outs, 0)
}

// perLayer groups per-variable gradient norms by layer scope.
func perLayer(layers []string, st optim.Stats) []*graph.Node {
	var out []*graph.Node
	for _, l := range layers {
		var sum *graph.Node
		for i, v := range st.Vars {
			if len(v) > len(l)+1 && v[1:len(l)+1] == l && v[len(l)+1] == '/' {
				sq := graph.Square(st.VarGradNorms[i])
				if sum == nil {
					sum = sq
				} else {
					sum = graph.Add(sum, sq)
				}
			}
		}
		if sum == nil {
			panic(fmt.Errorf("no variables for layer %s", l))
		}
		out = append(out, graph.Sqrt(sum))
	}
	return out
}

func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	panic(fmt.Errorf("expected a float scalar, got %s", t.Shape()))
}

func finalize(ts []*tensors.Tensor) {
	for _, t := range ts {
		t.FinalizeAll()
	}
}
