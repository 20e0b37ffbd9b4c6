package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/bgdlab/bgdlab/internal/inputfile"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute"
	"gopkg.in/yaml.v3"
)

// SweepConfig describes a sweep: a base spec, optimizers, a grid and/or a
// random search over any hyperparameter, and seeds. Keys of Grid and Random
// that name a Spec field (batch, schedule, steps, epochs, data, model, init,
// dtype) set that field; any other key is an optimizer hyperparameter.
type SweepConfig struct {
	Name       string   `json:"name" yaml:"name"`
	Base       Spec     `json:"base" yaml:"base"`
	Optimizers []string `json:"optimizers" yaml:"optimizers"`
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

// MaxSweepConfigBytes bounds the sweep config files LoadSweepConfig reads.
const MaxSweepConfigBytes = 16 << 20

// LoadSweepConfig reads a sweep config from JSON or YAML (by extension).
// Unknown keys, a key given twice and an empty file are errors; a syntax
// error names its line and column.
func LoadSweepConfig(path string) (*SweepConfig, error) {
	raw, err := inputfile.ReadAll("sweep config", path, MaxSweepConfigBytes)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fmt.Errorf("sweep config %s is empty: give at least base and optimizers (docs/sweeps.md has an example)", path)
	}
	c := &SweepConfig{}
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
func (c *SweepConfig) Validate() error {
	if len(c.Optimizers) == 0 && c.Base.Optimizer == "" {
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
	if runs > MaxSweepRuns {
		return fmt.Errorf("sweep: %.3g runs (optimizers × grid × random samples × seeds); the limit is %d: use fewer values, or shard a smaller sweep", runs, MaxSweepRuns)
	}
	return nil
}

// checkOptimizers refuses an optimizer listed twice (its runs would be
// counted as independent seeds of one configuration) and a per_optimizer
// key that names no listed optimizer (a misspelling would be ignored).
func (c *SweepConfig) checkOptimizers() error {
	methods := map[string]bool{}
	if len(c.Optimizers) == 0 {
		methods[methodOf(c.Base.Optimizer)] = true
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

// MaxSweepRuns bounds the runs one sweep config may expand to.
const MaxSweepRuns = 100_000

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

// Plan is one run of a sweep.
type Plan struct {
	// Index is the run's position in the sweep's deterministic order; ID its
	// directory name; Config identifies its configuration (all but the seed).
	Index  int
	ID     string
	Config string
	Params map[string]string
	Spec   Spec
}

var specFields = map[string]bool{"batch": true, "schedule": true, "steps": true, "epochs": true, "data": true, "model": true, "init": true, "dtype": true, "seconds": true}

func setField(s *Spec, opt *string, key, val string) error {
	switch key {
	case "batch":
		s.Batch = val
	case "schedule":
		s.Schedule = val
	case "data":
		s.Data = val
	case "model":
		s.Model = val
	case "init":
		s.Init = val
	case "dtype":
		s.DType = val
	case "steps":
		n, err := strconv.Atoi(val)
		if err != nil {
			return fmt.Errorf("sweep: steps=%q is not an integer", val)
		}
		s.Steps = n
	case "epochs", "seconds":
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return fmt.Errorf("sweep: %s=%q is not a number", key, val)
		}
		if key == "epochs" {
			s.Epochs = f
		} else {
			s.Seconds = f
		}
	default:
		if strings.Contains(*opt, ":") {
			*opt += "," + key + "=" + val
		} else {
			*opt += ":" + key + "=" + val
		}
	}
	return nil
}

func valueString(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}

// Expand lists the runs of the sweep in a deterministic order:
// optimizers × grid (keys sorted) × random samples × seeds.
func (c *SweepConfig) Expand() ([]Plan, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	opts := c.Optimizers
	if len(opts) == 0 {
		opts = []string{c.Base.Optimizer}
	}
	var plans []Plan
	for _, opt := range opts {
		method := methodOf(opt)
		grid := map[string][]any{}
		for k, v := range c.Grid {
			grid[k] = v
		}
		for k, v := range c.PerOptimizer[method] {
			grid[k] = v
		}
		combos := gridCombos(grid)
		if c.Random != nil {
			combos = c.Random.sample(combos, rand.New(rand.NewPCG(c.Random.Seed, uint64(len(plans))+1)))
		}
		for _, combo := range combos {
			spec := c.Base
			optSpec := opt
			ckeys := make([]string, 0, len(combo))
			for k := range combo {
				ckeys = append(ckeys, k)
			}
			sort.Strings(ckeys)
			var parts []string
			for _, k := range ckeys {
				if err := setField(&spec, &optSpec, k, combo[k]); err != nil {
					return nil, err
				}
				parts = append(parts, k+"="+combo[k])
			}
			spec.Optimizer = optSpec
			config := opt
			if len(parts) > 0 {
				config += " " + strings.Join(parts, " ")
			}
			for _, seed := range c.Seeds {
				s := spec
				s.Seed = seed
				i := len(plans)
				plans = append(plans, Plan{Index: i, ID: fmt.Sprintf("%04d-%s-seed%d", i, slug(config), seed), Config: config, Params: combo, Spec: s})
			}
		}
	}
	return plans, nil
}

// gridCombos returns every combination of grid's values (keys in sorted
// order, the last varying fastest), as text; one empty combination for an
// empty grid.
func gridCombos(grid map[string][]any) []map[string]string {
	keys := make([]string, 0, len(grid))
	for k := range grid {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	combos := []map[string]string{{}}
	for _, k := range keys {
		var next []map[string]string
		for _, base := range combos {
			for _, v := range grid[k] {
				m := maps.Clone(base)
				m[k] = valueString(v)
				next = append(next, m)
			}
		}
		combos = next
	}
	return combos
}

// sample extends each of combos with r.Samples draws of r's parameters
// (keys in sorted order), uniform or log-uniform in their ranges.
func (r *RandomSearch) sample(combos []map[string]string, rng *rand.Rand) []map[string]string {
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var next []map[string]string
	for _, base := range combos {
		for i := 0; i < r.Samples; i++ {
			m := maps.Clone(base)
			for _, k := range keys {
				pr := r.Params[k]
				u := rng.Float64()
				v := pr.Min + u*(pr.Max-pr.Min)
				if pr.Log {
					v = math.Exp(math.Log(pr.Min) + u*(math.Log(pr.Max)-math.Log(pr.Min)))
				}
				m[k] = strconv.FormatFloat(v, 'g', 4, 64)
			}
			next = append(next, m)
		}
	}
	return next
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '=':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	out := b.String()
	if len(out) > 80 {
		out = out[:80]
	}
	return out
}

// Shard keeps the plans whose index is i modulo n (0 ≤ i < n): disjoint parts
// whose union is the whole sweep.
func Shard(plans []Plan, i, n int) ([]Plan, error) {
	if n < 1 || i < 0 || i >= n {
		return nil, fmt.Errorf("shard %d/%d: want 0 ≤ i < n", i, n)
	}
	var out []Plan
	for _, p := range plans {
		if p.Index%n == i {
			out = append(out, p)
		}
	}
	return out, nil
}

// ParseShard reads "i/n".
func ParseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want i/n with 0 ≤ i < n, e.g. 0/4", s)
	}
	return i, n, nil
}

// SweepOptions control RunSweep.
type SweepOptions struct {
	Workers  int
	Progress io.Writer
	// NewBackend creates a backend per worker (nil: the caller's b is shared).
	NewBackend func() (compute.Backend, error)
	// Cache lends runs the trainers compiled for earlier runs of equal
	// shapes (train.Cache), across sweeps too; nil: RunSweep uses one of its
	// own for this sweep.
	Cache *train.Cache
}
