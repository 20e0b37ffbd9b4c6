package train_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
)

// setup binds linear regression to the five textbook points, in float64.
func setup(b compute.Backend) (*train.Trainer, train.Splits, *data.Batcher) {
	sp, err := data.Textbook{}.Load()
	if err != nil {
		panic(err)
	}
	m := models.MustNew(models.Linear{})
	if err := m.Bind(sp.Train); err != nil {
		panic(err)
	}
	tr, err := train.New(b, m, dtypes.Float64, 1, "")
	if err != nil {
		panic(err)
	}
	all, err := train.Upload(b, sp.Train, dtypes.Float64, 1024, true)
	if err != nil {
		panic(err)
	}
	batcher, err := data.NewBatcher(data.Regime{Kind: "full"}, sp.Train.N, 1)
	if err != nil {
		panic(err)
	}
	return tr, train.Splits{Train: all}, batcher
}

// Full-batch GD on the textbook points, stopped by a target loss.
func Example() {
	b := backend.MustNew()
	defer b.Finalize()
	tr, sp, batcher := setup(b)
	defer tr.Close()
	target := 0.01
	out, err := tr.Run(context.Background(), optim.MustNew(optim.GD{LR: 0.05}), batcher, sp,
		train.Loop{Steps: 1000, TargetLoss: &target, BlowUp: 1e6, LogEvery: 10, EvalEvery: 10})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: loss ≤ %g measured at θ_%d\n", out.Status, target, out.Steps)
	// Output: converged: loss ≤ 0.01 measured at θ_47
}

// hostGD returns the MSE after each of steps full-batch GD updates, from
// θ = 0, recomputed in float64 on the host.
func hostGD(alpha float64, steps int) []float64 {
	x, y := data.TextbookPoints()
	var b, w float64
	losses := make([]float64, steps+1)
	for k := 0; ; k++ {
		var mse, gb, gw float64
		for i := range x {
			r := b + w*x[i] - y[i]
			mse += r * r / float64(len(x))
			gb += 2 * r / float64(len(x))
			gw += 2 * r * x[i] / float64(len(x))
		}
		losses[k] = mse
		if k == steps {
			return losses
		}
		b, w = b-alpha*gb, w-alpha*gw
	}
}

// Each stop rule ends the run where the host recomputation says it must.
func TestStopRules(t *testing.T) {
	b := backend.MustNew()
	defer b.Finalize()
	target := 1e-3
	cases := []struct {
		name   string
		opt    optim.Config
		loop   train.Loop
		status optim.Status
		steps  int
	}{
		{"budget", optim.GD{LR: 0.05}, train.Loop{Steps: 40}, optim.Budget, 40},
		{"target", optim.GD{LR: 0.05}, train.Loop{Steps: 5000, TargetLoss: &target}, optim.Converged, -1},
		{"divergence", optim.GD{LR: 0.2}, train.Loop{Steps: 5000}, optim.Diverged, -1},
		{"line search", optim.LBFGS{}, train.Loop{Steps: 50, GradTol: 1e-9}, optim.Converged, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, sp, batcher := setup(b)
			defer tr.Close()
			tc.loop.BlowUp, tc.loop.LogEvery, tc.loop.EvalEvery = 1e6, 7, 7
			out, err := tr.Run(context.Background(), optim.MustNew(tc.opt), batcher, sp, tc.loop)
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != tc.status {
				t.Fatalf("status %s (%s), want %s", out.Status, out.Detail, tc.status)
			}
			gd, isGD := tc.opt.(optim.GD)
			if !isGD {
				if last := out.History[len(out.History)-1]; last.TrainLoss > 1e-12 {
					t.Errorf("L-BFGS ended at loss %g, want ≈ 0 (the points lie on a line)", last.TrainLoss)
				}
				return
			}
			host := hostGD(gd.LR, 5000)
			want := tc.steps
			if tc.status == optim.Converged {
				for want = 0; host[want] > target; want++ {
				}
			}
			if tc.status == optim.Diverged {
				if out.DivergedAt == nil || host[*out.DivergedAt] <= 1e6*host[0] {
					t.Fatalf("diverged at %v; host loss there %g", out.DivergedAt, host[*out.DivergedAt])
				}
				return
			}
			if out.Steps != want {
				t.Errorf("stopped after %d steps, host GD reaches the rule after %d", out.Steps, want)
			}
			if last := out.History[len(out.History)-1]; last.Step != want || last.Epoch != float64(want) {
				t.Errorf("history ends at step %d (epoch %g), want the row of step %d that stopped the run", last.Step, last.Epoch, want)
			}
			for _, r := range out.History {
				if math.Abs(r.TrainLoss-host[r.Step]) > 1e-9*host[r.Step] {
					t.Fatalf("row %d: loss %.15g, host %.15g", r.Step, r.TrainLoss, host[r.Step])
				}
			}
		})
	}
}

