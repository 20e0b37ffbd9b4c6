package lab_test

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/lab"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/stats"
	"github.com/bgdlab/bgdlab/pkg/studies"
)

// A cell names its experiment with typed configurations; the runner sees the
// specs they print.
func ExampleSpec() {
	s := lab.Spec(data.SyntheticLinear{N: 600, Kappa: 10}, models.Linear{}, optim.Momentum{LR: 0.05, Momentum: 0.5},
		lab.Steps(300), lab.BatchWithReplacement(32))
	fmt.Println(s.Data)
	fmt.Println(s.Model, s.Optimizer, s.Batch, s.Steps, s.DType)
	// Output:
	// synthetic-linear:n=600,kappa=10
	// linear momentum:lr=0.05,momentum=0.5 mini:size=32,replace=true 300 float64
}

// The textbook run against a float64 recomputation of the same iterates:
// θ ← θ − α·(2/n)·Xᵀ(Xθ − y) with a bias column, from θ = 0.
func TestRunMatchesHostGD(t *testing.T) {
	t.Setenv(lab.OutEnv, t.TempDir())
	const alpha, steps = 0.01, 1000
	res, err := lab.Run(data.Textbook{}, models.Linear{}, optim.GD{LR: alpha}, lab.Steps(steps))
	if err != nil {
		t.Fatal(err)
	}
	x, y := data.TextbookPoints()
	var b, w float64
	mse := func() float64 {
		var s float64
		for i := range x {
			r := b + w*x[i] - y[i]
			s += r * r
		}
		return s / float64(len(x))
	}
	for k := 0; k < steps; k++ {
		var gb, gw float64
		for i := range x {
			r := b + w*x[i] - y[i]
			gb += 2 * r / float64(len(x))
			gw += 2 * r * x[i] / float64(len(x))
		}
		b, w = b-alpha*gb, w-alpha*gw
	}
	got, want := res.Last().TrainLoss, mse()
	if res.Status != optim.Budget || res.Steps != steps || math.Abs(got-want) > 1e-9*want {
		t.Fatalf("status %s after %d steps, MSE %.12g; host float64 GD gives %.12g", res.Status, res.Steps, got, want)
	}
	cols := res.Columns()
	if len(cols.Step) != len(res.History) || cols.Step[len(cols.Step)-1] != steps || cols.TrainLoss[0] != 44 {
		t.Fatalf("columns: %d rows, last step %v, first loss %v (want 44 = mean of y²)", len(cols.Step), cols.Step[len(cols.Step)-1], cols.TrainLoss[0])
	}
	again, err := lab.Run(data.Textbook{}, models.Linear{}, optim.GD{LR: alpha}, lab.Steps(steps))
	if err != nil || !again.Start.Equal(res.Start) {
		t.Errorf("second run was not served from the cache (%v)", err)
	}
}

// Bad typed values fail before anything runs, naming the field.
func TestRunRefusesBadConfig(t *testing.T) {
	t.Setenv(lab.OutEnv, t.TempDir())
	_, err := lab.Run(data.Textbook{}, models.Linear{}, optim.GD{LR: -1}, lab.Steps(10))
	if err == nil || !strings.Contains(err.Error(), "field GD.LR") {
		t.Errorf("negative rate: %v", err)
	}
	_, err = lab.Run(data.SyntheticLinear{Kappa: 0.1}, models.Linear{}, optim.GD{}, lab.Steps(10))
	if err == nil || !strings.Contains(err.Error(), "field SyntheticLinear.Kappa") {
		t.Errorf("κ < 1: %v", err)
	}
}

// TestTuneExtendsItsGrid: a grid whose best rate is its largest grows by the
// grid's ratio until MaxExtensions; a grid around the best rate does not.
func TestTuneExtendsItsGrid(t *testing.T) {
	t.Setenv(lab.OutEnv, t.TempDir())
	d := data.SyntheticLinear{N: 200, D: 5, Kappa: 10}
	gd := func(lr float64) optim.Config { return optim.GD{LR: lr} }
	low, err := lab.Tune(d, models.Linear{}, gd, []float64{1e-4, 2e-4}, lab.Steps(50))
	if err != nil {
		t.Fatal(err)
	}
	if low.Extended != lab.MaxExtensions || len(low.LRs) != 2+lab.MaxExtensions || low.LR != 1.6e-3 || !low.OnEdge() {
		t.Errorf("too-small grid: extended %d times to %v, best %g (on edge %v); want 3 extensions up to 1.6e-3, best on the edge",
			low.Extended, low.LRs, low.LR, low.OnEdge())
	}
	around, err := lab.Tune(d, models.Linear{}, gd, []float64{0.001, 0.01, 0.1, 1}, lab.Steps(50))
	if err != nil {
		t.Fatal(err)
	}
	if around.OnEdge() || around.Extended != 0 {
		t.Errorf("grid %v around the best: best %g, extended %d", around.LRs, around.LR, around.Extended)
	}
}

