package train

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/theory"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Objective is the model's full-batch training loss as an optim.Objective:
// x is all trainable parameters flattened in store order. Evaluating it sets
// the parameters to x; its evaluation time counts as training time.
type Objective struct {
	t     *Trainer
	vars  []*model.Variable
	sizes []int
	dt    dtypes.DType
	grad  *model.Exec
	loss  *model.Exec
	train *Data
	// Wall is the time spent in Eval.
	Wall time.Duration
}

// NewObjective compiles the loss and its gradient on train.
func (t *Trainer) NewObjective(train *Data) (*Objective, error) {
	o := &Objective{t: t, dt: t.dt, train: train}
	for v := range t.scope.IterVariables() {
		if v.Trainable {
			o.vars = append(o.vars, v)
			o.sizes = append(o.sizes, v.Shape().Size())
		}
	}
	m := t.model
	var err error
	o.grad, err = model.NewExec(t.b, t.scope.Store(), func(ctx *model.Scope, x, y *graph.Node) []*graph.Node {
		loss := m.Loss(ctx, m.Forward(ctx, x), y)
		return append([]*graph.Node{loss}, ctx.BuildTrainableVariablesGradientsGraph(loss)...)
	})
	if err != nil {
		return nil, err
	}
	o.loss, err = model.NewExec(t.b, t.scope.Store(), func(ctx *model.Scope, x, y *graph.Node) *graph.Node {
		return m.Loss(ctx, m.Forward(ctx, x), y)
	})
	if err != nil {
		o.grad.Finalize()
		return nil, err
	}
	return o, nil
}

// Close frees the compiled graphs.
func (o *Objective) Close() {
	o.grad.Finalize()
	o.loss.Finalize()
}

// Dim implements optim.Objective.
func (o *Objective) Dim() int {
	n := 0
	for _, s := range o.sizes {
		n += s
	}
	return n
}

// Params returns the current parameters, flattened.
func (o *Objective) Params() []float64 {
	var x []float64
	for _, v := range o.vars {
		x = append(x, flat64(v.MustValue())...)
	}
	return x
}

// SetParams sets the parameters from x.
func (o *Objective) SetParams(x []float64) error {
	off := 0
	for i, v := range o.vars {
		part := x[off : off+o.sizes[i]]
		off += o.sizes[i]
		if err := v.SetValue(data.Tensor(part, o.dt, v.Shape().Dimensions...)); err != nil {
			return err
		}
	}
	return nil
}

