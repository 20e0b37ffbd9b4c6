package experiment_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/lsq"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/spec"
	"github.com/gomlx/compute"
)

// TestTextbookMatchesClosedForm runs the example of docs/cli.md and compares the
// training loss at every step with the exact GD iterate
// θ_k = θ* + (I − αH)^k(θ₀ − θ*).
func TestTextbookMatchesClosedForm(t *testing.T) {
	res, err := experiment.Run(context.Background(), nil, experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Optimizer: optim.MustParse("gd:lr=0.01"),
		Batch: data.MustParseRegime("full"), Steps: 1000, Init: "zeros", DType: "float64"}, experiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != optim.Budget || len(res.History) != 1001 {
		t.Fatalf("status %s, %d rows", res.Status, len(res.History))
	}
	x, y := data.TextbookPoints()
	p := lsq.Problem{X: lsq.WithBias(x), Y: y}
	for _, r := range res.History {
		th, err := p.ExactGD([]float64{0, 0}, 0.01, r.Step)
		if err != nil {
			t.Fatal(err)
		}
		want := p.MSE(th)
		if math.Abs(r.TrainLoss-want) > 1e-12*math.Max(1, want)+1e-15 {
			t.Fatalf("step %d: train loss %.17g, closed form %.17g", r.Step, r.TrainLoss, want)
		}
	}
	t.Logf("training wall time %.3fs for 1000 steps", res.Final.WallS)
}

func TestDeterministicHistories(t *testing.T) {
	spec := experiment.Spec{Data: data.MustParse("blobs:n=300"), Model: models.MustParse("mlp:hidden=8"), Optimizer: optim.MustParse("adam:lr=0.01"), Batch: data.MustParseRegime("32"), Epochs: 3, Seed: 4}
	var outs [2]bytes.Buffer
	for i := range outs {
		res, err := experiment.Run(context.Background(), nil, spec, experiment.Options{})
		if err != nil {
			t.Fatal(err)
		}
		experiment.WriteHistoryCSV(&outs[i], res)
	}
	if outs[0].String() == "" || !bytes.Equal(stripWall(outs[0].Bytes()), stripWall(outs[1].Bytes())) {
		t.Fatalf("two identical runs differ:\n%s\n---\n%s", outs[0].String()[:300], outs[1].String()[:300])
	}
}

// stripWall blanks the wall_s column, the only one allowed to differ.
func stripWall(b []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		f := bytes.Split(line, []byte(","))
		if len(f) > 4 {
			f[4] = nil
		}
		out = append(out, bytes.Join(f, []byte(","))...)
		out = append(out, '\n')
	}
	return out
}

func TestTrajectory2D(t *testing.T) {
	b := backendForTest(t)
	well := data.Functions2D()["double-well"]
	for _, lr := range []float64{0.05, 0.02} {
		p, err := experiment.Trajectory2D(b, well, optim.MustNew(optim.GD{LR: lr}), well.Start, 300)
		if err != nil {
			t.Fatal(err)
		}
		x, y := p.X[len(p.X)-1], p.Y[len(p.Y)-1]
		// From (1.6, 1) descent ends in the right-hand (local, not global) well.
		if math.Abs(x-well.Minima[1][0]) > 1e-3 || math.Abs(y) > 1e-3 {
			t.Errorf("gd:lr=%g ended at (%g, %g), want the local minimum (%g, 0)", lr, x, y, well.Minima[1][0])
		}
		if well.F(x, y) <= well.F(well.Minima[0][0], 0) {
			t.Errorf("local minimum should be higher than the global one")
		}
	}
}

func backendForTest(t *testing.T) compute.Backend {
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	return b
}

