package report

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/bgdlab/bgdlab/pkg/notebook"
)

// runNotebooks executes the report's notebooks (the study's, or the whole
// course with AllNotebooks) into nbOpt.OutDir; none when cfg.Notebooks is
// empty. A notebook with a failed cell is an error.
func runNotebooks(ctx context.Context, cfg Config, nbOpt notebook.Options, out string) ([]notebook.Result, error) {
	if cfg.Notebooks == "" {
		return nil, nil
	}
	paths, err := notebook.List(cfg.Notebooks)
	if err != nil {
		return nil, err
	}
	if !cfg.AllNotebooks {
		paths = studyNotebooks(paths)
		logf(cfg, "executing the study's notebooks (%d; --all-notebooks executes the whole course)", len(paths))
	}
	env := []string{"BGDLAB_OUT=" + out}
	if cfg.Full {
		env = append(env, "BGDLAB_NOTEBOOK_FULL=1") // the notebooks' full-size runs
	}
	if cfg.RepoFigures != "" {
		abs, _ := filepath.Abs(cfg.RepoFigures)
		env = append(env, "BGDLAB_FIGURES="+abs)
	}
	// The notebooks are independent and each kernel keeps about one core
	// busy: run up to NotebookJobs at once (after the study, so that no
	// notebook shares the CPU with a timed run), except those that time
	// runs (TimedNotebooks), which run alone afterwards.
	var shared, alone []int
	for i, p := range paths {
		if hasPrefix(filepath.Base(p), TimedNotebooks) {
			alone = append(alone, i)
		} else {
			shared = append(shared, i)
		}
	}
	nbs := make([]notebook.Result, len(paths))
	errs := make([]error, len(paths))
	execute := func(i int) {
		logf(cfg, "executing %s ...", paths[i])
		opt := nbOpt
		opt.Env = env
		nbs[i], errs[i] = notebook.Execute(ctx, paths[i], opt)
		if errs[i] == nil && len(nbs[i].Problems) > 0 {
			errs[i] = fmt.Errorf("notebook %s failed:\n  %s", paths[i], strings.Join(nbs[i].Problems, "\n  "))
		}
	}
	sem := make(chan struct{}, NotebookJobs())
	var wg sync.WaitGroup
	for _, i := range shared {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			execute(i)
		}()
	}
	wg.Wait()
	for _, i := range alone {
		if errors.Join(errs...) == nil {
			execute(i)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return nbs, nil
}

// NotebookJobs is how many notebooks a report executes at once: the CPU
// count, at most 4.
func NotebookJobs() int { return min(max(runtime.NumCPU(), 1), 4) }

// TimedNotebooks are the name prefixes of the notebooks that measure
// seconds (03's crossover in time, 11's backend timings): a report runs each
// of them alone.
var TimedNotebooks = []string{"03_", "11_"}

func hasPrefix(name string, prefixes []string) bool {
	for _, pre := range prefixes {
		if strings.HasPrefix(name, pre) {
			return true
		}
	}
	return false
}
