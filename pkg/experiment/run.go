package experiment

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	mlctx "github.com/gomlx/gomlx/ml/model"
)

// Status values of a finished run.
const (
	StatusBudget    = "budget"    // a budget limit was reached
	StatusConverged = "converged" // a target or tolerance was reached
	StatusDiverged  = "diverged"  // NaN/Inf or loss above the blow-up threshold
)

// Record is one logged row of a run's history. Row k describes the
// parameters after k updates; NaN marks values not measured on that row.
type Record struct {
	Step      int     `json:"step"`
	Epoch     float64 `json:"epoch"`
	Examples  int64   `json:"examples"`
	GradEvals int64   `json:"grad_evals"`
	// WallS is training time only (evaluation excluded), since the start.
	WallS      float64 `json:"wall_s"`
	LR         float64 `json:"lr"`
	TrainLoss  float64 `json:"train_loss"`
	GradNorm   float64 `json:"grad_norm"`
	UpdateNorm float64 `json:"update_norm"`
	ValLoss    float64 `json:"val_loss"`
	ValMetric  float64 `json:"val_metric"`
	TestLoss   float64 `json:"test_loss"`
	TestMetric float64 `json:"test_metric"`
	// LayerGradNorms are per-layer gradient norms (when Spec.LayerNorms).
	LayerGradNorms []float64 `json:"layer_grad_norms,omitempty"`
}

// Result is a finished run: its resolved spec, status, environment and history.
type Result struct {
	// Format is the ResultFormat of the bgdlab that wrote the run; sweeps
	// redo finished runs written in another format.
	Format       int                `json:"format"`
	Spec         Spec               `json:"spec"`
	Status       string             `json:"status"`
	StatusDetail string             `json:"status_detail,omitempty"`
	DivergedAt   *int               `json:"diverged_at,omitempty"`
	Steps        int                `json:"steps"`
	Backend      string             `json:"backend"`
	Devices      []string           `json:"devices"`
	Versions     map[string]string  `json:"versions"`
	Start        time.Time          `json:"start"`
	End          time.Time          `json:"end"`
	TrainLossIs  string             `json:"train_loss_is"`
	Metric       string             `json:"metric"`
	Params       int                `json:"params"`
	Examples     map[string]int     `json:"examples"`
	Layers       []string           `json:"layers,omitempty"`
	DataInfo     map[string]float64 `json:"data_info,omitempty"`
	Optimizer    map[string]float64 `json:"optimizer_params"`
	Final        map[string]float64 `json:"final"`
	History      []Record           `json:"-"`
}

// ResultFormat versions the meaning of run.json and history.csv. Format 2:
// row k's validation and test columns are measured at θ_k (format 1, before
// 2026-11-23, measured them one update later).
const ResultFormat = 2

// Options control a run's side effects.
type Options struct {
	// Progress receives a progress line every couple of seconds (nil: silent).
	Progress io.Writer
	// Terminal rewrites the progress line in place (\r) instead of one line
	// per interval.
	Terminal bool
}

var dataCache sync.Map // spec → data.Splits

func loadCached(s string) (data.Splits, error) {
	if v, ok := dataCache.Load(s); ok {
		return v.(data.Splits), nil
	}
	sp, err := data.Load(s)
	if err != nil {
		return sp, err
	}
	dataCache.Store(s, sp)
	return sp, nil
}

// device holds one split uploaded to the backend once, in chunks for
// evaluation of large sets.
type device struct {
	x, y   *tensors.Tensor // whole split (training)
	chunks [][2]*tensors.Tensor
	sizes  []int
	n      int
}

