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
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
)

// Record is one logged row of a run's history (see train.Record).
type Record = train.Record

// Result is a finished run: its resolved spec, status, environment and history.
type Result struct {
	// Format is the ResultFormat of the bgdlab that wrote the run; sweeps
	// redo finished runs written in another format.
	Format int  `json:"format"`
	Spec   Spec `json:"spec"`
	// SpecSHA256 is the hash of Spec as written (SpecHash), so that a run.json
	// edited by hand, or pieced together, is not trusted.
	SpecSHA256   string       `json:"spec_sha256,omitempty"`
	Status       optim.Status `json:"status"`
	StatusDetail string       `json:"status_detail,omitempty"`
	DivergedAt   *int         `json:"diverged_at,omitempty"`
	// Divergence explains a diverged run (nil otherwise).
	Divergence  *Divergence       `json:"divergence,omitempty"`
	Steps       int               `json:"steps"`
	Backend     string            `json:"backend"`
	Devices     []string          `json:"devices"`
	Versions    map[string]string `json:"versions"`
	Start       time.Time         `json:"start"`
	End         time.Time         `json:"end"`
	TrainLossIs string            `json:"train_loss_is"`
	Metric      string            `json:"metric"`
	Params      int               `json:"params"`
	Examples    map[string]int    `json:"examples"`
	Layers      []string          `json:"layers,omitempty"`
	DataInfo    Floats            `json:"data_info,omitempty"`
	// DataSHA256 is data.Fingerprint of the data set when it is read from
	// files (a CSV, Fashion-MNIST): a resumed sweep or a cached lab run whose
	// files changed since is redone.
	DataSHA256 string `json:"data_sha256,omitempty"`
	Optimizer  Floats `json:"optimizer_params"`
	Final      Final  `json:"final"`
	// FullBatchChunk is the chunk a full-batch step was summed over (0: the
	// whole training split at once).
	FullBatchChunk int `json:"full_batch_chunk,omitempty"`
	// TestPredictions is the predicted class of each test example at the
	// end of training, in the test split's order (Spec.KeepPredictions).
	TestPredictions []int `json:"test_predictions,omitempty"`
	// Sharpness is λmax along the run (Spec.SharpnessEvery).
	Sharpness []SharpnessPoint `json:"sharpness,omitempty"`
	History   []Record         `json:"-"`
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
	// Cache, if set, lends the run a trainer compiled for an earlier run of
	// the same model, data shapes and optimizer graph (train.Cache); nil
	// compiles the run's own.
	Cache *train.Cache
}

var dataCache sync.Map // spec text → data.Splits

// LoadData loads data set c once per process: runs, curvature measurements
// and studies that load the same configuration share one copy.
func LoadData(c data.Config) (data.Splits, error) {
	if err := c.Validate(); err != nil {
		return data.Splits{}, err
	}
	key := c.String()
	if v, ok := dataCache.Load(key); ok {
		return v.(data.Splits), nil
	}
	sp, err := c.Load()
	if err != nil {
		return sp, err
	}
	dataCache.Store(key, sp)
	return sp, nil
}

// ownBackend returns b, or a backend of its own (backend.New) when b is nil,
// with the function that releases what it opened.
func ownBackend(b compute.Backend) (compute.Backend, func(), error) {
	if b != nil {
		return b, func() {}, nil
	}
	b, _, err := backend.New()
	if err != nil {
		return nil, nil, err
	}
	return b, b.Finalize, nil
}

// Run executes one run on backend b (nil: backend.New()). Divergence is a
// status, not an error; errors are for bad specs and failures.
func Run(ctx context.Context, b compute.Backend, s Spec, opts Options) (res *Result, err error) {
	r, err := Resolve(s)
	if err != nil {
		return nil, err
	}
	if b == nil {
		opts.Cache = nil // the backend ends with the run: nothing to lend later
	}
	b, release, err := ownBackend(b)
	if err != nil {
		return nil, err
	}
	defer release()
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
	res := newResult(b, r)
	batcher, err := data.NewBatcher(r.Regime, r.Splits.Train.N, s.Seed)
	if err != nil {
		return nil, err
	}
	full := batcher.Full()
	res.TrainLossIs = "full training loss at each logged row"
	if !full && s.TrainLoss == "batch" {
		res.TrainLossIs = "running average of mini-batch losses since the previous row (row 0: the first mini-batch's loss at the initial parameters)"
	}
	tr, release, err := opts.Cache.Trainer(b, r.Model, dt, s.Seed, s.Init)
	if err != nil {
		return nil, err
	}
	defer release()
	sp, chunked, err := uploadSplits(b, r, dt, full)
	if err != nil {
		return nil, err
	}
	res.FullBatchChunk = chunked
	prog := newProgress(opts, r.MaxSteps, s)
	loop := loopOf(r, full, prog.update)
	if loop.Observe, err = sharpnessObserver(tr, sp.Train, r, res); err != nil {
		return nil, err
	}
	out, err := tr.Run(ctx, r.Opt, batcher, sp, loop)
	prog.done()
	if err != nil {
		return nil, err
	}
	res.History, res.Status, res.StatusDetail, res.DivergedAt, res.Steps = out.History, out.Status, out.Detail, out.DivergedAt, out.Steps
	if s.KeepPredictions && sp.Test != nil && r.Splits.Train.Classes > 2 {
		if res.TestPredictions, err = tr.PredictClasses(sp.Test); err != nil {
			return nil, err
		}
	}
	res.End = time.Now().UTC()
	if res.DivergedAt != nil {
		if res.Divergence, err = explainDivergence(ctx, b, r, dt, *res.DivergedAt); err != nil {
			return nil, fmt.Errorf("explaining the divergence: %w", err)
		}
	}
	fillFinal(res)
	return res, nil
}

