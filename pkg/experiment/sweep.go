package experiment

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/bgdlab/bgdlab/internal/atomicfile"
	"github.com/bgdlab/bgdlab/internal/outdir"
	"github.com/bgdlab/bgdlab/pkg/optim"

	"github.com/bgdlab/bgdlab/pkg/stats"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute"
)

// startedFile marks a run directory whose run began (and may be half-written).
const startedFile = "STARTED"

// RunSweep runs plans into out/runs/<ID>, skipping finished runs and redoing
// half-written ones, then writes out/summary.csv and out/best.csv. Errors of
// individual runs (bad specs) are returned after all runs are attempted. A
// second sweep into the same folder while one runs is refused (a lock in
// out/.sweep.lock, released when the process ends, however it ends).
func RunSweep(ctx context.Context, b compute.Backend, c *SweepConfig, plans []Plan, out string, opt SweepOptions) ([]*Result, error) {
	if err := os.MkdirAll(filepath.Join(out, "runs"), 0o755); err != nil {
		return nil, err
	}
	unlock, err := LockFolder(out, "sweep")
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := writeSweepRecord(out, c); err != nil {
		return nil, err
	}
	cache := opt.Cache
	if cache == nil {
		cache = train.NewCache()
		defer cache.Close()
	}
	workers := max(opt.Workers, 1)
	results := make([]*Result, len(plans))
	errs := make([]error, len(plans))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				res, reused, err := sweepRun(ctx, b, cache, plans[i], filepath.Join(out, "runs", plans[i].ID), func(format string, args ...any) {
					if opt.Progress != nil {
						mu.Lock()
						fmt.Fprintf(opt.Progress, format, args...)
						mu.Unlock()
					}
				})
				if err != nil {
					errs[i] = err
					continue
				}
				results[i] = res
				mu.Lock()
				done++
				if opt.Progress != nil && !reused {
					fmt.Fprintf(opt.Progress, "sweep: %d/%d done (%s: %s, final train loss %.4g)\n", done, len(plans), plans[i].ID, res.Status, res.Final.TrainLoss)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range plans {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var firstErr error
	for _, e := range errs {
		if e != nil {
			firstErr = e
			break
		}
	}
	var ok []*Result
	var okPlans []Plan
	for i, r := range results {
		if r != nil {
			ok = append(ok, r)
			okPlans = append(okPlans, plans[i])
		}
	}
	if err := WriteSummaries(out, c, plans, okPlans, ok); err != nil && firstErr == nil {
		firstErr = err
	}
	return ok, firstErr
}

// sweepRun is one plan of a sweep in its folder dir: the finished run
// reused when its record matches p, otherwise the folder (only if bgdlab
// wrote it) cleared and the run made and written; reused says which. logf
// reports a redo.
func sweepRun(ctx context.Context, b compute.Backend, cache *train.Cache, p Plan, dir string, logf func(string, ...any)) (res *Result, reused bool, err error) {
	if Finished(dir) {
		prev, why := reusable(dir, p)
		if prev != nil {
			return prev, true, nil
		}
		logf("sweep: redoing %s: %s\n", p.ID, why)
	}
	// Half-written (or corrupt): start afresh — but never delete what is not
	// a run folder.
	if st, err := os.Lstat(dir); err == nil && !st.IsDir() {
		return nil, false, fmt.Errorf("sweep: %s is a file, not a run folder: move it out of the way (bgdlab deletes only run folders it wrote)", dir)
	}
	if ok, name := outdir.OnlyOwn(dir, RunFile, HistoryFile, startedFile, "."+RunFile+".tmp*", "."+HistoryFile+".tmp*"); !ok {
		return nil, false, fmt.Errorf("sweep: %s holds %s, which bgdlab did not write: move it out of the way (bgdlab deletes only run folders it wrote)", dir, name)
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, false, err
	}
	os.WriteFile(filepath.Join(dir, startedFile), nil, 0o644)
	res, err = Run(ctx, b, p.Spec, Options{Cache: cache})
	if err == nil {
		err = Write(dir, res)
	}
	if err != nil {
		return nil, false, fmt.Errorf("run %s: %w", p.ID, err)
	}
	os.Remove(filepath.Join(dir, startedFile))
	return res, false, nil
}

// SummaryMetrics are the final values summarized per configuration.
var SummaryMetrics = []string{"train_loss", "val_loss", "val_metric", "best_val_metric", "test_loss", "test_metric", "wall_s", "epoch"}

// ConfigSummary is one row of summary.csv.
type ConfigSummary struct {
	Config    string
	Optimizer string
	Params    map[string]string
	Runs      int
	Diverged  int
	Stats     map[string]stats.Summary
	// TimeToTarget stats (seconds, epochs, grad evals) over the runs that
	// reached the sweep's target loss; Reached counts them.
	Reached int
	TTT     map[string]stats.Summary
	// Planned is the number of runs the sweep plans for this configuration
	// (WriteSummaries sets it); fewer Runs means the row is incomplete: an
	// interrupted sweep or a partial merge.
	Planned int
}

// Summaries groups results by configuration, in first-appearance order.
func Summaries(c *SweepConfig, plans []Plan, results []*Result) []ConfigSummary {
	idx := map[string]int{}
	var out []ConfigSummary
	values := map[string]map[string][]float64{}
	ttt := map[string]map[string][]float64{}
	for i, r := range results {
		p := plans[i]
		j, ok := idx[p.Config]
		if !ok {
			j = len(out)
			idx[p.Config] = j
			out = append(out, ConfigSummary{Config: p.Config, Optimizer: methodOf(p.Spec.Optimizer), Params: p.Params})
			values[p.Config] = map[string][]float64{}
			ttt[p.Config] = map[string][]float64{}
		}
		out[j].Runs++
		if r.Status == optim.Diverged {
			out[j].Diverged++
		}
		for _, m := range SummaryMetrics {
			v, ok := r.Final.Get(m)
			if !ok || r.Status == optim.Diverged {
				v = math.NaN()
			}
			values[p.Config][m] = append(values[p.Config][m], v)
		}
		if c != nil && c.TargetLoss != nil {
			if t, ok := TimeToTarget(r.History, "train_loss", *c.TargetLoss, true); ok {
				out[j].Reached++
				ttt[p.Config]["seconds"] = append(ttt[p.Config]["seconds"], t.Seconds)
				ttt[p.Config]["epochs"] = append(ttt[p.Config]["epochs"], t.Epoch)
				ttt[p.Config]["grad_evals"] = append(ttt[p.Config]["grad_evals"], float64(t.GradEvals))
				ttt[p.Config]["steps"] = append(ttt[p.Config]["steps"], float64(t.Step))
			}
		}
	}
	for j := range out {
		out[j].Stats = map[string]stats.Summary{}
		for _, m := range SummaryMetrics {
			out[j].Stats[m] = stats.Summarize(values[out[j].Config][m])
		}
		out[j].TTT = map[string]stats.Summary{}
		for _, k := range []string{"seconds", "epochs", "grad_evals", "steps"} {
			out[j].TTT[k] = stats.Summarize(ttt[out[j].Config][k])
		}
	}
	return out
}

// Best returns, per optimizer, the configuration with the best mean
// validation loss (or metric, per c.Select) among those with no diverged
// run; test values are reported, never used to select.
func Best(c *SweepConfig, sums []ConfigSummary) []ConfigSummary {
	key, lower := "val_loss", true
	if c != nil && c.Select == "val_metric" {
		key, lower = "val_metric", false
	}
	best := map[string]int{}
	var order []string
	for i, s := range sums {
		v := s.Stats[key].Mean
		if s.Diverged > 0 || math.IsNaN(v) {
			continue
		}
		j, ok := best[s.Optimizer]
		if !ok {
			order = append(order, s.Optimizer)
			best[s.Optimizer] = i
			continue
		}
		w := sums[j].Stats[key].Mean
		if (lower && v < w) || (!lower && v > w) {
			best[s.Optimizer] = i
		}
	}
	var out []ConfigSummary
	for _, o := range order {
		out = append(out, sums[best[o]])
	}
	return out
}

// WriteSummaries writes summary.csv (every configuration) and best.csv (the
// best configuration per optimizer) from the finished results of plans,
// out of the planned runs of the sweep: a configuration with fewer finished
// runs than planned is marked complete=false (with its planned count), so an
// interrupted sweep or a partial merge never passes for a whole one.
func WriteSummaries(out string, c *SweepConfig, planned, plans []Plan, results []*Result) error {
	want := map[string]int{}
	for _, p := range planned {
		want[p.Config]++
	}
	sums := Summaries(c, plans, results)
	for i := range sums {
		sums[i].Planned = want[sums[i].Config]
	}
	if err := writeSummaryCSV(filepath.Join(out, "summary.csv"), sums); err != nil {
		return err
	}
	return writeSummaryCSV(filepath.Join(out, "best.csv"), Best(c, sums))
}

func writeSummaryCSV(path string, sums []ConfigSummary) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"config", "optimizer", "runs", "diverged"}
	for _, m := range SummaryMetrics {
		header = append(header, m+"_mean", m+"_std", m+"_ci95")
	}
	header = append(header, "reached_target", "ttt_seconds_mean", "ttt_seconds_ci95", "ttt_epochs_mean", "ttt_grad_evals_mean", "planned", "complete")
	w.Write(header)
	for _, s := range sums {
		row := []string{s.Config, s.Optimizer, strconv.Itoa(s.Runs), strconv.Itoa(s.Diverged)}
		for _, m := range SummaryMetrics {
			st := s.Stats[m]
			row = append(row, fmtFloat(st.Mean), fmtFloat(st.Std), fmtFloat(st.CI95))
		}
		row = append(row, strconv.Itoa(s.Reached), fmtFloat(s.TTT["seconds"].Mean), fmtFloat(s.TTT["seconds"].CI95),
			fmtFloat(s.TTT["epochs"].Mean), fmtFloat(s.TTT["grad_evals"].Mean), strconv.Itoa(s.Planned), strconv.FormatBool(s.Runs >= s.Planned))
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes())
}

