package train

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

// Loop holds a run's stop rules and logging. The run stops at the first rule
// met; zero fields are off unless documented.
type Loop struct {
	// Steps bounds the updates (required; math.MaxInt for none).
	Steps int
	// Seconds bounds the training time (evaluation and compilation excluded).
	Seconds float64
	// GradEvals bounds gradient evaluations (line-search methods).
	GradEvals int
	// GradTol stops when the full-batch gradient norm falls to it.
	GradTol float64
	// TargetLoss stops once the full training loss falls to it; TargetMetric
	// once the validation metric reaches it.
	TargetLoss, TargetMetric *float64
	// BlowUp is the factor of optim.Divergence, the one divergence rule:
	// the loss diverged above BlowUp × max(|initial loss|, 1), or when NaN
	// or Inf (0: optim.DefaultBlowUp).
	BlowUp float64
	// LogEvery logs a row every so many steps and EvalEvery evaluates the
	// validation and test data every so many (a multiple of LogEvery);
	// both required.
	LogEvery, EvalEvery int
	// TestAtEnd evaluates the test data only on the final row; the
	// validation data is still evaluated every EvalEvery steps.
	TestAtEnd bool
	// BatchLoss logs the running mean of mini-batch losses instead of the
	// full training loss on mini-batch rows (row 0: the first mini-batch's
	// loss at θ_0).
	BatchLoss bool
	// LayerNorms logs per-layer gradient norms.
	LayerNorms bool
	// Progress, if set, observes every update: step, loss and training time.
	Progress func(step int, loss float64, wall time.Duration)
	// Observe, if set, is called with k before update k whenever k is a
	// multiple of ObserveEvery (default 1), at the parameters θ_k and outside
	// the timed region: a measurement such as the Hessian's top eigenvalue.
	Observe      func(k int) error
	ObserveEvery int
}

// Splits are the uploaded training, validation and test data (val and test
// may be nil).
type Splits struct {
	Train, Val, Test *Data
}

// Run trains with the first-order optimizer o on the batches batcher draws
// until a rule of l stops it. Divergence is a status, not an error.
func (t *Trainer) Run(ctx context.Context, o *optim.Optimizer, batcher *data.Batcher, sp Splits, l Loop) (Outcome, error) {
	if o.FullBatchOnly() {
		return t.RunLineSearch(ctx, o, sp, l)
	}
	if !batcher.Full() && sp.Train.x == nil {
		return Outcome{}, fmt.Errorf("train: mini-batch steps gather from the whole training split: upload it with whole = true")
	}
	// A full batch that does not fit at once is summed over chunks.
	step, done, err := t.stepFor(o, batcher.Full() && sp.Train.x == nil, batcher.Full(), l.LayerNorms)
	if err != nil {
		return Outcome{}, err
	}
	defer done()
	r := &loopRun{t: t, o: o, batcher: batcher, sp: sp, l: l, step: step, full: batcher.Full(), evals: step.evals,
		out: Outcome{Status: optim.Budget}, threshold: math.Inf(1), lastLR: math.NaN(), lastUnorm: math.NaN()}
	return r.run(ctx)
}

// loopRun is the state of one first-order run.
type loopRun struct {
	t       *Trainer
	o       *optim.Optimizer
	batcher *data.Batcher
	sp      Splits
	l       Loop
	step    *Step
	full    bool
	evals   int64 // gradient evaluations per example and step (2 with the gradient-norm penalty)

	out               Outcome
	wall              time.Duration
	pending           *Record // row k waits for step k+1, which measures loss and gradient at θ_k
	threshold         float64
	batchSum          float64
	batchN            int
	lastLR, lastUnorm float64
	batchLossLast     float64
}

func (r *loopRun) run(ctx context.Context) (Outcome, error) {
	row0 := r.nanRow(0)
	if !r.full && !r.l.BatchLoss { // otherwise the first step measures it
		row0.TrainLoss, _ = r.t.Evaluate(r.sp.Train)
	}
	r.pending = &row0
	k := 0
	for ; ; k++ {
		if err := ctx.Err(); err != nil {
			return Outcome{}, fmt.Errorf("run interrupted: %w", err)
		}
		if k >= r.l.Steps || (r.l.Seconds > 0 && r.wall.Seconds() >= r.l.Seconds) {
			break
		}
		stop, err := r.update(k)
		if err != nil {
			return Outcome{}, err
		}
		if stop.done {
			k = stop.at
			break
		}
		if r.l.Progress != nil {
			r.l.Progress(k+1, r.batchLossLast, r.wall)
		}
	}
	r.finish(k)
	return r.out, nil
}