// TestTuneReportsOnFreshSeeds: lab.Tune is the report's protocol — every
// tuning run on the tuning seed, the tuned rate rerun on the reporting
// seeds, and Test summarizes those reruns, not the tuning run (lab.Tune
// used to report the tuning run itself, as no study does).
func TestTuneReportsOnFreshSeeds(t *testing.T) {
	t.Setenv(lab.OutEnv, t.TempDir())
	gd := func(lr float64) optim.Config { return optim.GD{LR: lr} }
	tuned, err := lab.Tune(data.Blobs{N: 200}, models.Logistic{}, gd, []float64{0.01, 0.1, 1, 10}, lab.Steps(30), lab.Seed(7))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range tuned.Runs {
		if r.Spec.Seed != studies.TuneSeed {
			t.Errorf("tuning run at lr %g ran on seed %d, want the tuning seed %d", tuned.LRs[i], r.Spec.Seed, studies.TuneSeed)
		}
	}
	want := studies.ReportSeeds()
	if len(tuned.Reports) != len(want) || tuned.Test.N != len(want) {
		t.Fatalf("%d reporting runs, Test over %d, want %d", len(tuned.Reports), tuned.Test.N, len(want))
	}
	var tests []float64
	for i, r := range tuned.Reports {
		if r.Spec.Seed != want[i] || r.Spec.Optimizer.String() != gd(tuned.LR).String() {
			t.Errorf("reporting run %d: seed %d, optimizer %s; want seed %d at the tuned %s", i, r.Spec.Seed, r.Spec.Optimizer, want[i], gd(tuned.LR))
		}
		tests = append(tests, r.Last().TestMetric)
	}
	if got := stats.Summarize(tests); got.Mean != tuned.Test.Mean || math.IsNaN(got.Mean) {
		t.Errorf("Test mean %g, want the reporting runs' %g", tuned.Test.Mean, got.Mean)
	}
}

// TestFigurePathsNeverTheCommittedFigures: an interactive notebook (only
// GoNB's $GONB_DIR set) saves beside itself; the report's and the canonical
// run's folders only when they are named.
func TestFigurePathsNeverTheCommittedFigures(t *testing.T) {
	nbDir := filepath.Join(t.TempDir(), "notebooks")
	for _, tc := range []struct {
		out, figures, gonb string
		want               []string
	}{
		{"", "", nbDir, []string{filepath.Join(nbDir, "figures", "f.png")}},
		{"", "", "", []string{filepath.Join("figures", "f.png")}},
		{"/o", "", nbDir, []string{filepath.Join("/o", "figures", "f.png")}},
		{"/o", "/repo/figures", nbDir, []string{filepath.Join("/o", "figures", "f.png"), filepath.Join("/repo/figures", "f.png")}},
	} {
		t.Setenv(lab.OutEnv, tc.out)
		t.Setenv("BGDLAB_FIGURES", tc.figures)
		t.Setenv("GONB_DIR", tc.gonb)
		if got := lab.FigurePaths("f.png"); !slices.Equal(got, tc.want) {
			t.Errorf("BGDLAB_OUT=%q BGDLAB_FIGURES=%q GONB_DIR=%q: %v, want %v", tc.out, tc.figures, tc.gonb, got, tc.want)
		}
	}
}

// TestShowStudy runs a cheap study through ShowStudy (its claims come back
// judged) and refuses an unknown one with the list of studies.
func TestShowStudy(t *testing.T) {
	t.Setenv(lab.OutEnv, t.TempDir())
	st := lab.ShowStudy("textbook")
	if st.Title == "" || len(st.Claims) == 0 {
		t.Fatalf("textbook study: title %q, %d claims", st.Title, len(st.Claims))
	}
	for _, c := range st.Claims {
		if c.Verdict == "" {
			t.Errorf("claim %q has no verdict", c.Statement)
		}
	}
	defer func() {
		if r := fmt.Sprint(recover()); !strings.Contains(r, "the studies are") || !strings.Contains(r, "detection") {
			t.Errorf("an unknown study: %q", r)
		}
	}()
	lab.ShowStudy("nosuch")
}
