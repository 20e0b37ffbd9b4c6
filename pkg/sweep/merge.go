package sweep

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/experiment"
)

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
	found := map[string]*experiment.Result{}
	for _, d := range dirs {
		if err := collectRuns(d, byID, found); err != nil {
			return 0, err
		}
	}
	var missing []string
	var mp []Plan
	var results []*experiment.Result
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
func sameSweep(dirs []string) (*Config, error) {
	var c *Config
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
func collectRuns(d string, byID map[string]Plan, found map[string]*experiment.Result) error {
	entries, err := os.ReadDir(filepath.Join(d, "runs"))
	if err != nil {
		return fmt.Errorf("merge: %s is not a sweep output (no runs/ folder): %w", d, err)
	}
	for _, e := range entries {
		dir := filepath.Join(d, "runs", e.Name())
		if !experiment.Finished(dir) {
			continue
		}
		res, err := experiment.Read(dir)
		if err != nil {
			return err
		}
		p, ok := byID[e.Name()]
		if !ok {
			return fmt.Errorf("merge: %s is not a run of this sweep (no such run ID in sweep.json's plan)", dir)
		}
		if diff := experiment.SpecDiff(res.Spec, p.Spec.WithDefaults()); diff != "" {
			return fmt.Errorf("merge: %s records a different experiment than its sweep asks for (%s): rerun the sweep there", dir, diff)
		}
		if prev, dup := found[e.Name()]; dup {
			if diff := experiment.SpecDiff(prev.Spec, res.Spec); diff != "" {
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
