package train_test

import (
	"context"
	"math"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute/dtypes"
)

// runOn trains an MLP on 203 moons (a prime, so chunks are uneven) with a
// full batch uploaded whole or in chunks, and returns its history.
func runOn(t *testing.T, dt dtypes.DType, chunk int, opt optim.Config, steps int) []train.Record {
	t.Helper()
	b := backend.MustNew()
	defer b.Finalize()
	sp, err := data.Moons{N: 203, Holdout: data.NoHoldout}.Load()
	if err != nil {
		t.Fatal(err)
	}
	m := models.MustNew(models.MLP{Hidden: []int{16, 8}, Act: models.Tanh})
	if err := m.Bind(sp.Train); err != nil {
		t.Fatal(err)
	}
	tr, err := train.New(b, m, dt, 7, "")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	whole := chunk >= sp.Train.N
	d, err := train.Upload(b, sp.Train, dt, chunk, whole)
	if err != nil {
		t.Fatal(err)
	}
	batcher, _ := data.NewBatcher(data.Regime{Kind: "full"}, sp.Train.N, 1)
	out, err := tr.Run(context.Background(), optim.MustNew(opt), batcher, train.Splits{Train: d},
		train.Loop{Steps: steps, BlowUp: 1e6, LogEvery: 1, EvalEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	return out.History
}

// The full batch summed over chunks is the one-shot step: equal to 1e-12
// relative in float64 and to float32 rounding, step after step, for a plain,
// a momentum, an adaptive method and L-BFGS (whose loss and gradient are
// summed over chunks on the host).
func TestChunkedFullBatchEqualsOneShot(t *testing.T) {
	cases := []struct {
		opt   optim.Config
		dt    dtypes.DType
		steps int
		tol   float64
	}{
		{optim.GD{LR: 0.5}, dtypes.Float64, 30, 1e-12},
		{optim.Momentum{LR: 0.1}, dtypes.Float64, 30, 1e-12},
		{optim.Adam{LR: 0.01}, dtypes.Float64, 30, 1e-12},
		{optim.LBFGS{}, dtypes.Float64, 15, 1e-9},
		{optim.GD{LR: 0.5}, dtypes.Float32, 30, 1e-5},
	}
	for _, tc := range cases {
		one := runOn(t, tc.dt, 1<<20, tc.opt, tc.steps)
		for _, chunk := range []int{64, 50, 1} {
			got := runOn(t, tc.dt, chunk, tc.opt, tc.steps)
			if len(got) != len(one) {
				t.Fatalf("%s chunk %d: %d rows, one-shot %d", tc.opt, chunk, len(got), len(one))
			}
			for i := range one {
				a, b := got[i], one[i]
				for _, p := range [][2]float64{{a.TrainLoss, b.TrainLoss}, {a.GradNorm, b.GradNorm}} {
					if !(math.Abs(p[0]-p[1]) <= tc.tol*math.Abs(p[1])) && !(math.IsNaN(p[0]) && math.IsNaN(p[1])) {
						t.Fatalf("%s %s chunk %d, row %d: loss/grad norm %.15g vs one-shot %.15g", tc.opt, tc.dt, chunk, a.Step, p[0], p[1])
					}
				}
			}
		}
	}
}

func TestChunkFor(t *testing.T) {
	cases := []struct {
		n, per int
		budget int64
		want   int
	}{
		{1000, 100, 1 << 30, 1000},    // fits
		{55000, 66000, 2 << 30, 2033}, // the CNN in float32: 2 GiB / (66 000·4·4 B)
		{10, 1 << 20, 1, 1},           // at least one example
		{10, 0, 1 << 30, 10},          // nothing known: one shot
	}
	for _, c := range cases {
		if got := train.ChunkFor(c.n, c.per, dtypes.Float32, c.budget); got != c.want {
			t.Errorf("ChunkFor(%d, %d, float32, %d) = %d, want %d", c.n, c.per, c.budget, got, c.want)
		}
	}
}
