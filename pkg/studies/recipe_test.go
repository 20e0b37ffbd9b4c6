package studies

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/internal/testenv"
	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/stats"
)

// TestRecipeLadderTiny runs the ladder on a tiny subset: one row per rung
// plus the baseline, more updates and gradient evaluations for the long
// rungs than for SGD, the figure, and a claim whose evidence names the best
// rung.
func TestRecipeLadderTiny(t *testing.T) {
	if _, err := os.Stat(data.FashionMNISTDir()); err != nil {
		testenv.Missing(t, "Fashion-MNIST", "apt-get install dataset-fashion-mnist (scripts/setup does)")
	}
	plan := recipePlanFor(false)
	plan.data = data.FashionMNIST{Subset: 300, Val: 100, TestSubset: 100, Standardize: true}
	plan.seeds = []uint64{1, 2}
	for i := range plan.rungs {
		if plan.rungs[i].steps > 8 {
			plan.rungs[i].steps = 20
			if plan.rungs[i].schedule.Kind != "" {
				plan.rungs[i].schedule = optim.Schedule{Kind: "cosine", Steps: 20, Warmup: 2}
			}
		}
	}
	plan.sgd.epochs = 2
	plan.adam.steps = 20
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	s := &Env{Backend: b, Ctx: context.Background(), Results: filepath.Join(t.TempDir(), "results")}
	sec, err := runRecipe(s, plan)
	if err != nil {
		t.Fatal(err)
	}
	rows := sec.Tables[0].Rows
	if len(rows) != 2+len(plan.rungs) {
		t.Fatalf("%d rows, want %d (SGD, the rungs, full-batch Adam)", len(rows), 2+len(plan.rungs))
	}
	if rows[2][1] != "20" || rows[0][2] != "1" {
		t.Errorf("the long rung made %s updates (want 20); the baseline's cost ratio is %s (want 1)", rows[2][1], rows[0][2])
	}
	if len(sec.Figures) != 1 || sec.Figures[0].Name != "recipe_ladder" || len(sec.Claims) != 2 {
		t.Fatalf("figures %v, claims %d", sec.Figures, len(sec.Claims))
	}
	if c := sec.Claims[0]; !strings.Contains(c.Evidence, "best rung") && c.Verdict != Nuanced {
		t.Errorf("claim %s: %s", c.Verdict, c.Evidence)
	}
}

// TestFullBatchAdamClaim reaches each verdict of the full-batch Adam claim
// from made-up rung results: Adam's loss interval below GD's, above it,
// overlapping, and a method that diverged everywhere.
func TestFullBatchAdamClaim(t *testing.T) {
	res := func(mean, ci float64) rungResult {
		return rungResult{ok: true, lr: 0.01, r: rung{steps: 150}, loss: stats.Summary{N: 3, Mean: mean, CI95: ci}}
	}
	cases := []struct {
		gd, adam rungResult
		want     Verdict
	}{
		{res(0.5, 0.05), res(0.2, 0.05), Supported},
		{res(0.2, 0.05), res(0.5, 0.05), Refuted},
		{res(0.3, 0.05), res(0.25, 0.05), Nuanced},
		{res(0.3, 0.05), rungResult{}, Nuanced},
	}
	for i, c := range cases {
		if got := fullBatchAdamClaim(c.gd, c.adam); got.Verdict != c.want {
			t.Errorf("case %d: %s (%s), want %s", i, got.Verdict, got.Evidence, c.want)
		}
	}
}
