package sweep

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/experiment"
)

// Plan is one run of a sweep.
type Plan struct {
	// Index is the run's position in the sweep's deterministic order; ID its
	// directory name; Config identifies its configuration (all but the seed).
	Index  int
	ID     string
	Config string
	Params map[string]string
	Spec   experiment.Spec
}

var specFields = map[string]bool{"batch": true, "schedule": true, "steps": true, "epochs": true, "data": true, "model": true, "init": true, "dtype": true, "seconds": true}

func setField(s *experiment.Spec, opt *string, key, val string) error {
	switch key {
	case "batch", "schedule", "data", "model":
		if err := s.SetPart(key, val); err != nil {
			return fmt.Errorf("sweep: grid value %s=%s: %w", key, val, err)
		}
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
func (c *Config) Expand() ([]Plan, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	opts := c.Optimizers
	if len(opts) == 0 {
		opts = []string{c.Base.Optimizer.String()}
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
			if err := spec.SetPart("optimizer", optSpec); err != nil {
				return nil, fmt.Errorf("sweep: optimizer %s: %w", optSpec, err)
			}
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