// newResult starts the record of a run: spec, environment, sizes.
func newResult(b compute.Backend, r *Resolved) *Result {
	res := &Result{Format: ResultFormat, Spec: r.Spec, Backend: b.Description(), Versions: backend.Versions(), Start: time.Now().UTC(),
		Metric: r.Model.MetricName(), Params: r.Model.ParamCount(), DataInfo: r.Splits.Info,
		Optimizer: r.Opt.Params(), Final: NaNFinal(), Examples: map[string]int{"train": r.Splits.Train.N}}
	for i := 0; i < b.NumDevices(); i++ {
		res.Devices = append(res.Devices, b.DeviceDescription(compute.DeviceNum(i)))
	}
	res.DataSHA256, _ = dataFingerprint(r.Spec.Data)
	if r.Splits.Val != nil {
		res.Examples["val"] = r.Splits.Val.N
	}
	if r.Splits.Test != nil {
		res.Examples["test"] = r.Splits.Test.N
	}
	if r.Spec.LayerNorms {
		res.Layers = r.Model.LayerNames()
	}
	return res
}

// uploadSplits puts the splits on the backend, evaluated in chunks of
// evalChunk examples; the training split as uploadTrain does. It returns the
// full-batch chunk (0: not split).
func uploadSplits(b compute.Backend, r *Resolved, dt dtypes.DType, full bool) (train.Splits, int, error) {
	var sp train.Splits
	var split int
	var err error
	if sp.Train, split, err = uploadTrain(b, r, dt, full); err != nil {
		return sp, 0, err
	}
	chunk := evalChunk(r)
	if sp.Val, err = train.Upload(b, r.Splits.Val, dt, chunk, false); err != nil {
		return sp, 0, err
	}
	sp.Test, err = train.Upload(b, r.Splits.Test, dt, chunk, false)
	return sp, split, err
}

// evalChunk is how many examples an evaluation processes at once: 16 384,
// or 2 048 for the CNN, whose patches are large.
func evalChunk(r *Resolved) int {
	if r.Model.Kind == "cnn" {
		return 2048
	}
	return 16384
}

// uploadTrain puts the training split on the backend. A full batch whose
// activations exceed the memory budget (or Spec.Chunk) is uploaded in chunks
// only, and the chunk is returned; otherwise the split goes up whole (and in
// evaluation chunks) and the chunk is 0.
func uploadTrain(b compute.Backend, r *Resolved, dt dtypes.DType, full bool) (*train.Data, int, error) {
	n, split := r.Splits.Train.N, 0
	if full {
		switch c := r.Spec.Chunk; {
		case c > 0 && c < n:
			split = c
		case c == 0:
			if auto := train.ChunkFor(n, r.Model.ActivationsPerExample(), dt, train.DefaultMemoryBudget); auto < n {
				split = auto
			}
		}
	}
	if split > 0 {
		d, err := train.Upload(b, r.Splits.Train, dt, split, false)
		return d, split, err
	}
	d, err := train.Upload(b, r.Splits.Train, dt, evalChunk(r), true)
	return d, 0, err
}

// loopOf turns the spec's budget, targets and logging into the loop's rules:
// by default at most 1000 logged rows (200 when each row evaluates the full
// training loss of a mini-batch run) and about 50 evaluations.
func loopOf(r *Resolved, full bool, progress func(int, float64, time.Duration)) train.Loop {
	s := r.Spec
	maxSteps := r.MaxSteps
	logEvery, evalEvery := s.LogEvery, s.EvalEvery
	if logEvery == 0 {
		logEvery = 10
		if maxSteps < math.MaxInt32 {
			logEvery = max(1, (maxSteps+999)/1000)
			if !full && s.TrainLoss != "batch" {
				logEvery = max(1, (maxSteps+199)/200)
			}
		}
	}
	if evalEvery == 0 {
		evalEvery = logEvery
		if maxSteps < math.MaxInt32 {
			evalEvery = max(logEvery, ((maxSteps+49)/50+logEvery-1)/logEvery*logEvery)
		}
	}
	return train.Loop{Steps: maxSteps, Seconds: s.Seconds, GradEvals: s.GradEvals, GradTol: s.GradTol,
		TargetLoss: s.TargetLoss, TargetMetric: s.TargetMetric, BlowUp: s.BlowUp, LogEvery: logEvery, EvalEvery: evalEvery, TestAtEnd: s.TestAtEnd,
		BatchLoss: s.TrainLoss == "batch", LayerNorms: s.LayerNorms, Progress: progress, ObserveEvery: s.SharpnessEvery}
}

// fillFinal copies the last measured values into Result.Final.
func fillFinal(res *Result) {
	if len(res.History) == 0 {
		return
	}
	last := res.History[len(res.History)-1]
	f := &res.Final
	f.TrainLoss, f.WallS, f.Epoch, f.GradEvals = last.TrainLoss, last.WallS, last.Epoch, float64(last.GradEvals)
	for i := len(res.History) - 1; i >= 0; i-- {
		h := res.History[i]
		if !math.IsNaN(h.ValLoss) || !math.IsNaN(h.TestLoss) {
			f.ValLoss, f.ValMetric, f.TestLoss, f.TestMetric = h.ValLoss, h.ValMetric, h.TestLoss, h.TestMetric
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
		f.BestValMetric = best
	}
}
