package lab_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/lab"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

// TestCompare: every method tuned under the protocol, in order, its test
// metric the reporting runs', the table naming each method and its rate,
// full batch evaluated every step and mini-batch about once per epoch.
func TestCompare(t *testing.T) {
	t.Setenv(lab.OutEnv, t.TempDir())
	gd := func(lr float64) optim.Config { return optim.GD{LR: lr} }
	methods := []lab.Method{
		{Name: "BGD", Opt: gd, LRs: []float64{0.1, 1, 10}},
		{Name: "SGD (batch 20)", Opt: gd, Batch: 20, LRs: []float64{0.01, 0.1, 1}},
	}
	c := lab.MustCompare(data.Blobs{N: 200}, models.Logistic{}, methods, lab.Epochs(3))
	if len(c.Tuned) != 2 || c.Metric != "accuracy" {
		t.Fatalf("%d tuned, metric %q", len(c.Tuned), c.Metric)
	}
	train := c.Tuned[1].Reports[0].Examples["train"]
	for i, tc := range []struct{ logEvery, batch int }{{1, 0}, {train / 20, 20}} {
		sp := c.Tuned[i].Reports[0].Spec
		if sp.LogEvery != tc.logEvery || sp.DType != "float32" {
			t.Errorf("%s: log every %d, dtype %s; want every %d steps in float32", methods[i].Name, sp.LogEvery, sp.DType, tc.logEvery)
		}
		if got := c.Test(methods[i].Name); got.N != 3 || got.Mean != c.Tuned[i].Test.Mean {
			t.Errorf("%s: Test %+v, want the 3 reporting runs' %+v", methods[i].Name, got, c.Tuned[i].Test)
		}
	}
	if got := c.Test("nonesuch"); !math.IsNaN(got.Mean) {
		t.Errorf("an unknown method's Test is %+v, want NaN", got)
	}
	table := c.Table()
	for _, want := range []string{"BGD", "SGD (batch 20)", "test accuracy", "3 reporting seeds"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if p := c.Curves("t"); p == nil {
		t.Error("no curves")
	}
}

// TestOnePerClassAndBoxed: one picture per class in class order; boxes
// outlined at their corners.
func TestOnePerClassAndBoxed(t *testing.T) {
	ds := &data.Dataset{N: 3, D: 1, Labels: []int{1, 0, 1}, Classes: 2, ClassNames: []string{"a", "b"}, X: []float64{10, 20, 30}}
	pics, names := lab.OnePerClass(ds)
	if len(pics) != 2 || pics[0][0] != 20 || pics[1][0] != 10 || names[0] != "a" || names[1] != "b" {
		t.Errorf("OnePerClass: %v %v", pics, names)
	}
	box := &data.Dataset{N: 1, D: 16, T: 4, X: make([]float64, 16), Y: []float64{0.25, 0.25, 0.75, 0.75}}
	pics, caps := lab.Boxed(box, 5, 4)
	want := []float64{0, 0, 0, 0, 0, -3, -3, 0, 0, -3, -3, 0, 0, 0, 0, 0}
	if len(pics) != 1 || !slices.Equal(pics[0], want) || caps[0] != "(0.25,0.25)-(0.75,0.75)" {
		t.Errorf("Boxed: %v %q, want %v", pics, caps, want)
	}
}

// TestAccuracyCountsThePredictions: 3 of 4 right, and the confusion matrix
// holds the same count on its diagonal.
func TestAccuracyCountsThePredictions(t *testing.T) {
	p := lab.Predictions{Test: &data.Dataset{N: 4, Labels: []int{0, 1, 1, 0}, Classes: 2}, Predicted: []int{0, 1, 0, 0}}
	conf := p.Confusion()
	if got := p.Accuracy(); got != 0.75 || conf[0][0]+conf[1][1] != 3 {
		t.Errorf("accuracy %g, confusion %v; want 0.75 and a diagonal of 3", got, conf)
	}
}
