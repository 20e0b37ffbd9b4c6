package studies

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
)

// TestDetectionStudyTiny runs the detection study on a tiny data set: one
// row per method at the epoch budget and again at the equal-seconds budget,
// the figure, and a claim per budget unit about object detection that names
// mAP@0.5 and the unit.
func TestDetectionStudyTiny(t *testing.T) {
	plan := detPlanFor(false)
	plan.data, plan.model, plan.epochs, plan.seeds = data.Detection{N: 60}, models.Detector{Width: 2}, 1, []uint64{1, 2}
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	s := &Env{Backend: b, Ctx: context.Background(), Results: filepath.Join(t.TempDir(), "results")}
	sec, err := runBoxStudy(s, plan, Study{Title: "detection"})
	if err != nil {
		t.Fatal(err)
	}
	rows := sec.Tables[0].Rows
	if len(rows) != len(plan.methods) || !strings.Contains(sec.Tables[0].Header[3], "mAP@0.5") {
		t.Fatalf("%d rows (want %d), header %v", len(rows), len(plan.methods), sec.Tables[0].Header)
	}
	if len(sec.Figures) != 1 || sec.Figures[0].Name != "detection_map" || len(sec.Claims) != 2 || len(sec.Tables) != 2 {
		t.Fatalf("figures %v, claims %d, tables %d", sec.Figures, len(sec.Claims), len(sec.Tables))
	}
	for i, unit := range []string{"budget of epochs", "budget of training seconds"} {
		if c := sec.Claims[i]; !strings.Contains(c.Statement, "object detection") || !strings.Contains(c.Statement, "mAP@0.5") || !strings.Contains(c.Statement, unit) {
			t.Errorf("claim %d: %s (want the %s)", i, c.Statement, unit)
		}
	}
	if rows := sec.Tables[1].Rows; len(rows) != len(plan.methods) || !strings.Contains(sec.Tables[1].Caption, "Equal wall-clock budget") {
		t.Errorf("equal-seconds table: %d rows, caption %q", len(rows), sec.Tables[1].Caption)
	}
	// The AlgoPerf score: 0 unless every seed reached the target; the
	// fastest of those that did scores 1.
	best, allReached := 0.0, false
	for _, row := range sec.Tables[1].Rows {
		reached, score := row[4], row[len(row)-1]
		k, n, _ := strings.Cut(reached, "/")
		if k != n && score != "0.000" {
			t.Errorf("%s: reached %s but scored %s", row[0], reached, score)
		}
		allReached = allReached || (k == n && k != "0")
		if v, err := strconv.ParseFloat(score, 64); err == nil && v > best {
			best = v
		}
	}
	if allReached && best != 1 {
		t.Errorf("a method reached the target on every seed, but the best score is %g", best)
	}
}

// TestEqualSecondsRunsEvaluateAsTheyTrain: a box study's time to target is
// read off the validation rows, so a run with a seconds budget must evaluate
// as it trains, at least once per epoch at every method's batch size, not
// only when the budget ends (as it did when its interval came from the step
// cap, 100× the epochs: every method's time to target was the budget).
func TestEqualSecondsRunsEvaluateAsTheyTrain(t *testing.T) {
	for _, full := range []bool{false, true} {
		plan := locPlanFor(full)
		n := plan.data.(data.Localization).N
		for _, m := range plan.methods {
			perEpoch := 1
			if m.batch > 0 {
				perEpoch = n / m.batch
			}
			sp := locSpec(plan, m.batch, 2)
			if sp.Seconds != 2 || sp.EvalEvery <= 0 || sp.EvalEvery > perEpoch || sp.EvalEvery%sp.LogEvery != 0 {
				t.Errorf("full=%v %s: seconds %g, eval every %d steps, log every %d (%d steps per epoch): want an evaluation at least once per epoch", full, m.label, sp.Seconds, sp.EvalEvery, sp.LogEvery, perEpoch)
			}
			// An epoch run is scored by its final validation metric only
			// (the loop always evaluates the last row): no evaluations
			// between its first and last step.
			if ep := locSpec(plan, m.batch, 0); ep.Seconds != 0 || ep.EvalEvery%ep.LogEvery != 0 || float64(ep.EvalEvery) <= ep.Epochs*float64(perEpoch) {
				t.Errorf("full=%v %s: the epoch run evaluates every %d steps in its %g×%d", full, m.label, ep.EvalEvery, ep.Epochs, perEpoch)
			}
		}
	}
}
