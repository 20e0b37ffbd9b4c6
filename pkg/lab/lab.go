// Package lab is what a notebook cell calls: run a typed experiment (cached
// between cells, since every GoNB cell is a new process), read the exact
// curvature of a least-squares problem, check a claim, show a figure.
//
//	res := lab.MustRun(data.Textbook{}, models.Linear{}, optim.GD{LR: 0.01}, lab.Steps(1000))
//	lab.Check(res.Last().TrainLoss < 1e-3, "GD fits the five points")
//
// Nothing here builds a spec string by hand: the typed configurations print
// themselves (String) and the experiment runner parses them back.
package lab

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/stats"
	"github.com/bgdlab/bgdlab/pkg/studies"
	"github.com/bgdlab/bgdlab/pkg/theory"
	"github.com/gomlx/compute"
	"gonum.org/v1/plot"
)

// OutEnv names the folder where the report's notebooks keep figures and
// cached runs; without it the cache lives in the system's temporary folder.
const OutEnv = "BGDLAB_OUT"

// Budget is how long a run may train: the first limit reached stops it.
type Budget struct {
	// Steps bounds the updates; Epochs the passes over the training data.
	Steps  int
	Epochs float64
}

// Steps is a budget of n updates.
func Steps(n int) Budget { return Budget{Steps: n} }

// Epochs is a budget of n passes over the training data.
func Epochs(n float64) Budget { return Budget{Epochs: n} }

// Option adjusts a run; the defaults are full batches, float64, the model's
// own initialization and the full training loss on every logged row.
type Option func(*experiment.Spec)

// Batch trains on mini-batches of n examples, each epoch a permutation;
// n ≤ 0 means full batches (the default).
func Batch(n int) Option {
	return func(s *experiment.Spec) {
		s.Batch = data.FullBatch
		if n > 0 {
			s.Batch = data.MiniBatch(n)
		}
	}
}

// BatchWithReplacement trains on mini-batches of n examples drawn with
// replacement (the setting of SGD's noise-floor theory).
func BatchWithReplacement(n int) Option {
	return func(s *experiment.Spec) { s.Batch = data.Regime{Kind: "mini", Size: n, Replacement: true} }
}

// Float32 computes in float32 instead of float64.
func Float32() Option { return func(s *experiment.Spec) { s.DType = "float32" } }

// LogEvery logs a history row every k steps.
func LogEvery(k int) Option { return func(s *experiment.Spec) { s.LogEvery = k } }

// BatchTrainLoss logs the running average of the mini-batch losses as the
// training loss instead of evaluating the loss on all training data at every
// logged row: much cheaper for large models (a CNN), noisier.
func BatchTrainLoss() Option { return func(s *experiment.Spec) { s.TrainLoss = "batch" } }

// TargetLoss stops the run as converged once the full training loss falls
// to target.
func TargetLoss(target float64) Option {
	return func(s *experiment.Spec) { s.TargetLoss = &target }
}

// Seed sets the run's seed (initialization and batch order). Default 0.
func Seed(seed uint64) Option { return func(s *experiment.Spec) { s.Seed = seed } }

// Spec returns the experiment a Run of these arguments performs.
func Spec(d data.Config, m models.Config, o optim.Config, b Budget, opts ...Option) experiment.Spec {
	s := experiment.Spec{Data: d, Model: m, Optimizer: o, Batch: data.FullBatch,
		Steps: b.Steps, Epochs: b.Epochs, DType: "float64", TrainLoss: "full"}
	for _, opt := range opts {
		opt(&s)
	}
	return s
}

// Run trains model m on data d with optimizer o until budget b, or returns
// the stored result of the same experiment from an earlier cell.
func Run(d data.Config, m models.Config, o optim.Config, b Budget, opts ...Option) (*experiment.Result, error) {
	for _, c := range []interface{ Validate() error }{d, m, o} {
		if err := c.Validate(); err != nil {
			return nil, err
		}
	}
	be, err := Backend()
	if err != nil {
		return nil, err
	}
	return experiment.Cached(CacheDir(), be, Spec(d, m, o, b, opts...))
}

// MustRun is Run for notebook cells: it panics on error, which fails the cell.
func MustRun(d data.Config, m models.Config, o optim.Config, b Budget, opts ...Option) *experiment.Result {
	res, err := Run(d, m, o, b, opts...)
	if err != nil {
		panic(err)
	}
	return res
}

