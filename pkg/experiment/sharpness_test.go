package experiment_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/lsq"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

// A run with sharpness_every measures λmax of the training-loss Hessian
// before every multiple of it, written to run.json and read back. Least
// squares on the textbook points has the constant Hessian 2·XᵀX/n, whose
// largest eigenvalue (from lsq, independent of the run's Hessian-vector
// products) every measurement must equal.
func TestRunMeasuresSharpness(t *testing.T) {
	x, y := data.TextbookPoints()
	want := lsq.Problem{X: lsq.WithBias(x), Y: y}.Hessian()
	lmax := sym2Max(want.At(0, 0), want.At(0, 1), want.At(1, 1))
	s := experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Optimizer: optim.MustParse("gd:lr=0.01"), Batch: data.MustParseRegime("full"), Steps: 10, Init: "zeros", DType: "float64", SharpnessEvery: 4}
	res, err := experiment.Run(context.Background(), nil, s, experiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := experiment.Write(dir, res); err != nil {
		t.Fatal(err)
	}
	back, err := experiment.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	for _, p := range back.Sharpness {
		steps = append(steps, p.Step)
		if d := math.Abs(float64(p.LambdaMax) - lmax); d > 1e-9*lmax {
			t.Errorf("λmax at step %d = %.15g, closed form %.15g", p.Step, float64(p.LambdaMax), lmax)
		}
	}
	if len(steps) != 3 || steps[0] != 0 || steps[1] != 4 || steps[2] != 8 {
		t.Errorf("measured at steps %v, want [0 4 8]", steps)
	}
	s.Batch = data.MiniBatch(2)
	if _, err := experiment.Run(context.Background(), nil, s, experiment.Options{}); err == nil || !strings.Contains(err.Error(), "sharpness_every") {
		t.Errorf("a mini-batch run with sharpness_every: error %v, want one naming sharpness_every", err)
	}
}

// sym2Max is the largest eigenvalue of the symmetric matrix [[a, b], [b, c]].
func sym2Max(a, b, c float64) float64 {
	return (a+c)/2 + math.Sqrt((a-c)*(a-c)/4+b*b)
}