// TestEvaluationColumnsDescribeTheirStep checks that row k's validation and
// test columns are measured at θ_k, like its training loss: a run stopped
// after k steps (whose last row is evaluated at its final parameters) must
// agree with row k of a longer run, for full and mini-batches and every k.
func TestEvaluationColumnsDescribeTheirStep(t *testing.T) {
	for _, batch := range []data.Regime{data.FullBatch, data.MiniBatch(16)} {
		spec := experiment.Spec{Data: data.MustParse("synthetic-linear:n=200,d=5,kappa=10,noise=0.1"), Model: models.MustParse("linear"), Optimizer: optim.MustParse("gd:lr=0.05"),
			Batch: batch, Steps: 4, Init: "zeros", DType: "float64", EvalEvery: 1, LogEvery: 1}
		long, err := experiment.Run(context.Background(), nil, spec, experiment.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for k := 1; k <= 4; k++ {
			short := spec
			short.Steps = k
			res, err := experiment.Run(context.Background(), nil, short, experiment.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want, got := res.History[len(res.History)-1], long.History[k]
			if got.Step != k || want.Step != k {
				t.Fatalf("batch %s: rows at steps %d and %d, want %d", batch, got.Step, want.Step, k)
			}
			for _, c := range [][3]any{{"val_loss", got.ValLoss, want.ValLoss}, {"test_loss", got.TestLoss, want.TestLoss}, {"train_loss", got.TrainLoss, want.TrainLoss}} {
				if g, w := c[1].(float64), c[2].(float64); math.Abs(g-w) > 1e-12*math.Abs(w) {
					t.Errorf("batch %s, step %d: %s %.15g in the 4-step run, %.15g after stopping at step %d", batch, k, c[0], g, w, k)
				}
			}
		}
		if v0 := long.History[0].ValLoss; !(v0 > long.History[1].ValLoss) {
			t.Errorf("batch %s: row 0 val_loss %g is not the (higher) loss of the zero initialization", batch, v0)
		}
	}
}

// Spec.Chunk splits a full-batch step without changing it (float64: equal
// to 1e-12 relative), and the run records the chunk it used.
func TestChunkedRunMatchesOneShot(t *testing.T) {
	b := backendForTest(t)
	base := experiment.Spec{Data: data.MustParse("blobs:n=250,val=0.2,test=0"), Model: models.MustParse("mlp:hidden=8"), Optimizer: optim.MustParse("adam:lr=0.01"),
		Batch: data.MustParseRegime("full"), Steps: 20, DType: "float64", Seed: 3, LogEvery: 1}
	runs := map[int]*experiment.Result{}
	for _, chunk := range []int{-1, 37} {
		s := base
		s.Chunk = chunk
		res, err := experiment.Run(context.Background(), b, s, experiment.Options{})
		if err != nil {
			t.Fatal(err)
		}
		runs[chunk] = res
	}
	one, split := runs[-1], runs[37]
	if one.FullBatchChunk != 0 || split.FullBatchChunk != 37 {
		t.Fatalf("recorded chunks %d and %d, want 0 and 37", one.FullBatchChunk, split.FullBatchChunk)
	}
	for i, r := range one.History {
		c := split.History[i]
		if math.Abs(c.TrainLoss-r.TrainLoss) > 1e-12*r.TrainLoss || math.Abs(c.ValMetric-r.ValMetric) > 1e-12 {
			t.Fatalf("row %d: chunked loss %.15g val %.15g, one-shot %.15g %.15g", r.Step, c.TrainLoss, c.ValMetric, r.TrainLoss, r.ValMetric)
		}
	}
}

// A diverged run says why: on the textbook points GD at α = 0.09 passes
// 2/L, and η·λmax at the last finite step is α times the Hessian's top
// eigenvalue, 12 + √136 for (2/n)·XᵀX with a bias column (closed form).
func TestDivergenceExplained(t *testing.T) {
	b := backendForTest(t)
	res, err := experiment.Run(context.Background(), b, experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Optimizer: optim.MustParse("gd:lr=0.09"),
		Batch: data.MustParseRegime("full"), Steps: 1000, DType: "float64", Init: "zeros"}, experiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Divergence
	if res.Status != optim.Diverged || d == nil || d.LRTimesLambdaMax == nil {
		t.Fatalf("status %s, divergence %+v", res.Status, d)
	}
	want := 0.09 * (12 + math.Sqrt(136))
	if math.Abs(float64(*d.LRTimesLambdaMax)-want) > 1e-6*want || d.Step != *res.DivergedAt || d.LastFinite != d.Step-1 {
		t.Errorf("η·λmax %v at step %d (diverged %d), want %v", *d.LRTimesLambdaMax, d.LastFinite, d.Step, want)
	}
	if !strings.Contains(d.Summary, "at or above 2") {
		t.Errorf("summary %q", d.Summary)
	}
	ok, err := experiment.Run(context.Background(), b, experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Optimizer: optim.MustParse("gd:lr=0.05"),
		Batch: data.MustParseRegime("full"), Steps: 100, DType: "float64"}, experiment.Options{})
	if err != nil || ok.Divergence != nil {
		t.Errorf("a converging run has a divergence record: %+v (%v)", ok.Divergence, err)
	}
}

// TestKeepPredictions: the recorded test predictions of a three-class
// softmax agree with the run's own test accuracy, computed independently
// from them and the test split's labels.
func TestKeepPredictions(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("x1,x2,label\n")
	for i := range 300 {
		c := i % 3
		a := 2 * math.Pi * float64(c) / 3
		fmt.Fprintf(&csv, "%.4f,%.4f,%d\n", 2*math.Cos(a)+math.Sin(float64(7*i)), 2*math.Sin(a)+math.Cos(float64(11*i)), c)
	}
	path := filepath.Join(t.TempDir(), "three.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	dcfg := data.CSV{Path: path, Task: data.Classification, Holdout: data.Holdout{Val: spec.Zero, Test: 0.3}}
	res, err := experiment.Run(context.Background(), backendForTest(t), experiment.Spec{Data: dcfg, Model: models.Softmax{},
		Optimizer: optim.MustParse("adam:lr=0.05"), Batch: data.MustParseRegime("full"), Steps: 100, DType: "float64", KeepPredictions: true}, experiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := data.Load(dcfg.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.TestPredictions) != sp.Test.N {
		t.Fatalf("%d predictions for %d test examples", len(res.TestPredictions), sp.Test.N)
	}
	right := 0
	for i, p := range res.TestPredictions {
		if p == sp.Test.Labels[i] {
			right++
		}
	}
	acc := float64(right) / float64(sp.Test.N)
	if want := res.Last().TestMetric; math.Abs(acc-want) > 1e-12 || acc < 0.5 {
		t.Errorf("accuracy from the predictions %.6f, the run's test accuracy %.6f (want equal, and above chance)", acc, want)
	}
}
