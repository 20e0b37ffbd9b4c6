package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/bgdlab/bgdlab/internal/outdir"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/sweep"
	"github.com/gomlx/compute"
)

func init() {
	register("run", "train one model with one optimizer and write run.json + history.csv", runRun)
	register("sweep", "run a grid/random sweep × seeds × optimizers (resumable, shardable)", runSweep)
	register("merge", "combine sweep shard folders into one summary.csv/best.csv", runMerge)
	register("optimizers", "list optimizers, their hyperparameters and defaults", runOptimizers)
	register("datasets", "list datasets and their parameters", runDatasets)
	register("models", "list models and their parameters", runModels)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// interruptible returns a context cancelled by Ctrl-C.
func interruptible() (context.Context, func()) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

// session opens the backend (saying once on stderr when it falls back) and a
// context that Ctrl-C cancels; done releases both.
func session(stderr io.Writer) (b compute.Backend, ctx context.Context, done func(), err error) {
	if b, err = openBackend(stderr); err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := interruptible()
	return b, ctx, func() { cancel(); b.Finalize() }, nil
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var s experiment.Spec
	parts := map[string]*string{
		"data":      fs.String("data", "", "dataset SPEC, e.g. synthetic-linear:n=1000,d=20,kappa=100 (see bgdlab datasets)"),
		"model":     fs.String("model", "", "model SPEC, e.g. mlp:hidden=256x128,act=relu (see bgdlab models)"),
		"optimizer": fs.String("optimizer", "", "optimizer SPEC, e.g. adam:lr=1e-3 (see bgdlab optimizers)"),
		"schedule":  fs.String("schedule", "", "learning-rate schedule: constant, step:every=N,gamma=G, exp:gamma=G, inverse:decay=D, cosine:steps=T[,min=M][,warmup=W]"),
		"batch":     fs.String("batch", "full", "batch regime: full, N, stochastic, mini:size=N[,replace=true][,drop_last=true]"),
	}
	fs.IntVar(&s.Steps, "steps", 0, "budget in updates")
	fs.Float64Var(&s.Epochs, "epochs", 0, "budget in epochs")
	fs.Float64Var(&s.Seconds, "seconds", 0, "budget in training seconds")
	fs.IntVar(&s.GradEvals, "grad-evals", 0, "budget in gradient evaluations")
	seed := fs.Uint64("seed", 1, "seed for data splits, initial weights and batch order")
	fs.StringVar(&s.DType, "dtype", "float32", "float32 or float64")
	fs.StringVar(&s.Init, "init", "", "initialization override: zeros, normal, glorot, he")
	fs.IntVar(&s.LogEvery, "log-every", 0, "log a history row every N steps (default: ≤ 1000 rows)")
	fs.IntVar(&s.EvalEvery, "eval-every", 0, "evaluate validation/test data every N steps (default: ~50 evaluations)")
	fs.BoolVar(&s.TestAtEnd, "test-at-end", false, "evaluate the test data only at the end (validation data still every --eval-every steps)")
	targetLoss := fs.String("target-loss", "", "stop as converged when the training loss reaches this value")
	fs.Float64Var(&s.GradTol, "grad-tol", 0, "stop as converged when the full-batch gradient norm reaches this value")
	fs.BoolVar(&s.LayerNorms, "layer-norms", false, "log per-layer gradient norms")
	fs.IntVar(&s.Chunk, "chunk", 0, "sum a full-batch step over chunks of N examples (same step, less memory); 0: automatic from a 1 GiB activation budget, -1: never")
	fs.StringVar(&s.TrainLoss, "train-loss", "full", "train_loss of mini-batch runs: full (all training data at each logged row) or batch (running mini-batch average, cheaper)")
	out := fs.String("out", "", "output folder for run.json and history.csv (required)")
	quiet := fs.Bool("quiet", false, "no progress output")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if *out == "" {
		return usagef("--out DIR is required")
	}
	s.Seed = *seed
	for _, part := range experiment.GrammarParts {
		if err := s.SetPart(part, *parts[part]); err != nil {
			return usagef("%v (--%s)", err, part)
		}
	}
	if *targetLoss != "" {
		v, err := strconv.ParseFloat(*targetLoss, 64)
		if err != nil || math.IsNaN(v) {
			return usagef("--target-loss %q is not a number", *targetLoss)
		}
		s.TargetLoss = &v
	}
	if _, err := experiment.Resolve(s); err != nil {
		return usagef("%v", err)
	}
	if err := outdir.Claim(*out, "run", experiment.RunFile); err != nil {
		return err
	}
	b, ctx, done, err := session(stderr)
	if err != nil {
		return err
	}
	defer done()
	opts := experiment.Options{}
	if !*quiet {
		opts.Progress, opts.Terminal = stderr, isTerminal(stderr)
	}
	res, err := experiment.Run(ctx, b, s, opts)
	if err != nil {
		return err
	}
	if err := experiment.Write(*out, res); err != nil {
		return err
	}
	printRun(stdout, res)
	fmt.Fprintf(stdout, "wrote %s/run.json and %s/history.csv\n", *out, *out)
	return nil
}

// printRun prints a run's status, why it diverged, its budget used and its
// final losses and metrics.
func printRun(stdout io.Writer, res *experiment.Result) {
	fmt.Fprintf(stdout, "status: %s", res.Status)
	if res.DivergedAt != nil {
		fmt.Fprintf(stdout, " at step %d", *res.DivergedAt)
	}
	if res.Divergence != nil {
		fmt.Fprintf(stdout, "\nwhy: %s", res.Divergence.Summary)
	}
	fmt.Fprintf(stdout, "\nsteps: %d, training time: %.3fs\n", res.Steps, res.Final.WallS)
	keys := []string{"train_loss", "val_loss", "val_metric", "test_loss", "test_metric"}
	for _, k := range keys {
		if v, _ := res.Final.Get(k); !math.IsNaN(v) {
			fmt.Fprintf(stdout, "%s: %.6g\n", strings.Replace(k, "metric", res.Metric, 1), v)
		}
	}
}

// defaultMaxRuns is how many runs a sweep starts without --max-runs.
const defaultMaxRuns = 10_000

func runSweep(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "sweep config (.json or .yaml), required")
	out := fs.String("out", "", "output folder (required); rerunning resumes")
	shard := fs.String("shard", "0/1", "run only part i of n: i/n")
	workers := fs.Int("workers", 1, "runs in parallel")
	maxRuns := fs.Int("max-runs", defaultMaxRuns, fmt.Sprintf("refuse to start more runs than this in one process (consent for big sweeps; at most %d)", sweep.MaxRuns))
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if *config == "" || *out == "" {
		return usagef("--config FILE and --out DIR are required")
	}
	if *maxRuns < 1 || *maxRuns > sweep.MaxRuns {
		return usagef("--max-runs %d must be in [1, %d]", *maxRuns, sweep.MaxRuns)
	}
	if *workers < 1 {
		return usagef("--workers %d must be ≥ 1", *workers)
	}
	i, n, err := sweep.ParseShard(*shard)
	if err != nil {
		return usagef("%v", err)
	}
	c, err := sweep.Load(*config)
	if err != nil {
		return usagef("%v", err)
	}
	plans, err := c.Expand()
	if err != nil {
		return usagef("%v", err)
	}
	mine, _ := sweep.Shard(plans, i, n)
	if len(mine) > *maxRuns {
		return usagef("this sweep would start %d runs here (shard %d/%d of %d), more than --max-runs %d: pass --max-runs %d to confirm, or shard it (--shard i/n)", len(mine), i, n, len(plans), *maxRuns, len(mine))
	}
	for _, p := range plans {
		if _, err := experiment.Resolve(p.Spec); err != nil {
			return usagef("sweep run %s: %v", p.ID, err)
		}
	}
	if err := outdir.Claim(*out, "sweep", "sweep.json"); err != nil {
		return err
	}
	if err := sweep.CheckFolder(*out, c); err != nil {
		return err
	}
	b, ctx, done, err := session(stderr)
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintf(stderr, "sweep: %d runs (shard %d/%d of %d)\n", len(mine), i, n, len(plans))
	res, err := sweep.Run(ctx, b, c, mine, *out, sweep.Options{Workers: *workers, Progress: stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d runs finished; wrote %s/summary.csv and %s/best.csv\n", len(res), *out, *out)
	return nil
}

func runMerge(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "folder for the merged summary.csv and best.csv (default: the first folder)")
	partial := fs.Bool("partial", false, "merge even when runs of the sweep are missing (summaries of the runs found)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	dirs := fs.Args()
	if len(dirs) == 0 {
		return usagef("give the shard folders to merge: bgdlab merge DIR...")
	}
	for _, d := range dirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return usagef("merge: %s is not a folder: give the shard folders a sweep wrote (bgdlab merge DIR...)", d)
		}
	}
	if *out == "" {
		*out = dirs[0]
	}
	// Into one of the merged sweeps' own folders (the default), or a folder
	// of its own.
	if !contains(dirs, *out) {
		// The shards' own folders may sit inside it (the docs' Slurm job).
		var inside []string
		for _, d := range dirs {
			if filepath.Clean(filepath.Dir(d)) == filepath.Clean(*out) {
				inside = append(inside, filepath.Base(d))
			}
		}
		if err := outdir.ClaimHolding(*out, "merge", inside, "summary.csv"); err != nil {
			return err
		}
	}
	n, err := sweep.Merge(*out, dirs, sweep.MergeOptions{Partial: *partial})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merged %d runs into %s/summary.csv\n", n, *out)
	return nil
}

func runOptimizers(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usagef("no arguments expected")
	}
	w := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	for _, m := range optim.List() {
		fmt.Fprintf(w, "%s\t(%s)\t%s\n", m.Name, m.Family, m.Doc)
		for _, p := range m.Params {
			fmt.Fprintf(w, "\t  %s=%g\t%s\t%s\n", p.Name, p.Default, p.Range(), p.Doc)
		}
	}
	return w.Flush()
}

func runDatasets(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usagef("no arguments expected")
	}
	for _, s := range data.Sources {
		fmt.Fprintf(stdout, "%s: %s\n", s.Name, s.Doc)
		for _, p := range s.Params {
			fmt.Fprintf(stdout, "    %s\n", p)
		}
	}
	return nil
}

func runModels(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usagef("no arguments expected")
	}
	for _, k := range models.Names() {
		fmt.Fprintf(stdout, "%s: %s\n", k, models.Docs[k])
	}
	return nil
}

// contains tells whether dirs names dir (after cleaning the paths).
func contains(dirs []string, dir string) bool {
	for _, d := range dirs {
		if filepath.Clean(d) == filepath.Clean(dir) {
			return true
		}
	}
	return false
}