func upload(b compute.Backend, d *data.Dataset, dt dtypes.DType, chunk int, whole bool) (*device, error) {
	if d == nil {
		return nil, nil
	}
	put := func(lo, hi int) ([2]*tensors.Tensor, error) {
		x, y := d.Tensors(dt, lo, hi)
		for _, t := range []*tensors.Tensor{x, y} {
			if err := t.MaterializeOnDevice(b, false, 0); err != nil {
				return [2]*tensors.Tensor{}, fmt.Errorf("uploading %s: %w", d.Name, err)
			}
		}
		return [2]*tensors.Tensor{x, y}, nil
	}
	dev := &device{n: d.N}
	for lo := 0; lo < d.N; lo += chunk {
		hi := min(lo+chunk, d.N)
		c, err := put(lo, hi)
		if err != nil {
			return nil, err
		}
		dev.chunks = append(dev.chunks, c)
		dev.sizes = append(dev.sizes, hi-lo)
	}
	if whole {
		all := dev.chunks[0] // a single chunk is the whole split
		if len(dev.chunks) > 1 {
			var err error
			if all, err = put(0, d.N); err != nil {
				return nil, err
			}
		}
		dev.x, dev.y = all[0], all[1]
	}
	return dev, nil
}

// Run executes one run on backend b (nil: backend.New()). Divergence is a
// status, not an error; errors are for bad specs and failures.
func Run(ctx context.Context, b compute.Backend, s Spec, opts Options) (res *Result, err error) {
	r, err := Resolve(s)
	if err != nil {
		return nil, err
	}
	if b == nil {
		b, _, err = backend.New()
		if err != nil {
			return nil, err
		}
		defer b.Finalize()
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("run %s: %v", s.Name(), p)
		}
	}()
	return run(ctx, b, r, opts)
}