// Eval implements optim.Objective.
func (o *Objective) Eval(x, grad []float64) (float64, error) {
	start := time.Now()
	defer func() { o.Wall += time.Since(start) }()
	if err := o.SetParams(x); err != nil {
		return 0, err
	}
	if o.train.x == nil { // chunked: sum over the chunks on the host
		f, g, err := o.t.chunkedLossGrad(o.train, grad != nil)
		copy(grad, g)
		return f, err
	}
	if grad == nil {
		outs, err := o.loss.Exec(o.train.x, o.train.y)
		if err != nil {
			return 0, err
		}
		defer finalize(outs)
		return scalar(outs[0]), nil
	}
	outs, err := o.grad.Exec(o.train.x, o.train.y)
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

// RunLineSearch runs a full-batch host method (Armijo, L-BFGS) through
// optim.Minimize on the model, logging rows as Run does: the epoch counts
// every loss evaluation (with or without gradient) as one pass.
func (t *Trainer) RunLineSearch(ctx context.Context, o *optim.Optimizer, sp Splits, l Loop) (Outcome, error) {
	obj, err := t.NewObjective(sp.Train)
	if err != nil {
		return Outcome{}, err
	}
	defer obj.Close()
	ls := &lineSearch{t: t, obj: obj, sp: sp, l: l, n: float64(sp.Train.n)}
	x0 := obj.Params()
	if err := ls.first(x0); err != nil {
		return Outcome{}, err
	}
	maxIter := l.Steps
	if maxIter >= math.MaxInt32 {
		maxIter = 1 << 30
	}
	settings := optim.Settings{MaxIter: maxIter, GradTol: l.GradTol, MaxGradEvals: l.GradEvals, BlowUp: l.BlowUp,
		Callback: func(it int, x []float64, f, gn float64) bool { return ls.callback(ctx, it, x, f, gn) }}
	// Minimize counts its own evaluations; a counter lets rows report them as
	// they happen.
	out, err := optim.Minimize(&countingObjective{Objective: obj, stats: &ls.stats}, x0, o, settings)
	if err != nil {
		return Outcome{}, err
	}
	if err := obj.SetParams(out.X); err != nil {
		return Outcome{}, err
	}
	ls.last(out)
	ls.out.Steps = out.Stats.Iterations
	ls.status(out)
	return ls.out, nil
}

// lineSearch is the state of one line-search run.
type lineSearch struct {
	t     *Trainer
	obj   *Objective
	sp    Splits
	l     Loop
	n     float64
	stats optim.EvalStats
	prev  []float64
	out   Outcome
}

// row is the history row after k iterations with loss f and gradient norm gn.
func (ls *lineSearch) row(k int, stats optim.EvalStats, f, gn float64) Record {
	nan := math.NaN()
	evals := float64(stats.GradEvaluations + stats.FuncEvaluations)
	return Record{Step: k, Epoch: evals, Examples: int64(evals * ls.n), GradEvals: int64(stats.GradEvaluations),
		WallS: ls.obj.Wall.Seconds(), LR: nan, TrainLoss: f, GradNorm: gn, UpdateNorm: nan,
		ValLoss: nan, ValMetric: nan, TestLoss: nan, TestMetric: nan}
}

// first logs row 0 at x0 (its evaluation is not counted as work).
func (ls *lineSearch) first(x0 []float64) error {
	g0 := make([]float64, len(x0))
	f0, err := ls.obj.Eval(x0, g0)
	if err != nil {
		return err
	}
	first := ls.row(0, optim.EvalStats{}, f0, norm(g0))
	first.WallS = 0
	ls.obj.Wall = 0
	ls.evaluate(&first, false)
	ls.out.History = append(ls.out.History, first)
	ls.prev = x0
	return nil
}

// evaluate measures rec's validation data, and its test data when final or
// when the loop measures the test data along the way.
func (ls *lineSearch) evaluate(rec *Record, final bool) {
	rec.ValLoss, rec.ValMetric = ls.t.Evaluate(ls.sp.Val)
	if final || !ls.l.TestAtEnd {
		rec.TestLoss, rec.TestMetric = ls.t.Evaluate(ls.sp.Test)
	}
}

// callback logs iteration it and says whether to go on.
func (ls *lineSearch) callback(ctx context.Context, it int, x []float64, f, gn float64) bool {
	ls.stats.Iterations = it
	if ctx.Err() != nil {
		return false
	}
	if it%ls.l.LogEvery == 0 || it == ls.l.Steps {
		var d float64
		for i := range x {
			d += (x[i] - ls.prev[i]) * (x[i] - ls.prev[i])
		}
		rec := ls.row(it, ls.stats, f, gn)
		rec.UpdateNorm = math.Sqrt(d)
		if it%ls.l.EvalEvery == 0 || it == ls.l.Steps {
			if err := ls.obj.SetParams(x); err == nil {
				ls.evaluate(&rec, false)
			}
		}
		ls.out.History = append(ls.out.History, rec)
	}
	ls.prev = append(ls.prev[:0], x...)
	if ls.l.Progress != nil {
		ls.l.Progress(it, f, ls.obj.Wall)
	}
	if ls.l.Seconds > 0 && ls.obj.Wall.Seconds() >= ls.l.Seconds {
		return false
	}
	return ls.l.TargetLoss == nil || f > *ls.l.TargetLoss
}

// last logs the final parameters if the last row does not describe them.
func (ls *lineSearch) last(out optim.Result) {
	h := ls.out.History
	if last := h[len(h)-1]; last.Step != out.Stats.Iterations {
		rec := ls.row(out.Stats.Iterations, ls.stats, out.F, math.NaN())
		ls.evaluate(&rec, true)
		ls.out.History = append(ls.out.History, rec)
	} else if math.IsNaN(last.ValLoss) || (ls.l.TestAtEnd && ls.sp.Test != nil) {
		ls.evaluate(&h[len(h)-1], true)
	}
}

// status takes Minimize's status and reason; a run the callback stopped
// has converged when its loss reached the target.
func (ls *lineSearch) status(out optim.Result) {
	ls.out.Status, ls.out.Detail = out.Status, out.Reason
	switch out.Status {
	case optim.Diverged:
		at := out.Stats.Iterations
		ls.out.DivergedAt, ls.out.Detail = &at, ""
	case optim.Budget:
		ls.out.Detail = ""
		if out.Reason == optim.StoppedByCallback && ls.l.TargetLoss != nil && out.F <= *ls.l.TargetLoss {
			ls.out.Status, ls.out.Detail = optim.Converged, fmt.Sprintf("training loss %g ≤ target %g", out.F, *ls.l.TargetLoss)
		}
	}
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

// HVP returns v ↦ Hv for the full loss on d at the current parameters:
// H·v = ∇(∇f·v), built as a second reverse-mode pass in GoMLX, in the
// parameters' dtype. Vectors are the parameters flattened in store order, as
// for Objective.
func (t *Trainer) HVP(d *Data) (theory.HVP, error) {
	var vars []*model.Variable
	var sizes []int
	for v := range t.scope.IterVariables() {
		if v.Trainable {
			vars = append(vars, v)
			sizes = append(sizes, v.Shape().Size())
		}
	}
	m := t.model
	exec, err := model.NewExec(t.b, t.scope.Store(), func(ctx *model.Scope, inputs []*graph.Node) []*graph.Node {
		x, y, vs := inputs[0], inputs[1], inputs[2:]
		loss := m.Loss(ctx, m.Forward(ctx, x), y)
		var gv *graph.Node
		for i, g := range ctx.BuildTrainableVariablesGradientsGraph(loss) {
			s := graph.ReduceAllSum(graph.Mul(g, vs[i]))
			if gv == nil {
				gv = s
			} else {
				gv = graph.Add(gv, s)
			}
		}
		var nodes []*graph.Node
		for _, v := range vars {
			nodes = append(nodes, v.NodeValue(x.Graph()))
		}
		return graph.Gradient(gv, nodes...)
	})
	if err != nil {
		return nil, err
	}
	return func(v, out []float64) error {
		args := []any{d.x, d.y}
		off := 0
		for i, vv := range vars {
			args = append(args, data.Tensor(v[off:off+sizes[i]], vv.DType(), vv.Shape().Dimensions...))
			off += sizes[i]
		}
		outs, err := exec.Exec(args...)
		if err != nil {
			return err
		}
		defer finalize(outs)
		off = 0
		for _, o := range outs {
			off += copy(out[off:], flat64(o))
		}
		return nil
	}, nil
}