// stop says whether an update ended the run, and at which step count.
type stop struct {
	done bool
	at   int
}

// update makes update k → k+1, completes row k and logs row k+1 when due.
func (r *loopRun) update(k int) (stop, error) {
	if r.l.Observe != nil && k%max(r.l.ObserveEvery, 1) == 0 {
		if err := r.l.Observe(k); err != nil {
			return stop{}, fmt.Errorf("observing step %d: %w", k, err)
		}
	}
	// Row k's validation and test columns describe θ_k: evaluate them before
	// the update (its training loss and gradient come from the step itself).
	if r.pending != nil && r.pending.Step == k && k%r.l.EvalEvery == 0 {
		r.pending.ValLoss, r.pending.ValMetric = r.t.Evaluate(r.sp.Val)
		if !r.l.TestAtEnd {
			r.pending.TestLoss, r.pending.TestMetric = r.t.Evaluate(r.sp.Test)
		}
	}
	idx := r.batcher.Next()
	size := len(idx)
	if idx == nil {
		size = r.sp.Train.N()
	}
	if err := r.step.Compile(r.sp.Train, size); err != nil {
		return stop{}, fmt.Errorf("compiling step %d: %w", k+1, err)
	}
	before, start := r.wall, time.Now()
	st, err := r.step.Run(r.sp.Train, idx)
	if err != nil {
		return stop{}, fmt.Errorf("step %d: %w", k+1, err)
	}
	r.wall += time.Since(start)
	r.lastLR, r.lastUnorm, r.batchLossLast = st.LR, st.UpdateNorm, st.Loss
	if r.pending != nil && r.pending.Step == k { // the step measured θ_k: complete row k
		if r.full || (k == 0 && r.l.BatchLoss) {
			r.pending.TrainLoss = st.Loss
		}
		r.pending.GradNorm, r.pending.LR, r.pending.LayerGradNorms = st.GradNorm, st.LR, st.Layers
		r.out.History = append(r.out.History, *r.pending)
		r.pending = nil
	}
	if k == 0 {
		r.threshold = optim.Divergence{BlowUp: r.l.BlowUp}.Threshold(st.Loss)
	}
	if r.diverged(k, st) {
		return stop{done: true, at: k}, nil
	}
	if r.reachedTolerance(k, st) {
		r.logMeasured(k, st, before)
		return stop{done: true, at: k}, nil
	}
	r.batchSum += st.Loss
	r.batchN++
	if kk := k + 1; kk%r.l.LogEvery == 0 || kk == r.l.Steps {
		if r.logRow(kk, st) {
			return stop{done: true, at: kk}, nil
		}
	}
	return stop{}, nil
}

// diverged records divergence when the loss, gradient or update of step k is
// not finite or the loss passed the blow-up threshold.
func (r *loopRun) diverged(k int, st StepStats) bool {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	lossBad := bad(st.Loss) || st.Loss > r.threshold
	if !lossBad && !bad(st.GradNorm) && !bad(st.UpdateNorm) {
		return false
	}
	r.out.Status = optim.Diverged
	at := k
	if !lossBad {
		at = k + 1 // the update itself produced non-finite parameters
	}
	r.out.DivergedAt = &at
	r.out.Detail = fmt.Sprintf("loss %g, gradient norm %g at step %d (blow-up threshold %g)", st.Loss, st.GradNorm, k, r.threshold)
	if h := r.out.History; len(h) == 0 || h[len(h)-1].Step != k {
		row := r.nanRow(k)
		row.TrainLoss, row.GradNorm = st.Loss, st.GradNorm
		r.out.History = append(r.out.History, row)
	}
	return true
}

// reachedTolerance stops full-batch runs at the gradient tolerance or the
// target loss, both measured at θ_k by the step.
func (r *loopRun) reachedTolerance(k int, st StepStats) bool {
	switch {
	case r.l.GradTol > 0 && r.full && st.GradNorm <= r.l.GradTol:
		r.out.Status, r.out.Detail = optim.Converged, fmt.Sprintf("gradient norm %g ≤ grad_tol %g at step %d", st.GradNorm, r.l.GradTol, k)
	case r.l.TargetLoss != nil && r.full && st.Loss <= *r.l.TargetLoss:
		r.out.Status, r.out.Detail = optim.Converged, fmt.Sprintf("training loss %g ≤ target %g at step %d", st.Loss, *r.l.TargetLoss, k)
	default:
		return false
	}
	return true
}