// MergeOptions control Merge.
type MergeOptions struct {
	// Partial merges even when runs of the sweep are missing (the summaries
	// then cover only the runs found); otherwise missing runs are an error.
	Partial bool
}

// Merge combines the finished runs of sweep folders (shards of one sweep)
// into out's summary.csv and best.csv, and returns how many runs it merged.
// Every folder must hold the same sweep (equal sweep.json); a run ID found
// in two folders with different experiments, or a run whose experiment is
// not the one its sweep asks for, is an error; so are missing runs unless
// opt.Partial.
func Merge(out string, dirs []string, opt MergeOptions) (int, error) {
	c, err := sameSweep(dirs)
	if err != nil {
		return 0, err
	}
	plans, err := c.Expand()
	if err != nil {
		return 0, fmt.Errorf("merge: %w", err)
	}
	byID := map[string]Plan{}
	for _, p := range plans {
		byID[p.ID] = p
	}
	found := map[string]*Result{}
	for _, d := range dirs {
		if err := collectRuns(d, byID, found); err != nil {
			return 0, err
		}
	}
	var missing []string
	var mp []Plan
	var results []*Result
	for _, p := range plans {
		if r, ok := found[p.ID]; ok {
			mp, results = append(mp, p), append(results, r)
		} else {
			missing = append(missing, p.ID)
		}
	}
	if len(missing) > 0 && !opt.Partial {
		return 0, fmt.Errorf("merge: %d of %d runs of the sweep are missing or unfinished (first: %s): run the missing shards, or merge with --partial to summarize the %d found",
			len(missing), len(plans), missing[0], len(results))
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return 0, err
	}
	return len(results), WriteSummaries(out, c, plans, mp, results)
}