func run(ctx context.Context, b compute.Backend, r *Resolved, opts Options) (*Result, error) {
	s := r.Spec
	dt := dtypes.Float32
	if s.DType == "float64" {
		dt = dtypes.Float64
	}
	res := &Result{Format: ResultFormat, Spec: s, Backend: b.Name(), Versions: backend.Versions(), Start: time.Now().UTC(),
		Metric: r.Model.MetricName(), Params: r.Model.ParamCount(), DataInfo: r.Splits.Info,
		Optimizer: r.Opt.Params(), Final: map[string]float64{}, Examples: map[string]int{"train": r.Splits.Train.N}}
	res.Backend = b.Description()
	for i := 0; i < b.NumDevices(); i++ {
		res.Devices = append(res.Devices, b.DeviceDescription(compute.DeviceNum(i)))
	}
	if r.Splits.Val != nil {
		res.Examples["val"] = r.Splits.Val.N
	}
	if r.Splits.Test != nil {
		res.Examples["test"] = r.Splits.Test.N
	}
	if s.LayerNorms {
		res.Layers = r.Model.LayerNames()
	}
	batcher, err := data.NewBatcher(r.Regime, r.Splits.Train.N, s.Seed)
	if err != nil {
		return nil, err
	}
	full := batcher.Full()
	res.TrainLossIs = "full training loss at each logged row"
	if !full && s.TrainLoss == "batch" {
		res.TrainLossIs = "running average of mini-batch losses since the previous row (row 0: full loss)"
	}

	gctx := mlctx.NewStore().RootScope()
	if err := r.Model.Init(gctx, dt, s.Seed, s.Init); err != nil {
		return nil, err
	}
	chunk := 16384
	if r.Model.Kind == "cnn" {
		chunk = 2048
	}
	train, err := upload(b, r.Splits.Train, dt, chunk, true)
	if err != nil {
		return nil, err
	}
	val, err := upload(b, r.Splits.Val, dt, chunk, false)
	if err != nil {
		return nil, err
	}
	test, err := upload(b, r.Splits.Test, dt, chunk, false)
	if err != nil {
		return nil, err
	}

	model := r.Model
	evalExec, err := mlctx.NewExec(b, gctx.Store(), func(ctx *mlctx.Scope, x, y *graph.Node) []*graph.Node {
		out := model.Forward(ctx, x)
		return []*graph.Node{model.Loss(ctx, out, y), model.Metric(out, y)}
	})
	if err != nil {
		return nil, err
	}
	defer evalExec.Finalize()
	evaluate := func(d *device) (loss, metric float64) {
		if d == nil {
			return math.NaN(), math.NaN()
		}
		var sl, sm float64
		for i, c := range d.chunks {
			outs, err := evalExec.Exec(c[0], c[1])
			if err != nil {
				panic(err)
			}
			w := float64(d.sizes[i])
			sl += w * scalar(outs[0])
			sm += w * scalar(outs[1])
			finalize(outs)
		}
		return sl / float64(d.n), sm / float64(d.n)
	}
	// Gradient norm at the current parameters on all training data (for the
	// last row of full-batch runs and for grad_tol).
	gradNormExec, err := mlctx.NewExec(b, gctx.Store(), func(ctx *mlctx.Scope, x, y *graph.Node) []*graph.Node {
		loss := model.Loss(ctx, model.Forward(ctx, x), y)
		grads := ctx.BuildTrainableVariablesGradientsGraph(loss)
		var sum *graph.Node
		for _, g := range grads {
			sq := graph.ReduceAllSum(graph.Square(g))
			if sum == nil {
				sum = sq
			} else {
				sum = graph.Add(sum, sq)
			}
		}
		return []*graph.Node{loss, graph.Sqrt(sum)}
	})
	if err != nil {
		return nil, err
	}
	defer gradNormExec.Finalize()

	maxSteps := r.MaxSteps
	logEvery, evalEvery := s.LogEvery, s.EvalEvery
	if logEvery == 0 {
		logEvery = 1
		if maxSteps < math.MaxInt32 {
			logEvery = max(1, (maxSteps+999)/1000)
			if !full && s.TrainLoss != "batch" {
				// Each row evaluates the loss on all training data: keep it to ~200 rows.
				logEvery = max(1, (maxSteps+199)/200)
			}
		} else {
			logEvery = 10
		}
	}
	if evalEvery == 0 {
		evalEvery = logEvery
		if maxSteps < math.MaxInt32 {
			evalEvery = max(logEvery, ((maxSteps+49)/50+logEvery-1)/logEvery*logEvery)
		}
	}
	if r.Opt.FullBatchOnly() {
		return runLineSearch(ctx, b, r, res, gctx, train, val, test, evaluate, logEvery, evalEvery, opts)
	}

	var optStats optim.Stats
	stepFn := func(ctx *mlctx.Scope, x, y *graph.Node) []*graph.Node {
		loss := model.Loss(ctx, model.Forward(ctx, x), y)
		optStats = r.Opt.UpdateGraphWithStats(ctx, x.Graph(), loss)
		outs := []*graph.Node{loss, optStats.GradNorm, optStats.UpdateNorm, graph.ConvertDType(optStats.LR, loss.DType())}
		if s.LayerNorms {
			outs = append(outs, layerNorms(model.LayerNames(), optStats)...)
		}
		return outs
	}
	var stepExec *mlctx.Exec
	if full {
		stepExec, err = mlctx.NewExec(b, gctx.Store(), stepFn)
	} else {
		stepExec, err = mlctx.NewExec(b, gctx.Store(), func(ctx *mlctx.Scope, xAll, yAll, idx *graph.Node) []*graph.Node {
			idx2 := graph.InsertAxes(idx, -1)
			return stepFn(ctx, graph.Gather(xAll, idx2), graph.Gather(yAll, idx2))
		})
	}
	if err != nil {
		return nil, err
	}
	defer stepExec.Finalize()

	nanRow := func(k int) Record {
		nan := math.NaN()
		return Record{Step: k, Epoch: batcher.Epochs(), Examples: batcher.Examples(), GradEvals: int64(k), LR: nan,
			TrainLoss: nan, GradNorm: nan, UpdateNorm: nan, ValLoss: nan, ValMetric: nan, TestLoss: nan, TestMetric: nan}
	}
	var wall time.Duration
	var pending *Record // row k waits for step k+1, which measures loss and gradient at θ_k
	lossThreshold := math.Inf(1)
	batchLossSum, batchLossN := 0.0, 0
	prog := newProgress(opts, maxSteps, s)
	status, detail := StatusBudget, ""
	k := 0
	row0 := nanRow(0)
	if !full {
		row0.TrainLoss, _ = evaluate(train)
	}
	pending = &row0
	lastLR, lastUnorm := math.NaN(), math.NaN()
	for ; ; k++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("run interrupted: %w", err)
		}
		if k >= maxSteps || (s.Seconds > 0 && wall.Seconds() >= s.Seconds) {
			break
		}
		// Row k's validation and test columns describe θ_k: evaluate them
		// before the update (its training loss and gradient come from the
		// step itself). Outside the timed region.
		if pending != nil && pending.Step == k && k%evalEvery == 0 {
			pending.ValLoss, pending.ValMetric = evaluate(val)
			pending.TestLoss, pending.TestMetric = evaluate(test)
		}
		// One update: k → k+1.
		var idxT *tensors.Tensor
		var args []any
		start := time.Now()
		if full {
			batcher.Next()
			args = []any{train.x, train.y}
		} else {
			idx := batcher.Next()
			i32 := make([]int32, len(idx))
			for i, v := range idx {
				i32[i] = int32(v)
			}
			idxT = tensors.FromFlatDataAndDimensions(i32, len(i32))
			args = []any{train.x, train.y, idxT}
		}
		outs, err := stepExec.Exec(args...)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", k+1, err)
		}
		loss, gnorm, unorm, lr := scalar(outs[0]), scalar(outs[1]), scalar(outs[2]), scalar(outs[3])
		var layers []float64
		for _, t := range outs[4:] {
			layers = append(layers, scalar(t))
		}
		finalize(outs)
		wall += time.Since(start)
		lastLR, lastUnorm = lr, unorm
		// The step measured the loss and gradient at θ_k: complete row k.
		if pending != nil && pending.Step == k {
			if full {
				pending.TrainLoss = loss
			}
			pending.GradNorm = gnorm
			pending.LR = lr
			pending.LayerGradNorms = layers
			res.History = append(res.History, *pending)
			pending = nil
		}
		if k == 0 {
			lossThreshold = s.BlowUp * math.Max(math.Abs(loss), 1)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) || math.IsNaN(gnorm) || math.IsInf(gnorm, 0) || loss > lossThreshold || math.IsNaN(unorm) || math.IsInf(unorm, 0) {
			status = StatusDiverged
			at := k
			if !(math.IsNaN(loss) || math.IsInf(loss, 0) || loss > lossThreshold) {
				at = k + 1 // the update itself produced non-finite parameters
			}
			res.DivergedAt = &at
			detail = fmt.Sprintf("loss %g, gradient norm %g at step %d (blow-up threshold %g)", loss, gnorm, k, lossThreshold)
			if len(res.History) == 0 || res.History[len(res.History)-1].Step != k {
				row := nanRow(k)
				row.TrainLoss, row.GradNorm = loss, gnorm
				res.History = append(res.History, row)
			}
			break
		}
		if s.GradTol > 0 && full && gnorm <= s.GradTol {
			status, detail = StatusConverged, fmt.Sprintf("gradient norm %g ≤ grad_tol %g at step %d", gnorm, s.GradTol, k)
			break
		}
		if s.TargetLoss != nil && full && loss <= *s.TargetLoss {
			status, detail = StatusConverged, fmt.Sprintf("training loss %g ≤ target %g at step %d", loss, *s.TargetLoss, k)
			break
		}
		batchLossSum += loss
		batchLossN++
		kk := k + 1
		if kk%logEvery == 0 || kk == maxSteps {
			row := nanRow(kk)
			row.UpdateNorm = unorm
			row.LR = lr
			row.WallS = wall.Seconds()
			if !full {
				if s.TrainLoss == "batch" {
					row.TrainLoss = batchLossSum / float64(batchLossN)
				} else {
					row.TrainLoss, _ = evaluate(train)
				}
				batchLossSum, batchLossN = 0, 0
			}
			pending = &row
			if !full && s.TargetLoss != nil && s.TrainLoss != "batch" && row.TrainLoss <= *s.TargetLoss {
				status, detail = StatusConverged, fmt.Sprintf("training loss %g ≤ target %g at step %d", row.TrainLoss, *s.TargetLoss, kk)
				k = kk
				break
			}
			if s.TargetMetric != nil && val != nil && kk%evalEvery == 0 {
				_, vm := evaluate(val)
				if vm >= *s.TargetMetric {
					row.ValMetric = vm
					status, detail = StatusConverged, fmt.Sprintf("validation %s %g ≥ target %g at step %d", res.Metric, vm, *s.TargetMetric, kk)
					k = kk
					break
				}
			}
		}
		prog.update(kk, loss, wall)
	}
	// A time budget can stop between logged rows: log the final parameters.
	if pending == nil && status == StatusBudget && (len(res.History) == 0 || res.History[len(res.History)-1].Step != k) {
		row := nanRow(k)
		row.LR, row.UpdateNorm, row.WallS = lastLR, lastUnorm, wall.Seconds()
		if !full {
			row.TrainLoss, _ = evaluate(train)
		}
		pending = &row
	}
	// Complete the last pending row: loss and gradient at the final parameters.
	if pending != nil && status != StatusDiverged {
		l, gn := gradNorm(gradNormExec, train)
		if full || s.TrainLoss == "full" {
			pending.TrainLoss = l
		}
		if full {
			pending.GradNorm = gn
		}
		pending.ValLoss, pending.ValMetric = evaluate(val)
		pending.TestLoss, pending.TestMetric = evaluate(test)
		if math.IsNaN(pending.LR) {
			pending.LR = r.Opt.LRAt(max(pending.Step-1, 0))
		}
		res.History = append(res.History, *pending)
	}
	prog.done()
	res.Status, res.StatusDetail = status, detail
	res.Steps = k
	if res.Steps > maxSteps {
		res.Steps = maxSteps
	}
	res.End = time.Now().UTC()
	fillFinal(res)
	return res, nil
}