// logMeasured logs row k from what the step measured at θ_k (loss, gradient
// norm, step size) when no row describes θ_k yet: a full-batch run stopped by
// its tolerance or target ends on the row that met it. Validation and test
// stay unmeasured (NaN): the parameters have already moved on.
func (r *loopRun) logMeasured(k int, st StepStats, wall time.Duration) {
	if h := r.out.History; len(h) > 0 && h[len(h)-1].Step == k {
		return
	}
	row := r.nanRow(k)
	row.Epoch, row.Examples = float64(k)*r.batcher.Epochs()/float64(k+1), r.evals*int64(k)*r.batcher.Examples()/int64(k+1)
	row.TrainLoss, row.GradNorm, row.LR, row.WallS = st.Loss, st.GradNorm, st.LR, wall.Seconds()
	r.out.History = append(r.out.History, row)
}

// logRow starts row kk (completed by the next step or by finish) and reports
// whether a mini-batch target or the validation target was reached.
func (r *loopRun) logRow(kk int, st StepStats) bool {
	row := r.nanRow(kk)
	row.UpdateNorm, row.LR, row.WallS = st.UpdateNorm, st.LR, r.wall.Seconds()
	if !r.full {
		if r.l.BatchLoss {
			row.TrainLoss = r.batchSum / float64(r.batchN)
		} else {
			row.TrainLoss, _ = r.t.Evaluate(r.sp.Train)
		}
		r.batchSum, r.batchN = 0, 0
	}
	r.pending = &row
	if !r.full && r.l.TargetLoss != nil && !r.l.BatchLoss && row.TrainLoss <= *r.l.TargetLoss {
		r.out.Status, r.out.Detail = optim.Converged, fmt.Sprintf("training loss %g ≤ target %g at step %d", row.TrainLoss, *r.l.TargetLoss, kk)
		return true
	}
	if r.l.TargetMetric != nil && r.sp.Val != nil && kk%r.l.EvalEvery == 0 {
		if _, vm := r.t.Evaluate(r.sp.Val); vm >= *r.l.TargetMetric {
			row.ValMetric = vm
			r.out.Status, r.out.Detail = optim.Converged, fmt.Sprintf("validation %s %g ≥ target %g at step %d", r.t.model.MetricName(), vm, *r.l.TargetMetric, kk)
			return true
		}
	}
	return false
}

// finish logs the final parameters (loss and gradient at θ_k) and closes the
// history.
func (r *loopRun) finish(k int) {
	// A time budget can stop between logged rows: log the final parameters.
	if h := r.out.History; r.pending == nil && r.out.Status == optim.Budget && (len(h) == 0 || h[len(h)-1].Step != k) {
		row := r.nanRow(k)
		row.LR, row.UpdateNorm, row.WallS = r.lastLR, r.lastUnorm, r.wall.Seconds()
		if !r.full {
			row.TrainLoss, _ = r.t.Evaluate(r.sp.Train)
		}
		r.pending = &row
	}
	if r.pending != nil && r.out.Status != optim.Diverged {
		if r.full || !r.l.BatchLoss { // a mini-batch run's running mean stands
			l, gn := r.t.LossAndGradNorm(r.sp.Train)
			r.pending.TrainLoss = l
			if r.full {
				r.pending.GradNorm = gn
			}
		}
		r.pending.ValLoss, r.pending.ValMetric = r.t.Evaluate(r.sp.Val)
		r.pending.TestLoss, r.pending.TestMetric = r.t.Evaluate(r.sp.Test)
		if math.IsNaN(r.pending.LR) {
			r.pending.LR = r.o.LRAt(max(r.pending.Step-1, 0))
		}
		r.out.History = append(r.out.History, *r.pending)
	}
	r.out.Steps = min(k, r.l.Steps)
}

// nanRow is row k with the batcher's counters and every measurement NaN.
func (r *loopRun) nanRow(k int) Record {
	nan := math.NaN()
	return Record{Step: k, Epoch: r.batcher.Epochs(), Examples: r.evals * r.batcher.Examples(), GradEvals: r.evals * int64(k), LR: nan,
		TrainLoss: nan, GradNorm: nan, UpdateNorm: nan, ValLoss: nan, ValMetric: nan, TestLoss: nan, TestMetric: nan}
}