// sameSweep reads every folder's sweep.json and checks they hold one sweep.
func sameSweep(dirs []string) (*SweepConfig, error) {
	var c *SweepConfig
	var first, firstDir string
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, "sweep.json"))
		if err != nil {
			return nil, fmt.Errorf("merge: %s is not a sweep output (no sweep.json): %w", d, err)
		}
		cur, hash, err := readSweepRecord(raw)
		if err != nil {
			return nil, fmt.Errorf("merge: %s/sweep.json: %w", d, err)
		}
		if c == nil {
			c, first, firstDir = cur, hash, d
			continue
		}
		if hash != first {
			return nil, fmt.Errorf("merge: %s and %s hold different sweeps (their sweep.json's config_sha256 differ): merge only shards of one sweep", firstDir, d)
		}
	}
	return c, nil
}

// collectRuns adds d's finished runs to found, checking each against the
// sweep's plan and against a run of the same ID found in another folder.
func collectRuns(d string, byID map[string]Plan, found map[string]*Result) error {
	entries, err := os.ReadDir(filepath.Join(d, "runs"))
	if err != nil {
		return fmt.Errorf("merge: %s is not a sweep output (no runs/ folder): %w", d, err)
	}
	for _, e := range entries {
		dir := filepath.Join(d, "runs", e.Name())
		if !Finished(dir) {
			continue
		}
		res, err := Read(dir)
		if err != nil {
			return err
		}
		p, ok := byID[e.Name()]
		if !ok {
			return fmt.Errorf("merge: %s is not a run of this sweep (no such run ID in sweep.json's plan)", dir)
		}
		if diff := specDiff(res.Spec, p.Spec.WithDefaults()); diff != "" {
			return fmt.Errorf("merge: %s records a different experiment than its sweep asks for (%s): rerun the sweep there", dir, diff)
		}
		if prev, dup := found[e.Name()]; dup {
			if diff := specDiff(prev.Spec, res.Spec); diff != "" {
				return fmt.Errorf("merge: run %s appears in two folders with different experiments (%s)", e.Name(), diff)
			}
			continue
		}
		found[e.Name()] = res
	}
	return nil
}

// configOf strips the index and seed from a run ID.
func configOf(id string) string {
	if i := strings.IndexByte(id, '-'); i >= 0 {
		id = id[i+1:]
	}
	if i := strings.LastIndex(id, "-seed"); i >= 0 {
		id = id[:i]
	}
	return id
}

// TTT is a time-to-target: the first logged row that reached the target.
type TTT struct {
	Step      int
	Epoch     float64
	Seconds   float64
	GradEvals int64
	Examples  int64
}

// TimeToTarget scans a history for the first row whose column (train_loss,
// val_loss, val_metric, test_loss, test_metric) reached target — ≤ target when
// lowerIsBetter, else ≥ — and reports when, in every unit.
func TimeToTarget(h []Record, column string, target float64, lowerIsBetter bool) (TTT, bool) {
	for _, r := range h {
		v, known := r.Get(column)
		if !known {
			return TTT{}, false
		}
		if math.IsNaN(v) {
			continue
		}
		if (lowerIsBetter && v <= target) || (!lowerIsBetter && v >= target) {
			return TTT{Step: r.Step, Epoch: r.Epoch, Seconds: r.WallS, GradEvals: r.GradEvals, Examples: r.Examples}, true
		}
	}
	return TTT{}, false
}
