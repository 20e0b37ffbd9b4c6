package experiment

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	mlctx "github.com/gomlx/gomlx/ml/model"
)

// modelObjective adapts a model's full-batch training loss to optim.Objective:
// x is all trainable parameters flattened in context order.
type modelObjective struct {
	vars  []*mlctx.Variable
	sizes []int
	dt    dtypes.DType
	exec  *mlctx.Exec
	loss  *mlctx.Exec
	train *device
	wall  time.Duration
}

func newModelObjective(b compute.Backend, r *Resolved, gctx *mlctx.Scope, train *device, dt dtypes.DType) (*modelObjective, error) {
	o := &modelObjective{dt: dt, train: train}
	for v := range gctx.IterVariables() {
		if v.Trainable {
			o.vars = append(o.vars, v)
			o.sizes = append(o.sizes, v.Shape().Size())
		}
	}
	model := r.Model
	var err error
	o.exec, err = mlctx.NewExec(b, gctx.Store(), func(ctx *mlctx.Scope, x, y *graph.Node) []*graph.Node {
		loss := model.Loss(ctx, model.Forward(ctx, x), y)
		return append([]*graph.Node{loss}, ctx.BuildTrainableVariablesGradientsGraph(loss)...)
	})
	if err != nil {
		return nil, err
	}
	o.loss, err = mlctx.NewExec(b, gctx.Store(), func(ctx *mlctx.Scope, x, y *graph.Node) *graph.Node {
		return model.Loss(ctx, model.Forward(ctx, x), y)
	})
	return o, err
}

func (o *modelObjective) Dim() int {
	n := 0
	for _, s := range o.sizes {
		n += s
	}
	return n
}

func (o *modelObjective) get() []float64 {
	var x []float64
	for _, v := range o.vars {
		x = append(x, flat64(v.MustValue())...)
	}
	return x
}

func (o *modelObjective) set(x []float64) error {
	off := 0
	for i, v := range o.vars {
		part := x[off : off+o.sizes[i]]
		off += o.sizes[i]
		t := data.Tensor(part, o.dt, v.Shape().Dimensions...)
		if err := v.SetValue(t); err != nil {
			return err
		}
	}
	return nil
}

// Eval implements optim.Objective; its time counts as training time.
func (o *modelObjective) Eval(x, grad []float64) (float64, error) {
	start := time.Now()
	defer func() { o.wall += time.Since(start) }()
	if err := o.set(x); err != nil {
		return 0, err
	}
	if grad == nil {
		outs, err := o.loss.Exec(o.train.x, o.train.y)
		if err != nil {
			return 0, err
		}
		defer finalize(outs)
		return scalar(outs[0]), nil
	}
	outs, err := o.exec.Exec(o.train.x, o.train.y)
	if err != nil {
		return 0, err
	}
	defer finalize(outs)
	off := 0
	for _, g := range outs[1:] {
		off += copy(grad[off:], flat64(g))
	}
	return scalar(outs[0]), nil
}

func flat64(t *tensors.Tensor) []float64 {
	switch t.DType() {
	case dtypes.Float32:
		f := tensors.MustCopyFlatData[float32](t)
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = float64(v)
		}
		return out
	case dtypes.Float64:
		return tensors.MustCopyFlatData[float64](t)
	}
	panic(fmt.Errorf("parameter of dtype %s", t.DType()))
}

