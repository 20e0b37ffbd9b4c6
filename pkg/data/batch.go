package data

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/spec"
)

// Regime is a batch regime: "full" (BGD: the whole training set every step),
// "mini" (batches of Size) or "stochastic" (Size 1).
type Regime struct {
	Kind string
	Size int
	// Replacement draws every batch uniformly with replacement; otherwise
	// each epoch is a fresh permutation cut into batches.
	Replacement bool
	// DropLast drops the incomplete batch at the end of an epoch.
	DropLast bool
}

// String formats the regime as a spec ParseRegime reads back: "full",
// "128" (plain mini-batches), "mini:size=128,replace=true", "stochastic".
func (r Regime) String() string {
	switch r.Kind {
	case "full", "":
		return "full"
	case "stochastic":
		s := "stochastic"
		if r.Replacement {
			s += ":replace=true"
		}
		return s
	}
	if !r.Replacement && !r.DropLast {
		return strconv.Itoa(r.Size)
	}
	s := fmt.Sprintf("mini:size=%d", r.Size)
	if r.Replacement {
		s += ",replace=true"
	}
	if r.DropLast {
		s += ",drop_last=true"
	}
	return s
}

// Validate refuses an unknown kind or a mini-batch size below 1.
func (r Regime) Validate() error {
	switch r.Kind {
	case "full", "stochastic":
		return nil
	case "mini":
		if r.Size < 1 {
			return fmt.Errorf("batch size %d must be ≥ 1 (or use batch full)", r.Size)
		}
		return nil
	}
	return fmt.Errorf("unknown batch regime %q: use full, stochastic, a number, or mini:size=N", r.Kind)
}

// ParseRegime reads "full", a number N (mini-batches of N), "stochastic" or
// "mini:size=N,replace=BOOL,drop_last=BOOL".
func ParseRegime(s string) (Regime, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 {
			return Regime{}, fmt.Errorf("batch size %d must be ≥ 1 (or use --batch full)", n)
		}
		return Regime{Kind: "mini", Size: n}, nil
	}
	sp, err := spec.Parse(s)
	if err != nil {
		return Regime{}, fmt.Errorf("batch: %w", err)
	}
	r := Regime{Kind: sp.Name}
	switch sp.Name {
	case "full":
		if err := spec.Unknown(sp, "batch", nil); err != nil {
			return r, err
		}
		return r, nil
	case "stochastic":
		r.Size = 1
		if err := spec.Unknown(sp, "batch", []string{"replace"}); err != nil {
			return r, err
		}
	case "mini":
		if err := spec.Unknown(sp, "batch", []string{"size", "replace", "drop_last"}); err != nil {
			return r, err
		}
		v, ok := sp.Values["size"]
		if !ok {
			return r, fmt.Errorf("batch mini: size=N is required, e.g. mini:size=128")
		}
		n, err := spec.Int("size", v)
		if err != nil {
			return r, fmt.Errorf("batch mini: %w", err)
		}
		if n <= 0 {
			return r, fmt.Errorf("batch mini: size=%d must be ≥ 1", n)
		}
		r.Size = n
	default:
		return r, fmt.Errorf("unknown batch regime %q: use full, stochastic, a number, or mini:size=N", sp.Name)
	}
	for k, v := range sp.Values {
		if k == "size" {
			continue
		}
		b, err := spec.Bool(k, v)
		if err != nil {
			return r, fmt.Errorf("batch %s: %w", sp.Name, err)
		}
		if k == "replace" {
			r.Replacement = b
		} else {
			r.DropLast = b
		}
	}
	return r, nil
}

// Batcher yields the example indices of each step for a regime over n
// examples, deterministically from a seed, and counts examples seen.
type Batcher struct {
	r        Regime
	n        int
	rng      *rand.Rand
	perm     []int
	pos      int
	examples int64
}

// NewBatcher checks the regime against n (a batch larger than n is an error)
// and returns a Batcher seeded with seed.
func NewBatcher(r Regime, n int, seed uint64) (*Batcher, error) {
	if n <= 0 {
		return nil, fmt.Errorf("batcher: the training set is empty")
	}
	if r.Kind != "full" {
		if r.Size <= 0 {
			return nil, fmt.Errorf("batch size %d must be ≥ 1", r.Size)
		}
		if r.Size > n {
			return nil, fmt.Errorf("batch size %d is larger than the %d training examples: use --batch full or a size ≤ %d", r.Size, n, n)
		}
	}
	return &Batcher{r: r, n: n, rng: rand.New(rand.NewPCG(seed, 0xba7c4))}, nil
}

// Full reports whether every step uses the whole training set.
func (b *Batcher) Full() bool { return b.r.Kind == "full" }

// Size returns the nominal batch size (n for full batches).
func (b *Batcher) Size() int {
	if b.Full() {
		return b.n
	}
	return b.r.Size
}

// StepsPerEpoch returns the number of steps that make one pass over the data.
func (b *Batcher) StepsPerEpoch() int {
	if b.Full() {
		return 1
	}
	if b.r.DropLast || b.r.Replacement {
		return max(1, b.n/b.r.Size)
	}
	return (b.n + b.r.Size - 1) / b.r.Size
}

// Next returns the indices of the next batch (nil for a full batch, meaning
// all examples in order) and advances the counters.
func (b *Batcher) Next() []int {
	if b.Full() {
		b.examples += int64(b.n)
		return nil
	}
	var idx []int
	if b.r.Replacement {
		idx = make([]int, b.r.Size)
		for i := range idx {
			idx[i] = b.rng.IntN(b.n)
		}
	} else {
		if b.perm == nil || b.pos >= b.n || (b.r.DropLast && b.pos+b.r.Size > b.n) {
			b.perm = b.rng.Perm(b.n)
			b.pos = 0
		}
		end := min(b.pos+b.r.Size, b.n)
		idx = append([]int(nil), b.perm[b.pos:end]...)
		b.pos = end
	}
	b.examples += int64(len(idx))
	return idx
}

// Examples returns the number of examples processed so far.
func (b *Batcher) Examples() int64 { return b.examples }

// Epochs returns examples seen divided by n.
func (b *Batcher) Epochs() float64 { return float64(b.examples) / float64(b.n) }

// FullBatch is the full-batch regime (BGD: the whole training set every step).
var FullBatch = Regime{Kind: "full"}

// MiniBatch is the regime of shuffled mini-batches of size n (each epoch a
// fresh permutation).
func MiniBatch(n int) Regime { return Regime{Kind: "mini", Size: n} }

// MustParseRegime is ParseRegime for tests and examples: it panics on error.
func MustParseRegime(s string) Regime {
	r, err := ParseRegime(s)
	if err != nil {
		panic(err)
	}
	return r
}
