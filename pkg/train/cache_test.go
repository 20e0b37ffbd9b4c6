package train_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/spec"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute/dtypes"
)

// TestCacheRunsEqualFreshRuns runs a sequence of MLP runs — other seeds,
// other rates, other methods, full batch and mini-batch, a schedule, one
// that diverges — through one Cache and again each on a fresh trainer, and
// checks that every history is identical (all columns but wall-clock time)
// and that the cache compiled each step graph once: one per optimizer
// GraphKey, step kind and batch size, not one per run.
func TestCacheRunsEqualFreshRuns(t *testing.T) {
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	sp, err := data.Moons{N: 200, Seed: 3, Holdout: data.Holdout{Val: 0.2, Test: spec.Zero}}.Load()
	if err != nil {
		t.Fatal(err)
	}
	type run struct {
		opt   optim.Config
		sched optim.Schedule
		batch string
		seed  uint64
	}
	cosine := optim.Schedule{Kind: "cosine", Steps: 30, Warmup: 5}
	runs := []run{
		{optim.Adam{LR: 0.01}, optim.Constant(), "full", 1},
		{optim.Adam{LR: 0.003}, optim.Constant(), "full", 2}, // reuses the step: lr is a variable
		{optim.Momentum{LR: 0.1}, optim.Constant(), "full", 3},
		{optim.Adam{LR: 0.003}, optim.Constant(), "32", 2},
		{optim.Adam{LR: 0.02}, optim.Constant(), "32", 4},
		{optim.Adam{LR: 0.02}, cosine, "full", 5},
		{optim.GD{LR: 1e9}, optim.Constant(), "full", 6}, // diverges
		{optim.Momentum{LR: 0.05}, optim.Constant(), "full", 7},
		{optim.NAdam{LR: 0.01}, optim.Constant(), "full", 8},
		{optim.NAdam{LR: 0.005}, optim.Constant(), "full", 9},
	}
	// Distinct (GraphKey, kind, batch size): adam full, momentum full, adam
	// 32 (160 training examples: one batch size), adam+cosine, gd, nadam.
	const wantCompiles = 6
	cache := train.NewCache()
	defer cache.Close()
	do := func(c *train.Cache, r run) train.Outcome {
		m := models.MustNew(models.MLP{Hidden: []int{16}, Act: "tanh"})
		if err := m.Bind(sp.Train); err != nil {
			t.Fatal(err)
		}
		tr, release, err := c.Trainer(b, m, dtypes.Float32, r.seed, "")
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		full := r.batch == "full"
		train32, err := train.Upload(b, sp.Train, dtypes.Float32, 1024, true)
		if err != nil {
			t.Fatal(err)
		}
		val, err := train.Upload(b, sp.Val, dtypes.Float32, 1024, false)
		if err != nil {
			t.Fatal(err)
		}
		regime, err := data.ParseRegime(r.batch)
		if err != nil {
			t.Fatal(err)
		}
		batcher, err := data.NewBatcher(regime, sp.Train.N, r.seed)
		if err != nil {
			t.Fatal(err)
		}
		o := optim.MustNew(r.opt).WithSchedule(r.sched)
		out, err := tr.Run(context.Background(), o, batcher, train.Splits{Train: train32, Val: val},
			train.Loop{Steps: 30, BlowUp: 1e6, LogEvery: 1, EvalEvery: 5, BatchLoss: !full})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for i, r := range runs {
		got, want := do(cache, r), do(nil, r)
		if got.Status != want.Status || got.Steps != want.Steps || len(got.History) != len(want.History) {
			t.Fatalf("run %d (%v, %s): cached %s after %d steps (%d rows), fresh %s after %d (%d rows)", i, r.opt, r.batch,
				got.Status, got.Steps, len(got.History), want.Status, want.Steps, len(want.History))
		}
		for k := range got.History {
			g, w := got.History[k], want.History[k]
			g.WallS, w.WallS = 0, 0
			if fmt.Sprintf("%v", g) != fmt.Sprintf("%v", w) {
				t.Fatalf("run %d (%v, %s) row %d: cached %+v\nfresh %+v", i, r.opt, r.batch, k, g, w)
			}
		}
		if i == 6 && got.Status != optim.Diverged {
			t.Errorf("run %d (gd lr 1e9) should diverge, got %s", i, got.Status)
		}
	}
	if n := cache.Compiles(); n != wantCompiles {
		t.Errorf("the cache compiled %d step graphs for %d runs, want %d", n, len(runs), wantCompiles)
	}
}

// TestCacheKeepsAtMostMaxIdle runs MaxIdle+3 models of different widths
// through a cache: it keeps MaxIdle trainers, closing the oldest, and the
// first model, evicted, is compiled again when it comes back.
func TestCacheKeepsAtMostMaxIdle(t *testing.T) {
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	sp, err := data.Moons{N: 60, Seed: 1}.Load()
	if err != nil {
		t.Fatal(err)
	}
	cache := train.NewCache()
	defer cache.Close()
	run := func(width int) {
		m := models.MustNew(models.MLP{Hidden: []int{width}})
		if err := m.Bind(sp.Train); err != nil {
			t.Fatal(err)
		}
		tr, release, err := cache.Trainer(b, m, dtypes.Float32, 1, "")
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		all, err := train.Upload(b, sp.Train, dtypes.Float32, 1024, true)
		if err != nil {
			t.Fatal(err)
		}
		batcher, _ := data.NewBatcher(data.Regime{Kind: "full"}, sp.Train.N, 1)
		if _, err := tr.Run(context.Background(), optim.MustNew(optim.GD{LR: 0.1}), batcher, train.Splits{Train: all},
			train.Loop{Steps: 2, BlowUp: 1e6, LogEvery: 1, EvalEvery: 1}); err != nil {
			t.Fatal(err)
		}
	}
	for w := 1; w <= train.MaxIdle+3; w++ {
		run(w)
	}
	if n := cache.Idle(); n != train.MaxIdle {
		t.Errorf("%d idle trainers after %d models, want %d", n, train.MaxIdle+3, train.MaxIdle)
	}
	before := cache.Compiles()
	run(1) // evicted: compiled again
	run(train.MaxIdle + 3)
	if got := cache.Compiles() - before; got != 1 {
		t.Errorf("%d compilations for an evicted model and a kept one, want 1", got)
	}
}
