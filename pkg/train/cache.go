package train

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

// Cache keeps trainers — a model's parameters with its compiled evaluation
// graphs and first-order steps — between runs, so that the runs of a sweep
// or of a study's tuning grid that share the backend, the model (bound to
// data of the same shapes), the dtype and the optimizer's GraphKey compile
// their graphs once instead of once per run. The learning rate is a variable
// of the step; a reused trainer gets its parameters initialized from the new
// run's seed and its optimizer state reset, so a run is bit for bit what it
// is on a fresh trainer (TestCacheRunsEqualFreshRuns). Line-search runs
// (Armijo, L-BFGS) compile their own graphs each run. It is safe for
// concurrent use; each trainer serves one run at a time. At most MaxIdle
// trainers wait between runs: giving back one more closes the one idle the
// longest, so memory stays bounded (a full study has dozens of shapes).
type Cache struct {
	mu    sync.Mutex
	idle  map[string][]*Trainer
	order []*Trainer // idle trainers, least recently given back first
	all   []*Trainer
	// compiles of trainers closed by eviction
	evicted int
}

// MaxIdle is how many compiled trainers a Cache keeps between runs.
const MaxIdle = 8

// NewCache returns an empty cache; Close frees what it compiled.
func NewCache() *Cache { return &Cache{idle: map[string][]*Trainer{}} }

// Trainer returns a trainer for m (bound to its data set) on b in dtype dt,
// with parameters initialized from seed (init overrides the model's
// scheme), reusing an idle one of the same signature; release gives it back
// to the cache. A nil cache returns a new trainer that release closes.
func (c *Cache) Trainer(b compute.Backend, m *models.Model, dt dtypes.DType, seed uint64, init string) (t *Trainer, release func(), err error) {
	if c == nil {
		if t, err = New(b, m, dt, seed, init); err != nil {
			return nil, nil, err
		}
		return t, t.Close, nil
	}
	key := fmt.Sprintf("%p|%s|%s", b, m.Signature(), dt)
	c.mu.Lock()
	if list := c.idle[key]; len(list) > 0 {
		t = list[len(list)-1]
		c.idle[key] = list[:len(list)-1]
		c.order = slices.DeleteFunc(c.order, func(x *Trainer) bool { return x == t })
	}
	c.mu.Unlock()
	if t != nil {
		if err = t.reinit(seed, init); err != nil {
			c.put(key, t)
			return nil, nil, err
		}
	} else {
		if t, err = New(b, m, dt, seed, init); err != nil {
			return nil, nil, err
		}
		t.steps = map[string]*Step{}
		c.mu.Lock()
		c.all = append(c.all, t)
		c.mu.Unlock()
	}
	return t, func() { c.put(key, t) }, nil
}

func (c *Cache) put(key string, t *Trainer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t.key = key
	c.idle[key] = append(c.idle[key], t)
	c.order = append(c.order, t)
	for len(c.order) > MaxIdle {
		old := c.order[0]
		c.order = c.order[1:]
		c.idle[old.key] = slices.DeleteFunc(c.idle[old.key], func(x *Trainer) bool { return x == old })
		c.all = slices.DeleteFunc(c.all, func(x *Trainer) bool { return x == old })
		c.evicted += int(old.compiles.Load())
		old.closeAll()
	}
}

// closeAll frees a cached trainer with its steps.
func (t *Trainer) closeAll() {
	for _, s := range t.steps {
		s.Close()
	}
	t.Close()
}

// Compiles returns how many step graphs the cache's trainers have compiled
// (one per optimizer GraphKey, batch size and trainer).
func (c *Cache) Compiles() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.evicted
	for _, t := range c.all {
		n += int(t.compiles.Load())
	}
	return n
}

// Idle returns how many compiled trainers wait for a run.
func (c *Cache) Idle() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.order)
}

// Close frees every trainer the cache made; it must not be in use.
func (c *Cache) Close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.all {
		t.closeAll()
	}
	c.all, c.order, c.idle = nil, nil, map[string][]*Trainer{}
}

// reinit gives a cached trainer's parameters their initial values for seed
// and clears the chunked steps' gradient accumulators.
func (t *Trainer) reinit(seed uint64, init string) error {
	if err := t.model.Init(t.scope, t.dt, seed, init); err != nil {
		return err
	}
	for v := range t.scope.Store().IterVariables() {
		if strings.HasPrefix(v.Path(), chunkAccumScope+"/") {
			if err := v.SetValue(tensors.FromShape(v.Shape())); err != nil {
				return err
			}
		}
	}
	return nil
}

// stepFor returns the compiled step for o — the cached trainer's own when
// it has one of o's GraphKey, with o's state reset — and the function to
// call when the run is done with it.
func (t *Trainer) stepFor(o *optim.Optimizer, chunked, full, layerNorms bool) (*Step, func(), error) {
	newStep := func() (*Step, error) {
		if chunked {
			return t.NewChunkedStep(o, layerNorms)
		}
		return t.NewStep(o, full, layerNorms)
	}
	if t.steps == nil { // not from a Cache
		s, err := newStep()
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	}
	// The state variables outlive a step: reset them before the step runs
	// (or is traced: a new variable takes its initial value then).
	if err := o.ResetState(t.scope); err != nil {
		return nil, nil, err
	}
	key := fmt.Sprintf("%s|chunked=%v|full=%v|layers=%v", o.GraphKey(), chunked, full, layerNorms)
	if s, ok := t.steps[key]; ok {
		return s, func() {}, nil
	}
	s, err := newStep()
	if err != nil {
		return nil, nil, err
	}
	t.steps[key] = s
	return s, func() {}, nil
}