func gradNorm(e *mlctx.Exec, train *device) (float64, float64) {
	outs, err := e.Exec(train.x, train.y)
	if err != nil {
		panic(err)
	}
	defer finalize(outs)
	return scalar(outs[0]), scalar(outs[1])
}

// layerNorms groups per-variable gradient norms by layer scope.
func layerNorms(layers []string, st optim.Stats) []*graph.Node {
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

// fillFinal copies the last measured values into Result.Final.
func fillFinal(res *Result) {
	if len(res.History) == 0 {
		return
	}
	last := res.History[len(res.History)-1]
	res.Final["train_loss"] = last.TrainLoss
	res.Final["wall_s"] = last.WallS
	res.Final["epoch"] = last.Epoch
	res.Final["grad_evals"] = float64(last.GradEvals)
	for i := len(res.History) - 1; i >= 0; i-- {
		h := res.History[i]
		if !math.IsNaN(h.ValLoss) || !math.IsNaN(h.TestLoss) {
			res.Final["val_loss"], res.Final["val_metric"] = h.ValLoss, h.ValMetric
			res.Final["test_loss"], res.Final["test_metric"] = h.TestLoss, h.TestMetric
			break
		}
	}
	// Best validation values along the run (for early-stopping comparisons).
	best := math.Inf(-1)
	for _, h := range res.History {
		if !math.IsNaN(h.ValMetric) && h.ValMetric > best {
			best = h.ValMetric
		}
	}
	if !math.IsInf(best, -1) {
		res.Final["best_val_metric"] = best
	}
}
