package studies

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/internal/testenv"
	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
)

// TestFashionComparisonTiny runs the Fashion-MNIST comparison end to end on
// tiny subsets (softmax on 500 images, a CNN on 300; 1 epoch, 2 reporting
// seeds) under the tuning protocol: one table row per method and model (the
// CNN without L-BFGS), a one-point grid never extended, momentum's β
// reported, tuning runs on the tuning seed only, the figures and the
// performance profile drawn, and the "BGD trains faster than SGD" claim
// computed. The quick and full studies use the same code with larger
// settings.
func TestFashionComparisonTiny(t *testing.T) {
	plan := fashionPlan{
		data:   data.FashionMNIST{Subset: 500, Val: 200, TestSubset: 200, Standardize: true},
		epochs: 1, seeds: []uint64{1, 2},
		models: []fashionModel{{label: "softmax regression", model: models.Softmax{}, target: 0.5},
			{label: "CNN", model: models.CNN{}, target: 0.3, data: data.FashionMNIST{Subset: 300, Val: 100, TestSubset: 100, Standardize: true}, noLineSearch: true}},
		methods: []method{
			{label: "BGD (gd, full batch)", short: "BGD", opt: "gd", batch: data.FullBatch, lrs: []float64{0.03, 0.1, 0.3}},
			{label: "SGD (gd, batch 128)", short: "SGD", opt: "gd", batch: data.MiniBatch(128), lrs: []float64{0.03}},
			{label: "momentum (batch 128)", short: "momentum", opt: "momentum", batch: data.MiniBatch(128), lrs: []float64{0.03}, betas: []float64{0.5, 0.9}},
			{label: "L-BFGS (full batch)", short: "L-BFGS", opt: "lbfgs", batch: data.FullBatch},
		},
	}
	if _, err := os.Stat(data.FashionMNISTDir()); err != nil {
		testenv.Missing(t, "Fashion-MNIST", "apt-get install dataset-fashion-mnist (scripts/setup does)")
	}
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	out := t.TempDir()
	s := &Env{Backend: b, Ctx: context.Background(), Results: filepath.Join(out, "results")}
	sec, err := runFashion(s, plan)
	if err != nil {
		t.Fatal(err)
	}
	// Every method on softmax; the CNN leaves L-BFGS out; the equal-time
	// table has the same rows, each with its workload's budget in seconds;
	// the AlgoPerf table one row per method, both scores in [0, 1].
	if len(sec.Tables) != 3 || len(sec.Tables[0].Rows) != 2*len(plan.methods)-1 || len(sec.Tables[1].Rows) != len(sec.Tables[0].Rows) || len(sec.Tables[2].Rows) != len(plan.methods) {
		t.Fatalf("want tables of %d, %d and %d rows, got %+v", 2*len(plan.methods)-1, 2*len(plan.methods)-1, len(plan.methods), sec.Tables)
	}
	for _, row := range sec.Tables[2].Rows {
		for _, cell := range row[1:] {
			if v, err := strconv.ParseFloat(cell, 64); err != nil || v < 0 || v > 1 {
				t.Errorf("%s: AlgoPerf score %q", row[0], cell)
			}
		}
	}
	for _, row := range sec.Tables[1].Rows {
		if v, err := strconv.ParseFloat(row[2], 64); err != nil || !(v > 0) {
			t.Errorf("%s %s: equal-time budget %q", row[0], row[1], row[2])
		}
	}
	for _, row := range sec.Tables[0].Rows {
		model, method, tried, setting := row[0], row[1], row[2], row[3]
		switch {
		case strings.HasPrefix(method, "SGD") && (tried != "0.03" || setting != "lr 0.03"):
			t.Errorf("%s %s: a one-point grid: tried %q, setting %q", model, method, tried, setting)
		case strings.HasPrefix(method, "L-BFGS") && (setting != "line search" || model != "softmax regression"):
			t.Errorf("%s %s: setting %q", model, method, setting)
		case strings.HasPrefix(method, "momentum") && !strings.Contains(setting, "β "):
			t.Errorf("%s momentum: β not reported in %q", model, setting)
		}
	}
	// Tuning runs used the tuning seed only; reporting runs the plan's seeds.
	dirs, _ := filepath.Glob(filepath.Join(out, "results", "fashion", "*", "*", "*", "*", "runs", "*"))
	for _, d := range dirs {
		tune := strings.Contains(d, string(filepath.Separator)+"tune"+string(filepath.Separator))
		if tune != strings.HasSuffix(d, "seed101") {
			t.Errorf("run %s: tuning folder and seed disagree", d)
		}
	}
	if len(dirs) < 20 {
		t.Errorf("only %d run folders under %s", len(dirs), out)
	}
	// The test data is a final exam: measured on the last row only, while
	// the validation data is measured along the way (time to target).
	sgd, _ := filepath.Glob(filepath.Join(out, "results", "fashion", "softmax", "gd-128", "report", "*", "runs", "*"))
	for _, d := range sgd {
		r, err := experiment.Read(d)
		if err != nil {
			t.Fatal(err)
		}
		vals, tests := 0, 0
		for i, h := range r.History {
			if !math.IsNaN(h.ValMetric) {
				vals++
			}
			if !math.IsNaN(h.TestMetric) {
				tests++
				if i != len(r.History)-1 {
					t.Errorf("%s: test data measured at row %d of %d", d, i, len(r.History))
				}
			}
		}
		if tests != 1 || vals < 3 {
			t.Errorf("%s: test measured on %d rows, validation on %d; want 1 (the last) and several", d, tests, vals)
		}
	}
	if len(sgd) != len(plan.seeds) {
		t.Errorf("%d SGD reporting runs on softmax, want %d", len(sgd), len(plan.seeds))
	}
	figs := map[string]bool{}
	for _, f := range sec.Figures {
		figs[f.Name] = f.Plot != nil
	}
	for _, name := range []string{"fashion_softmax_accuracy", "fashion_softmax_lr", "fashion_softmax_bars", "fashion_cnn_bars", "fashion_profile", "fashion_softmax_accuracy_time", "fashion_cnn_accuracy_time"} {
		if !figs[name] {
			t.Errorf("figure %s missing (have %v)", name, figs)
		}
	}
	// One claim per budget unit, each verdict following from its evidence.
	if len(sec.Claims) != 2 {
		t.Fatalf("want 2 claims (equal epochs, equal seconds), got %d", len(sec.Claims))
	}
	for i, unit := range []string{"budget of epochs", "wall-clock budget"} {
		c := sec.Claims[i]
		if want := verdictFromEvidence(t, c.Evidence); string(c.Verdict) != want {
			t.Errorf("claim verdict %q, but its evidence says %q: %s", c.Verdict, want, c.Evidence)
		}
		if !strings.Contains(c.Statement, unit) || !strings.Contains(c.Evidence, "softmax regression (") || !strings.Contains(c.Evidence, "SGD (batch 128)") {
			t.Errorf("claim %q: evidence %q", c.Statement, c.Evidence)
		}
		t.Logf("%s — %s: %s", c.Statement, c.Verdict, c.Evidence)
	}
	if !strings.Contains(sec.Claims[0].Evidence, "softmax regression (1 epochs): BGD") {
		t.Errorf("epoch claim evidence %q", sec.Claims[0].Evidence)
	}
}