// The observer sees every update.
func TestProgressObserver(t *testing.T) {
	b := backend.MustNew()
	defer b.Finalize()
	tr, sp, batcher := setup(b)
	defer tr.Close()
	var seen []int
	_, err := tr.Run(context.Background(), optim.MustNew(optim.GD{}), batcher, sp, train.Loop{Steps: 7, BlowUp: 1e6, LogEvery: 3, EvalEvery: 3,
		Progress: func(step int, _ float64, _ time.Duration) { seen = append(seen, step) }})
	if err != nil || fmt.Sprint(seen) != "[1 2 3 4 5 6 7]" {
		t.Errorf("progress saw %v (%v), want every step", seen, err)
	}
}

// TestAtEnd keeps the test columns for the final row while the validation
// data is still measured every EvalEvery steps, in the first-order loop and
// in the line-search loop.
func TestTestAtEnd(t *testing.T) {
	b := backend.MustNew()
	defer b.Finalize()
	for _, tc := range []struct {
		name string
		opt  optim.Config
	}{{"gd", optim.GD{LR: 0.05}}, {"lbfgs", optim.LBFGS{}}} {
		for _, atEnd := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/test_at_end=%v", tc.name, atEnd), func(t *testing.T) {
				tr, sp, batcher := setup(b)
				defer tr.Close()
				sp.Val, sp.Test = sp.Train, sp.Train
				out, err := tr.Run(context.Background(), optim.MustNew(tc.opt), batcher, sp,
					train.Loop{Steps: 6, BlowUp: 1e6, LogEvery: 1, EvalEvery: 2, TestAtEnd: atEnd})
				if err != nil {
					t.Fatal(err)
				}
				h := out.History
				for i, r := range h {
					last := i == len(h)-1
					if wantVal := r.Step%2 == 0 || last; math.IsNaN(r.ValLoss) == wantVal {
						t.Errorf("row %d (step %d): validation loss %g, want measured=%v", i, r.Step, r.ValLoss, wantVal)
					}
					wantTest := last || (!atEnd && r.Step%2 == 0)
					if math.IsNaN(r.TestLoss) == wantTest {
						t.Errorf("row %d (step %d): test loss %g, want measured=%v", i, r.Step, r.TestLoss, wantTest)
					}
					if wantTest && math.Abs(r.TestLoss-r.ValLoss) > 1e-12*math.Max(1, r.ValLoss) {
						t.Errorf("row %d: test loss %g ≠ validation loss %g on the same data", i, r.TestLoss, r.ValLoss)
					}
				}
			})
		}
	}
}

// With BatchLoss, a mini-batch run's row 0 is the first mini-batch's loss at
// θ_0 (no pass over the whole training set), recomputed here on the host.
func TestBatchLossRowZero(t *testing.T) {
	b := backend.MustNew()
	defer b.Finalize()
	tr, sp, _ := setup(b)
	defer tr.Close()
	regime := data.Regime{Kind: "mini", Size: 2}
	batcher, err := data.NewBatcher(regime, 5, 7)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tr.Run(context.Background(), optim.MustNew(optim.GD{LR: 0.01}), batcher, sp,
		train.Loop{Steps: 4, BlowUp: 1e6, LogEvery: 2, EvalEvery: 2, BatchLoss: true})
	if err != nil {
		t.Fatal(err)
	}
	replay, _ := data.NewBatcher(regime, 5, 7)
	_, y := data.TextbookPoints()
	var want float64
	first := replay.Next()
	for _, i := range first {
		want += y[i] * y[i] / float64(len(first)) // θ_0 = 0 predicts 0
	}
	if got := out.History[0].TrainLoss; math.Abs(got-want) > 1e-12*want {
		t.Errorf("row 0 train loss %.15g, want the first batch's %.15g (batch %v)", got, want, first)
	}
}
