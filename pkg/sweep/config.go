// Package sweep runs optimizer comparisons as sweeps: a Config (a base
// experiment.Spec, optimizers, grids, a random search, seeds) expands into
// Plans in a deterministic order; Run executes them into out/runs/<ID>,
// resuming after an interruption (finished runs of the same spec and data are
// reused, half-written ones redone) and sharing one compiled step per shape;
// Shard and Merge split a sweep across machines; Summaries and Best give each
// configuration's mean and Student-t interval across seeds (summary.csv,
// best.csv).
package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/bgdlab/bgdlab/internal/inputfile"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute"
	"gopkg.in/yaml.v3"
)

// Config describes a sweep: a base spec, optimizers, a grid and/or a
// random search over any hyperparameter, and seeds. Keys of Grid and Random
// that name a Spec field (batch, schedule, steps, epochs, data, model, init,
// dtype) set that field; any other key is an optimizer hyperparameter.
type Config struct {
	Name       string          `json:"name" yaml:"name"`
	Base       experiment.Spec `json:"base" yaml:"base"`
	Optimizers []string        `json:"optimizers" yaml:"optimizers"`
	// Grid applies to every optimizer; PerOptimizer adds or overrides keys
	// for one optimizer (by method name, e.g. "momentum": {"momentum": [0.5, 0.9]}).
	Grid         map[string][]any            `json:"grid,omitempty" yaml:"grid,omitempty"`
	PerOptimizer map[string]map[string][]any `json:"per_optimizer,omitempty" yaml:"per_optimizer,omitempty"`
	Random       *RandomSearch               `json:"random,omitempty" yaml:"random,omitempty"`
	Seeds        []uint64                    `json:"seeds" yaml:"seeds"`
	// Select picks the best configuration per optimizer: "val_loss" (lowest,
	// default) or "val_metric" (highest). Test data is never used to select.
	Select string `json:"select,omitempty" yaml:"select,omitempty"`
	// Target, when set, adds time-to-target columns for this training loss.
	TargetLoss *float64 `json:"target_loss,omitempty" yaml:"target_loss,omitempty"`
}

// RandomSearch samples Samples configurations; each parameter is drawn
// uniformly (or log-uniformly) from [Min, Max].
type RandomSearch struct {
	Samples int                    `json:"samples" yaml:"samples"`
	Seed    uint64                 `json:"seed" yaml:"seed"`
	Params  map[string]RandomRange `json:"params" yaml:"params"`
}

// RandomRange is one randomly searched parameter.
type RandomRange struct {
	Min float64 `json:"min" yaml:"min"`
	Max float64 `json:"max" yaml:"max"`
	Log bool    `json:"log" yaml:"log"`
}

// MaxConfigBytes bounds the sweep config files Load reads.
const MaxConfigBytes = 16 << 20

// Load reads a sweep config from JSON or YAML (by extension).
// Unknown keys, a key given twice and an empty file are errors; a syntax
// error names its line and column.
func Load(path string) (*Config, error) {
	raw, err := inputfile.ReadAll("sweep config", path, MaxConfigBytes)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fmt.Errorf("sweep config %s is empty: give at least base and optimizers (docs/sweeps.md has an example)", path)
	}
	c := &Config{}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		err = dec.Decode(c)
	case ".json":
		if err = duplicateKeys(raw); err == nil {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			err = jsonPosition(raw, dec.Decode(c))
		}
	default:
		return nil, fmt.Errorf("sweep config %s: unknown extension (use .json, .yaml or .yml)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("sweep config %s: %w", path, err)
	}
	return c, c.Validate()
}