var (
	backendOnce sync.Once
	backendVal  compute.Backend
	backendErr  error
)

// Backend opens the backend once per process (BGDLAB_BACKEND chooses, the
// embedded pure-Go backend by default) and returns it on every later call.
func Backend() (compute.Backend, error) {
	backendOnce.Do(func() { backendVal, _, backendErr = backend.New() })
	return backendVal, backendErr
}

// CacheDir is where runs are kept between cells: $BGDLAB_OUT/cache/lab, else
// a folder in the system's temporary folder. Runs are named by a hash of
// their full experiment, so notebooks can share it.
func CacheDir() string {
	if out := os.Getenv(OutEnv); out != "" {
		return filepath.Join(out, "cache", "lab")
	}
	return filepath.Join(os.TempDir(), "bgdlab-cache", "lab")
}

// StudyEnv is where notebook cells run the report's studies (studies.Rates,
// studies.NoiseFloors, …): the lab's backend, results kept under
// CacheDir()/studies and reused by later cells.
func StudyEnv() *studies.Env {
	b, err := Backend()
	if err != nil {
		panic(err)
	}
	return &studies.Env{Backend: b, Ctx: context.Background(), Results: filepath.Join(CacheDir(), "studies")}
}

// LeastSquares returns the exact curvature (L, μ, κ of the MSE's Hessian) of
// a regression data set's training split and the least-squares optimum f*.
func LeastSquares(d data.Config) (theory.Curvature, float64, error) {
	return experiment.LeastSquaresFacts(d)
}

// NoiseFloor predicts the plateau E[f − f*] of constant-step SGD with step
// alpha and batches of batch examples drawn with replacement (gaussian adds
// the multiplicative-noise correction for Gaussian features).
func NoiseFloor(d data.Config, alpha float64, batch int, gaussian bool) (float64, error) {
	return experiment.NoiseFloor(d, alpha, batch, gaussian)
}

// Check is a self-checking cell's assertion: it prints "check passed: …" or
// panics with "CHECK FAILED: …", which fails the cell and the notebook test.
func Check(ok bool, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !ok {
		panic("CHECK FAILED: " + msg)
	}
	fmt.Println("check passed: " + msg)
}

// Show displays p in the notebook and saves it as name (a .png) among the
// report's figures when $BGDLAB_OUT is set.
func Show(p *plot.Plot, name string) {
	if err := plots.ShowAndSave(p, FigurePaths(name)...); err != nil {
		panic(err)
	}
}

// FigurePaths returns where a notebook saves the figure file name:
// $BGDLAB_OUT/figures when the report or a test runs the notebook, plus
// $BGDLAB_FIGURES when set (only the canonical report run sets it: the
// committed figures/); interactively (neither set) a figures/ folder beside
// the notebook (GoNB's $GONB_DIR), else ./figures — never the checkout's
// committed figures/, which a student's run used to overwrite.
func FigurePaths(name string) []string {
	var paths []string
	if out := os.Getenv(OutEnv); out != "" {
		paths = append(paths, filepath.Join(out, "figures", name))
	}
	if dir := os.Getenv("BGDLAB_FIGURES"); dir != "" {
		paths = append(paths, filepath.Join(dir, name))
	}
	if len(paths) > 0 {
		return paths
	}
	if dir := os.Getenv("GONB_DIR"); dir != "" {
		return []string{filepath.Join(dir, "figures", name)}
	}
	return []string{filepath.Join("figures", name)}
}

// Trajectory follows the optimizer cfg on the 2-D test function f from start
// for steps updates (float64, the lab's backend); it panics on a bad config.
func Trajectory(f data.Function2D, cfg optim.Config, start [2]float64, steps int) experiment.Path {
	b, err := Backend()
	if err != nil {
		panic(err)
	}
	opt, err := optim.New(cfg)
	if err != nil {
		panic(err)
	}
	path, err := experiment.Trajectory2D(b, f, opt, start, steps)
	if err != nil {
		panic(err)
	}
	return path
}