// runLineSearch runs armijo or lbfgs through optim.Minimize on the full batch.
func runLineSearch(ctx context.Context, b compute.Backend, r *Resolved, res *Result, gctx *mlctx.Scope,
	train, val, test *device, evaluate func(*device) (float64, float64), logEvery, evalEvery int, opts Options) (*Result, error) {
	s := r.Spec
	dt := dtypes.Float32
	if s.DType == "float64" {
		dt = dtypes.Float64
	}
	obj, err := newModelObjective(b, r, gctx, train, dt)
	if err != nil {
		return nil, err
	}
	defer obj.exec.Finalize()
	defer obj.loss.Finalize()
	n := float64(train.n)
	nan := math.NaN()
	row := func(k int, stats optim.EvalStats, f, gn float64) Record {
		return Record{Step: k, Epoch: float64(stats.GradEvaluations+stats.FuncEvaluations) * 1, Examples: int64(float64(stats.GradEvaluations+stats.FuncEvaluations) * n),
			GradEvals: int64(stats.GradEvaluations), WallS: obj.wall.Seconds(), LR: nan, TrainLoss: f, GradNorm: gn, UpdateNorm: nan,
			ValLoss: nan, ValMetric: nan, TestLoss: nan, TestMetric: nan}
	}
	x0 := obj.get()
	f0, g0 := 0.0, make([]float64, len(x0))
	if f0, err = obj.Eval(x0, g0); err != nil {
		return nil, err
	}
	first := row(0, optim.EvalStats{}, f0, norm(g0))
	first.WallS = 0
	obj.wall = 0
	first.ValLoss, first.ValMetric = evaluate(val)
	first.TestLoss, first.TestMetric = evaluate(test)
	res.History = append(res.History, first)
	prev := x0
	var stats optim.EvalStats
	prog := newProgress(opts, r.MaxSteps, s)
	maxIter := r.MaxSteps
	if maxIter >= math.MaxInt32 {
		maxIter = 1 << 30
	}
	settings := optim.Settings{MaxIter: maxIter, GradTol: s.GradTol, MaxGradEvals: s.GradEvals,
		Callback: func(it int, x []float64, f, gn float64) bool {
			stats.Iterations = it
			if ctx.Err() != nil {
				return false
			}
			if it%logEvery == 0 || it == r.MaxSteps {
				var d float64
				for i := range x {
					d += (x[i] - prev[i]) * (x[i] - prev[i])
				}
				rec := row(it, stats, f, gn)
				rec.UpdateNorm = math.Sqrt(d)
				if it%evalEvery == 0 || it == r.MaxSteps {
					if err := obj.set(x); err == nil {
						rec.ValLoss, rec.ValMetric = evaluate(val)
						rec.TestLoss, rec.TestMetric = evaluate(test)
					}
				}
				res.History = append(res.History, rec)
			}
			prev = append(prev[:0], x...)
			prog.update(it, f, obj.wall)
			if s.Seconds > 0 && obj.wall.Seconds() >= s.Seconds {
				return false
			}
			if s.TargetLoss != nil && f <= *s.TargetLoss {
				return false
			}
			return true
		}}
	// Minimize counts its own evaluations; route them through a counter so
	// rows can report them as they happen.
	counted := &countingObjective{Objective: obj, stats: &stats}
	out, err := optim.Minimize(counted, x0, r.Opt, settings)
	prog.done()
	if err != nil {
		return nil, err
	}
	if err := obj.set(out.X); err != nil {
		return nil, err
	}
	res.Steps = out.Stats.Iterations
	last := res.History[len(res.History)-1]
	if last.Step != out.Stats.Iterations {
		rec := row(out.Stats.Iterations, stats, out.F, nan)
		rec.ValLoss, rec.ValMetric = evaluate(val)
		rec.TestLoss, rec.TestMetric = evaluate(test)
		res.History = append(res.History, rec)
	} else if math.IsNaN(last.ValLoss) {
		res.History[len(res.History)-1].ValLoss, res.History[len(res.History)-1].ValMetric = evaluate(val)
		res.History[len(res.History)-1].TestLoss, res.History[len(res.History)-1].TestMetric = evaluate(test)
	}
	switch out.Status {
	case optim.StatusDiverged:
		res.Status = StatusDiverged
		at := out.Stats.Iterations
		res.DivergedAt = &at
	case optim.StatusGradTol:
		res.Status = StatusConverged
		res.StatusDetail = fmt.Sprintf("gradient norm ≤ grad_tol %g", s.GradTol)
	case optim.StatusLineSearch:
		res.Status = StatusConverged
		res.StatusDetail = "line search found no decrease (at numerical precision)"
	case optim.StatusStopped:
		res.Status = StatusBudget
		if s.TargetLoss != nil && out.F <= *s.TargetLoss {
			res.Status, res.StatusDetail = StatusConverged, fmt.Sprintf("training loss %g ≤ target %g", out.F, *s.TargetLoss)
		}
	default:
		res.Status = StatusBudget
	}
	res.End = time.Now().UTC()
	fillFinal(res)
	return res, nil
}

// countingObjective keeps live evaluation counts for history rows.
type countingObjective struct {
	optim.Objective
	stats *optim.EvalStats
}

func (c *countingObjective) Eval(x, grad []float64) (float64, error) {
	if grad != nil {
		c.stats.GradEvaluations++
	} else {
		c.stats.FuncEvaluations++
	}
	return c.Objective.Eval(x, grad)
}

func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}
