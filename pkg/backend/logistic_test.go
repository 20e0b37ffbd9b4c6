package backend_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// logisticRef is the go backend's own per-element formula (upstream's
// execLogisticGeneric), in float64 rounded to the input's type.
func logisticRef(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// TestLogisticIsElementwiseExact guards third_party/compute's parallel
// Logistic: split over the backend's workers in chunks, it must give every
// element bit for bit what the sequential formula gives, on sizes below,
// at and above the chunk (4 096) and with a ragged last chunk.
func TestLogisticIsElementwiseExact(t *testing.T) {
	b, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	rng := rand.New(rand.NewPCG(3, 4))
	exec := graph.MustNewExec(b, graph.Logistic)
	defer exec.Finalize()
	for _, n := range []int{7, 4096, 4097, 48000, 100003} {
		x32, x64 := make([]float32, n), make([]float64, n)
		for i := range x32 {
			x32[i] = float32(rng.NormFloat64() * 8)
			x64[i] = rng.NormFloat64() * 30
		}
		got32 := exec.MustExec(tensors.FromValue(x32))[0].Value().([]float32)
		got64 := exec.MustExec(tensors.FromValue(x64))[0].Value().([]float64)
		for i := range x32 {
			if want := float32(logisticRef(float64(x32[i]))); got32[i] != want {
				t.Fatalf("n=%d: float32 logistic(%g) = %g, want %g", n, x32[i], got32[i], want)
			}
			if want := logisticRef(x64[i]); got64[i] != want {
				t.Fatalf("n=%d: float64 logistic(%g) = %g, want %g", n, x64[i], got64[i], want)
			}
		}
	}
}

// BenchmarkLogistic times the go backend's Logistic on the deep study's
// activations (1 500 × 32 float32) and on a larger array.
func BenchmarkLogistic(bm *testing.B) {
	b, err := backend.NewWithConfig("go")
	if err != nil {
		bm.Fatal(err)
	}
	defer b.Finalize()
	exec := graph.MustNewExec(b, graph.Logistic)
	defer exec.Finalize()
	for _, n := range []int{1500 * 32, 1 << 20} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i%200-100) / 25
		}
		xt := tensors.FromValue(x)
		bm.Run(fmt.Sprint(n), func(bm *testing.B) {
			for bm.Loop() {
				exec.MustExec(xt)[0].FinalizeAll()
			}
		})
	}
}
