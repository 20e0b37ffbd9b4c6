// Package experiment runs one reproducible training run: a Spec (data,
// model, optimizer, schedule, batch regime, budget, seed) becomes a Run with
// a History of logged steps, written as run.json and history.csv and reused
// when it is finished and its spec and data are unchanged (Reusable); a
// diverged run is explained (which layer blew up, η·λmax). Sweeps of runs
// live in pkg/sweep.
package experiment

import (
	"fmt"
	"math"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

// Spec is everything that defines a run, as typed values: the data set,
// model and optimizer configurations, the schedule and the batch regime, the
// budget and the measurement settings. The zero value of each optional field
// means its default (see Resolve). In run.json and sweep configs its data,
// model, optimizer, schedule and batch are written in the name:key=value
// grammar (MarshalJSON, SetPart, spectext.go); Go code builds the types.
type Spec struct {
	Data      data.Config   `json:"-" yaml:"-"`
	Model     models.Config `json:"-" yaml:"-"`
	Optimizer optim.Config  `json:"-" yaml:"-"`
	// Schedule scales the learning rate (zero Kind: constant).
	Schedule optim.Schedule `json:"-" yaml:"-"`
	// Batch is the batch regime (zero Kind: full batch).
	Batch data.Regime `json:"-" yaml:"-"`
	// Budget: the run stops at the first limit reached; at least one is required.
	Steps     int     `json:"steps,omitempty" yaml:"steps,omitempty"`
	Epochs    float64 `json:"epochs,omitempty" yaml:"epochs,omitempty"`
	Seconds   float64 `json:"seconds,omitempty" yaml:"seconds,omitempty"`
	GradEvals int     `json:"grad_evals,omitempty" yaml:"grad_evals,omitempty"`
	Seed      uint64  `json:"seed" yaml:"seed"`
	// DType is "float32" (default) or "float64".
	DType string `json:"dtype,omitempty" yaml:"dtype,omitempty"`
	// Init overrides the model's initialization: zeros, normal, glorot, he.
	Init string `json:"init,omitempty" yaml:"init,omitempty"`
	// LogEvery logs a history row every so many steps (default: at most 1000
	// rows per run); EvalEvery evaluates validation/test data every so many
	// steps (default: about 50 evaluations, a multiple of LogEvery).
	LogEvery  int `json:"log_every,omitempty" yaml:"log_every,omitempty"`
	EvalEvery int `json:"eval_every,omitempty" yaml:"eval_every,omitempty"`
	// TestAtEnd measures the test data only on the final row (the
	// validation data is still measured every EvalEvery steps): the test set
	// stays a final exam, and evaluation costs less.
	TestAtEnd bool `json:"test_at_end,omitempty" yaml:"test_at_end,omitempty"`
	// TargetLoss / TargetMetric, when set, stop the run as "converged" once
	// the (full) training loss falls to TargetLoss or the validation metric
	// reaches TargetMetric. Nil means no target.
	TargetLoss   *float64 `json:"target_loss,omitempty" yaml:"target_loss,omitempty"`
	TargetMetric *float64 `json:"target_metric,omitempty" yaml:"target_metric,omitempty"`
	// GradTol stops the run as "converged" when the full-batch gradient norm
	// falls to it (0: off).
	GradTol float64 `json:"grad_tol,omitempty" yaml:"grad_tol,omitempty"`
	// BlowUp declares divergence when the training loss exceeds BlowUp ×
	// max(initial loss, 1) (default 1e6), besides NaN/Inf.
	BlowUp float64 `json:"blow_up,omitempty" yaml:"blow_up,omitempty"`
	// TrainLoss is "full" (default: the loss on all training data at each
	// logged row) or "batch" (the running average of mini-batch losses since
	// the previous row, cheaper).
	TrainLoss string `json:"train_loss,omitempty" yaml:"train_loss,omitempty"`
	// LayerNorms logs per-layer gradient norms in the history (deep models).
	LayerNorms bool `json:"layer_norms,omitempty" yaml:"layer_norms,omitempty"`
	// Chunk splits a full-batch step into chunks of this many examples whose
	// gradients are summed before one update (the same step up to rounding,
	// with memory set by the chunk): 0 chooses from train.DefaultMemoryBudget
	// and the model's activations per example, -1 never splits.
	Chunk int `json:"chunk,omitempty" yaml:"chunk,omitempty"`
	// KeepPredictions records the predicted class of every test example
	// (classifiers of three or more classes) in run.json's test_predictions, for confusion
	// matrices and pictures of the mistakes.
	KeepPredictions bool `json:"keep_predictions,omitempty" yaml:"keep_predictions,omitempty"`
	// SharpnessEvery measures λmax of the training-loss Hessian (20 Lanczos
	// iterations on exact Hessian-vector products over the whole training
	// split, the start vector seeded by the step) before update k for every
	// multiple k of it, into run.json's sharpness (0: off). Full-batch runs
	// whose training split is not chunked only.
	SharpnessEvery int `json:"sharpness_every,omitempty" yaml:"sharpness_every,omitempty"`
}

// Resolved is a Spec with its parsed parts and defaults filled in.
type Resolved struct {
	Spec
	Splits   data.Splits
	Model    *models.Model
	Opt      *optim.Optimizer
	Regime   data.Regime
	MaxSteps int
}

// Validate checks the spec without loading data.
func (s Spec) Validate() error {
	if s.Data == nil {
		return fmt.Errorf("spec: data is required (e.g. --data synthetic-linear:kappa=100)")
	}
	if s.Model == nil {
		return fmt.Errorf("spec: model is required (e.g. --model linear)")
	}
	if s.Optimizer == nil {
		return fmt.Errorf("spec: optimizer is required (e.g. --optimizer gd:lr=0.1)")
	}
	if s.Steps < 0 || s.Epochs < 0 || s.Seconds < 0 || s.GradEvals < 0 || math.IsNaN(s.Epochs) || math.IsNaN(s.Seconds) {
		return fmt.Errorf("spec: budgets must be ≥ 0 (steps=%d, epochs=%v, seconds=%v, grad_evals=%d)", s.Steps, s.Epochs, s.Seconds, s.GradEvals)
	}
	if s.Steps == 0 && s.Epochs == 0 && s.Seconds == 0 && s.GradEvals == 0 {
		return fmt.Errorf("spec: no budget: set steps, epochs, seconds or grad_evals")
	}
	if err := s.checkBudgetBounds(); err != nil {
		return err
	}
	if s.TargetLoss != nil && (math.IsNaN(*s.TargetLoss) || math.IsInf(*s.TargetLoss, 0)) {
		return fmt.Errorf("spec: target_loss=%v must be a finite number (--target-loss)", *s.TargetLoss)
	}
	switch s.DType {
	case "", "float32", "float64":
	default:
		return fmt.Errorf("spec: dtype=%q must be float32 or float64", s.DType)
	}
	switch s.Init {
	case "", "zeros", "normal", "glorot", "he":
	default:
		return fmt.Errorf("spec: init=%q must be zeros, normal, glorot or he", s.Init)
	}
	switch s.TrainLoss {
	case "", "full", "batch":
	default:
		return fmt.Errorf("spec: train_loss=%q must be full or batch", s.TrainLoss)
	}
	if s.Chunk < -1 {
		return fmt.Errorf("spec: chunk=%d: use a chunk size ≥ 1, 0 (chosen from the memory budget) or -1 (never split)", s.Chunk)
	}
	if s.LogEvery < 0 || s.EvalEvery < 0 || s.BlowUp < 0 || s.GradTol < 0 || s.SharpnessEvery < 0 {
		return fmt.Errorf("spec: log_every, eval_every, blow_up, grad_tol and sharpness_every must be ≥ 0")
	}
	return nil
}

// WithDefaults returns s with defaults made explicit (dtype, batch, blow-up
// factor, train-loss mode), for run records.
func (s Spec) WithDefaults() Spec {
	if s.DType == "" {
		s.DType = "float32"
	}
	if s.Batch.Kind == "" {
		s.Batch = data.FullBatch
	}
	if s.BlowUp == 0 {
		s.BlowUp = optim.DefaultBlowUp
	}
	if s.TrainLoss == "" {
		s.TrainLoss = "full"
	}
	return s
}

// Resolve parses every part of the spec and loads the data (cached across
// calls in the process), returning clear errors naming the bad part.
func Resolve(s Spec) (*Resolved, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.WithDefaults()
	r := &Resolved{Spec: s, Regime: s.Batch}
	var err error
	if r.Opt, err = optim.New(s.Optimizer); err != nil {
		return nil, err
	}
	if s.Schedule.Kind != "" {
		if err := s.Schedule.Validate(); err != nil {
			return nil, err
		}
		r.Opt = r.Opt.WithSchedule(s.Schedule)
	}
	if err := r.Regime.Validate(); err != nil {
		return nil, err
	}
	if r.Opt.FullBatchOnly() && r.Regime.Kind != "full" {
		return nil, fmt.Errorf("optimizer %s: %w", r.Opt.Method(), optim.ErrNotFullBatch)
	}
	if s.SharpnessEvery > 0 && (r.Regime.Kind != "full" || r.Opt.FullBatchOnly()) {
		return nil, fmt.Errorf("spec: sharpness_every=%d measures λmax along a full-batch first-order run: use batch full and a first-order optimizer (not %s with batch %s)", s.SharpnessEvery, r.Opt.Method(), s.Batch.String())
	}
	if r.Model, err = models.New(s.Model); err != nil {
		return nil, err
	}
	if r.Splits, err = LoadData(s.Data); err != nil {
		return nil, err
	}
	if err := r.Model.Bind(r.Splits.Train); err != nil {
		return nil, err
	}
	batcher, err := data.NewBatcher(r.Regime, r.Splits.Train.N, s.Seed)
	if err != nil {
		return nil, err
	}
	r.MaxSteps = math.MaxInt32
	if s.Steps > 0 {
		r.MaxSteps = s.Steps
	}
	if s.Epochs > 0 {
		r.MaxSteps = min(r.MaxSteps, int(math.Ceil(s.Epochs*float64(batcher.StepsPerEpoch()))))
	}
	if s.GradEvals > 0 && !r.Opt.FullBatchOnly() {
		r.MaxSteps = min(r.MaxSteps, s.GradEvals)
	}
	return r, nil
}

// Name is a short label for the run: optimizer spec, batch, seed.
func (s Spec) Name() string {
	opt := ""
	if s.Optimizer != nil {
		opt = s.Optimizer.String()
	}
	return strings.Join([]string{opt, "batch=" + s.WithDefaults().Batch.String(), fmt.Sprintf("seed=%d", s.Seed)}, " ")
}

// Budget limits: beyond them a budget is a typo, and step counts computed
// from it would overflow.
const (
	MaxSteps   = 1_000_000_000_000 // steps and grad_evals
	MaxEpochs  = 1_000_000
	MaxSeconds = 366 * 24 * 3600 // a year
)

// checkBudgetBounds refuses infinite or absurd budgets, naming the field.
func (s Spec) checkBudgetBounds() error {
	switch {
	case math.IsInf(s.Epochs, 0) || s.Epochs > MaxEpochs:
		return fmt.Errorf("spec: epochs=%v must be finite and ≤ %d", s.Epochs, MaxEpochs)
	case math.IsInf(s.Seconds, 0) || s.Seconds > MaxSeconds:
		return fmt.Errorf("spec: seconds=%v must be finite and ≤ %d (a year)", s.Seconds, MaxSeconds)
	case s.Steps > MaxSteps:
		return fmt.Errorf("spec: steps=%d must be ≤ %d", s.Steps, MaxSteps)
	case s.GradEvals > MaxSteps:
		return fmt.Errorf("spec: grad_evals=%d must be ≤ %d", s.GradEvals, MaxSteps)
	}
	return nil
}