// verdictFromEvidence recomputes the "BGD trains faster than SGD" verdict
// from the evidence text, model by model: the method that reached the
// validation target sooner (or alone) wins the model; SGD winning every model
// refutes, BGD winning every model supports, anything else is "nuanced".
func verdictFromEvidence(t *testing.T, evidence string) string {
	t.Helper()
	re := regexp.MustCompile(`(BGD|SGD \(batch 128\)) (reached it in ([0-9.e+-]+) s|never reached|diverged)`)
	ms := re.FindAllStringSubmatch(evidence, -1)
	if len(ms) == 0 || len(ms)%2 != 0 {
		t.Fatalf("evidence %q: want BGD and SGD outcomes per model", evidence)
	}
	bgdWins, sgdWins := 0, 0
	for i := 0; i < len(ms); i += 2 {
		time := func(m []string) (float64, bool) {
			if m[3] == "" {
				return 0, false
			}
			v, err := strconv.ParseFloat(m[3], 64)
			if err != nil {
				t.Fatalf("evidence %q: %v", evidence, err)
			}
			return v, true
		}
		bgd, bgdOK := time(ms[i])
		sgd, sgdOK := time(ms[i+1])
		switch {
		case sgdOK && (!bgdOK || sgd < bgd):
			sgdWins++
		case bgdOK && (!sgdOK || bgd < sgd):
			bgdWins++
		}
	}
	switch models := len(ms) / 2; {
	case sgdWins == models:
		return "refuted"
	case bgdWins == models:
		return "supported"
	}
	return "nuanced"
}