// Tuned is the result of Tune: the tuning protocol's outcome for one method.
type Tuned struct {
	// LR is the tuned learning rate; Best the tuning seed's run at it (its
	// curves show how the rate was chosen).
	LR   float64
	Best *experiment.Result
	// LRs are the learning rates tried on the tuning seed, ascending (the
	// grid and its extensions); Runs their runs, in the same order.
	LRs  []float64
	Runs []*experiment.Result
	// Extended counts the rates Tune added beyond the grid's edges.
	Extended int
	// Reports are LR's runs on the reporting seeds (studies.ReportSeeds),
	// which took no part in tuning: the runs to report. Test is their
	// final test metric, mean ± 95% interval.
	Reports []*experiment.Result
	Test    stats.Summary
}

// MaxExtensions bounds how many rates Tune adds beyond a grid's edges.
const MaxExtensions = studies.MaxExtensions

// Tune runs the report's tuning protocol (studies.TuneThenReport): it trains
// with opt(lr) on the tuning seed (studies.TuneSeed) for each learning rate
// of the ascending, log-spaced grid lrs and keeps the rate with the best
// final validation metric (the lowest validation loss for models without
// one); diverged runs never win. While the best rate is the smallest or the
// largest tried, it extends the grid on that side by the grid's own ratio,
// up to MaxExtensions rates, so a best value on the edge is reported as such
// (OnEdge) only when the limit was reached. The tuned rate is then rerun on
// the reporting seeds (Reports, Test). Seeds given in opts are overridden.
// Every run is cached.
func Tune(d data.Config, m models.Config, opt func(lr float64) optim.Config, lrs []float64, b Budget, opts ...Option) (*Tuned, error) {
	if len(lrs) < 2 {
		return nil, fmt.Errorf("lab.Tune: need a grid of at least two learning rates, got %v", lrs)
	}
	run := func(lr float64, seeds []uint64) ([]*experiment.Result, error) {
		var out []*experiment.Result
		for _, seed := range seeds {
			res, err := Run(d, m, opt(lr), b, append(slices.Clone(opts), Seed(seed))...)
			if err != nil {
				return nil, err
			}
			out = append(out, res)
		}
		return out, nil
	}
	p, err := studies.TuneThenReport(lrs, studies.ReportSeeds(), run, func(r *experiment.Result) (float64, bool) {
		s := score(r)
		return s, !math.IsNaN(s)
	})
	if err != nil {
		return nil, err
	}
	if math.IsNaN(p.LR) {
		return nil, fmt.Errorf("lab.Tune: every learning rate in %v diverged or left no validation score", p.Tried)
	}
	t := &Tuned{LR: p.LR, Best: p.Tuning[p.LR], LRs: p.Tried, Extended: len(p.Tried) - len(lrs), Reports: p.Reports}
	for _, lr := range t.LRs {
		t.Runs = append(t.Runs, p.Tuning[lr])
	}
	var tests []float64
	for _, r := range t.Reports {
		tests = append(tests, r.Last().TestMetric)
	}
	t.Test = stats.Summarize(tests)
	return t, nil
}

// score is the final validation metric, or minus the validation loss.
func score(r *experiment.Result) float64 {
	last := r.Last()
	if math.IsNaN(last.ValMetric) {
		return -last.ValLoss
	}
	return last.ValMetric
}

// OnEdge reports whether the best learning rate is the smallest or the
// largest tried: the true optimum may lie outside them.
func (t *Tuned) OnEdge() bool {
	return len(t.Runs) > 1 && (t.Best == t.Runs[0] || t.Best == t.Runs[len(t.Runs)-1])
}

// LayerNorms logs each layer's gradient norm at every logged row
// (Result.Layers names the layers; Record.LayerGradNorms holds the norms).
func LayerNorms() Option { return func(s *experiment.Spec) { s.LayerNorms = true } }

// Must returns v, and panics on err: for notebook cells calling functions
// that return a value and an error (plots.Images, data.Load, …).
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Must2 is Must for functions that return two values and an error.
func Must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

// LayerGradNorms runs m on d with opt for steps full-batch steps in
// float32, logging every layer's gradient norm about 50 times, and returns
// the layers' names, the norms at each logged row (row 0: at
// initialization) and the rows' steps. Runs are cached.
func LayerGradNorms(d data.Config, m models.Config, opt optim.Config, steps int) (layers []string, norms [][]float64, at []float64) {
	res := MustRun(d, m, opt, Steps(steps), Float32(), LayerNorms(), LogEvery(max(steps/50, 1)))
	for _, h := range res.History {
		norms, at = append(norms, h.LayerGradNorms), append(at, float64(h.Step))
	}
	return res.Layers, norms, at
}
