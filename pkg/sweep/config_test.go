package sweep_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/sweep"
)

// FuzzLoadSweepConfig: any YAML or JSON gives a config or an error, and a
// config that loads expands into a bounded plan or an error — never a panic
// or an unbounded allocation. Seeds: duplicate seeds and rates, a grid
// value that injects a second hyperparameter, a huge random search, unknown
// keys.
func FuzzLoadSweepConfig(f *testing.F) {
	for _, s := range []string{
		"base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\ngrid: {lr: [0.01, 0.1]}\nseeds: [1, 2]\n",
		"base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\nseeds: [1, 1]\n",
		"base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\ngrid: {lr: [0.01, 0.01]}\n",
		"base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\ngrid: {lr: [\"0.01,weight_decay=0.5\"]}\n",
		"base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\nrandom: {samples: 100000000000, params: {lr: {min: 0.001, max: 1, log: true}}}\n",
		"base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\ngrid: {lr: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], batch: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], epochs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], momentum: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], steps: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}\n",
		"bogus_key: 1\n",
		"optimizers: [gd]\n",
		"{}",
		"",
	} {
		f.Add(s, false)
	}
	f.Add(`{"base": {"data": "textbook", "model": "linear", "steps": 5}, "optimizers": ["gd"], "seeds": [1, 2]}`, true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string, isJSON bool) {
		path := filepath.Join(dir, "sweep.yaml")
		if isJSON {
			path = filepath.Join(dir, "sweep.json")
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := sweep.Load(path)
		if err != nil {
			return
		}
		plans, err := c.Expand()
		if err == nil && len(plans) > 100000 {
			t.Fatalf("expanded into %d runs, over the 100 000 limit", len(plans))
		}
	})
}

// TestSweepValidateRefusesMisleadingConfigs: repeated seeds or grid values
// would pose as independent runs (a zero-width CI), a value with ',' or '='
// would inject a second hyperparameter, and huge grids or random searches
// would write gigabytes before anyone noticed.
func TestSweepValidateRefusesMisleadingConfigs(t *testing.T) {
	base := func() *sweep.Config {
		return &sweep.Config{Name: "s", Base: experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Steps: 10}, Optimizers: []string{"gd"}, Seeds: []uint64{1, 2}}
	}
	bigGrid := make([]any, 1000)
	for i := range bigGrid {
		bigGrid[i] = float64(i + 1)
	}
	for _, tc := range []struct {
		name string
		edit func(*sweep.Config)
		want string
	}{
		{"repeated seed", func(c *sweep.Config) { c.Seeds = []uint64{1, 2, 1} }, "seed 1 is listed twice"},
		{"repeated learning rate", func(c *sweep.Config) { c.Grid = map[string][]any{"lr": {0.01, 0.1, 0.010}} }, "grid lr lists 0.01 twice"},
		{"injected hyperparameter", func(c *sweep.Config) { c.Grid = map[string][]any{"lr": {"0.01,weight_decay=0.5"}} }, `value "0.01,weight_decay=0.5" contains`},
		{"repeated per-optimizer value", func(c *sweep.Config) {
			c.Optimizers = []string{"gd", "momentum"}
			c.PerOptimizer = map[string]map[string][]any{"momentum": {"momentum": {0.9, 0.9}}}
		}, "per_optimizer.momentum momentum lists 0.9 twice"},
		{"per_optimizer for no listed optimizer", func(c *sweep.Config) {
			c.PerOptimizer = map[string]map[string][]any{"momentum": {"momentum": {0.9}}}
		}, "per_optimizer.momentum names no optimizer of the sweep"},
		{"an optimizer listed twice", func(c *sweep.Config) { c.Optimizers = []string{"gd", " gd"} }, `optimizers lists "gd" twice`},
		{"base.seed and seeds", func(c *sweep.Config) { c.Base.Seed, c.Seeds = 7, []uint64{1} }, "base.seed (7) and seeds ([1]) are both given"},
		{"huge grid", func(c *sweep.Config) { c.Grid = map[string][]any{"lr": bigGrid, "momentum": bigGrid} }, "2e+06 runs"},
		{"huge random search", func(c *sweep.Config) {
			c.Random = &sweep.RandomSearch{Samples: 100_000_000_000, Params: map[string]sweep.RandomRange{"lr": {Min: 1e-4, Max: 1, Log: true}}}
		}, "2e+11 runs"},
		{"a batch spec in the grid is fine", func(c *sweep.Config) {
			c.Grid = map[string][]any{"batch": {"full", "mini:size=2,replace=true"}}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.edit(c)
			switch err := c.Validate(); {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate() = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// A grid value that does not parse fails the expansion, naming the value.
func TestExpandNamesABadGridValue(t *testing.T) {
	c := &sweep.Config{Name: "s", Base: experiment.Spec{Data: data.Textbook{}, Model: models.Linear{}, Steps: 3},
		Optimizers: []string{"gd"}, Grid: map[string][]any{"batch": {"full", 0}}, Seeds: []uint64{1}}
	if _, err := c.Expand(); err == nil || !strings.Contains(err.Error(), "grid value batch=0") {
		t.Errorf("Expand() error %v, want one naming grid value batch=0", err)
	}
	c.Grid = map[string][]any{"lr": {0.1, -1}}
	if _, err := c.Expand(); err == nil || !strings.Contains(err.Error(), "lr=-1 is outside its valid range") {
		t.Errorf("Expand() error %v, want the optimizer's range error", err)
	}
}