// Validate checks the config's structure.
func (c *Config) Validate() error {
	if len(c.Optimizers) == 0 && c.Base.Optimizer == nil {
		return fmt.Errorf("sweep: list at least one optimizer (optimizers: [gd, adam])")
	}
	if err := c.checkOptimizers(); err != nil {
		return err
	}
	switch {
	case len(c.Seeds) > 0 && c.Base.Seed != 0:
		return fmt.Errorf("sweep: base.seed (%d) and seeds (%v) are both given: list every seed to run under seeds and drop base.seed", c.Base.Seed, c.Seeds)
	case len(c.Seeds) == 0 && c.Base.Seed != 0:
		c.Seeds, c.Base.Seed = []uint64{c.Base.Seed}, 0 // each plan sets its seed
	case len(c.Seeds) == 0:
		c.Seeds = []uint64{1}
	}
	if c.TargetLoss != nil && (math.IsNaN(*c.TargetLoss) || math.IsInf(*c.TargetLoss, 0)) {
		return fmt.Errorf("sweep: target_loss=%v must be a finite number", *c.TargetLoss)
	}
	switch c.Select {
	case "", "val_loss", "val_metric":
	default:
		return fmt.Errorf("sweep: select=%q must be val_loss or val_metric", c.Select)
	}
	if c.Random != nil {
		if c.Random.Samples <= 0 {
			return fmt.Errorf("sweep: random.samples must be ≥ 1")
		}
		for k, r := range c.Random.Params {
			if !(r.Max >= r.Min) || (r.Log && r.Min <= 0) {
				return fmt.Errorf("sweep: random parameter %s: need min ≤ max (and min > 0 when log)", k)
			}
		}
	}
	if err := distinctSeeds(c.Seeds); err != nil {
		return err
	}
	runs := float64(max(len(c.Optimizers), 1)) * float64(len(c.Seeds))
	if c.Random != nil {
		runs *= float64(c.Random.Samples)
	}
	if err := checkGrid("grid", c.Grid, &runs); err != nil {
		return err
	}
	for name, g := range c.PerOptimizer {
		extra := 1.0
		if err := checkGrid("per_optimizer."+name, g, &extra); err != nil {
			return err
		}
		runs = math.Max(runs, runs*extra)
	}
	if runs > MaxRuns {
		return fmt.Errorf("sweep: %.3g runs (optimizers × grid × random samples × seeds); the limit is %d: use fewer values, or shard a smaller sweep", runs, MaxRuns)
	}
	return nil
}

// checkOptimizers refuses an optimizer listed twice (its runs would be
// counted as independent seeds of one configuration) and a per_optimizer
// key that names no listed optimizer (a misspelling would be ignored).
func (c *Config) checkOptimizers() error {
	methods := map[string]bool{}
	if len(c.Optimizers) == 0 {
		methods[c.Base.Optimizer.Method()] = true
	}
	seen := map[string]bool{}
	for _, o := range c.Optimizers {
		o = strings.TrimSpace(o)
		if seen[o] {
			return fmt.Errorf("sweep: optimizers lists %q twice: repeated entries are not separate configurations (seeds give repeated runs)", o)
		}
		seen[o] = true
		methods[methodOf(o)] = true
	}
	for name := range c.PerOptimizer {
		if !methods[name] {
			return fmt.Errorf("sweep: per_optimizer.%s names no optimizer of the sweep (optimizers: %v): fix the name or add the optimizer", name, c.Optimizers)
		}
	}
	return nil
}

// methodOf is the method name of an optimizer spec ("momentum:lr=0.1" → "momentum").
func methodOf(opt string) string { return strings.TrimSpace(strings.SplitN(opt, ":", 2)[0]) }

// MaxRuns bounds the runs one sweep config may expand to.
const MaxRuns = 100_000

// distinctSeeds refuses repeated seeds: they would be counted as
// independent runs and shrink the confidence interval to nothing.
func distinctSeeds(seeds []uint64) error {
	seen := map[uint64]bool{}
	for _, s := range seeds {
		if seen[s] {
			return fmt.Errorf("sweep: seed %d is listed twice: repeated seeds are not independent runs", s)
		}
		seen[s] = true
	}
	return nil
}

// checkGrid refuses empty and repeated values and values that would inject
// another key into a spec (a ',' or '=' in "0.01,weight_decay=0.5"), and
// multiplies *runs by the grid's size.
func checkGrid(where string, grid map[string][]any, runs *float64) error {
	for k, vs := range grid {
		if len(vs) == 0 {
			return fmt.Errorf("sweep: %s %s has no values", where, k)
		}
		seen := map[string]bool{}
		for _, v := range vs {
			str := valueString(v)
			if strings.ContainsAny(str, ",=:") && !specFields[k] {
				return fmt.Errorf("sweep: %s %s value %q contains ',', '=' or ':': one value per entry (list other hyperparameters as their own grid keys)", where, k, str)
			}
			if seen[str] {
				return fmt.Errorf("sweep: %s %s lists %s twice: repeated values are not separate configurations", where, k, str)
			}
			seen[str] = true
		}
		*runs *= float64(len(vs))
	}
	return nil
}

// Options control Run.
type Options struct {
	Workers  int
	Progress io.Writer
	// NewBackend creates a backend per worker (nil: the caller's b is shared).
	NewBackend func() (compute.Backend, error)
	// Cache lends runs the trainers compiled for earlier runs of equal
	// shapes (train.Cache), across sweeps too; nil: Run uses one of its
	// own for this sweep.
	Cache *train.Cache
}
