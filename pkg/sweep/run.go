package sweep

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/bgdlab/bgdlab/internal/outdir"
	"github.com/bgdlab/bgdlab/pkg/experiment"

	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute"
)

// startedFile marks a run directory whose run began (and may be half-written).
const startedFile = "STARTED"

// Run runs plans into out/runs/<ID>, skipping finished runs and redoing
// half-written ones, then writes out/summary.csv and out/best.csv. Errors of
// individual runs (bad specs) are returned after all runs are attempted. A
// second sweep into the same folder while one runs is refused (a lock in
// out/.sweep.lock, released when the process ends, however it ends).
func Run(ctx context.Context, b compute.Backend, c *Config, plans []Plan, out string, opt Options) ([]*experiment.Result, error) {
	if err := os.MkdirAll(filepath.Join(out, "runs"), 0o755); err != nil {
		return nil, err
	}
	unlock, err := experiment.LockFolder(out, "sweep")
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
	results := make([]*experiment.Result, len(plans))
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
				res, reused, err := runOne(ctx, b, cache, plans[i], filepath.Join(out, "runs", plans[i].ID), func(format string, args ...any) {
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
	var ok []*experiment.Result
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

// runOne is one plan of a sweep in its folder dir: the finished run
// reused when its record matches p, otherwise the folder (only if bgdlab
// wrote it) cleared and the run made and written; reused says which. logf
// reports a redo.
func runOne(ctx context.Context, b compute.Backend, cache *train.Cache, p Plan, dir string, logf func(string, ...any)) (res *experiment.Result, reused bool, err error) {
	if experiment.Finished(dir) {
		prev, why := experiment.Reusable(dir, p.Spec)
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
	if ok, name := outdir.OnlyOwn(dir, experiment.RunFile, experiment.HistoryFile, startedFile, "."+experiment.RunFile+".tmp*", "."+experiment.HistoryFile+".tmp*"); !ok {
		return nil, false, fmt.Errorf("sweep: %s holds %s, which bgdlab did not write: move it out of the way (bgdlab deletes only run folders it wrote)", dir, name)
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, false, err
	}
	os.WriteFile(filepath.Join(dir, startedFile), nil, 0o644)
	res, err = experiment.Run(ctx, b, p.Spec, experiment.Options{Cache: cache})
	if err == nil {
		err = experiment.Write(dir, res)
	}
	if err != nil {
		return nil, false, fmt.Errorf("run %s: %w", p.ID, err)
	}
	os.Remove(filepath.Join(dir, startedFile))
	return res, false, nil
}
