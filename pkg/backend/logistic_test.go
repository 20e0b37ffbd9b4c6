package backend_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sync"
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

// TestLogisticIsElementwiseExact guards third_party/compute's two Logistic
// patches: split over the backend's workers in chunks, and computed 8 lanes
// at a time by a vector transcription of math.Exp, it must give every
// element bit for bit what the sequential formula gives — on sizes below,
// at and above the chunk (4 096) and the vector (8), with ragged ends, on
// random inputs of every magnitude, and on the edges of exp: NaN, ±Inf, ±0,
// arguments whose exponential is subnormal or underflows, and (float32)
// outputs that round to subnormals.
func TestLogisticIsElementwiseExact(t *testing.T) {
	b, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	rng := rand.New(rand.NewPCG(3, 4))
	exec := graph.MustNewExec(b, graph.Logistic)
	defer exec.Finalize()
	var edges []float64
	for _, v := range []float64{0, 1e-320, 5e-324, 1e-300, 0.5, 20, 36.7, 87.3, 88.8, 100, 103.3, 103.9, 104.5, 105, 700,
		708.39, 708.4, 709, 709.8, 710, 720, 730, 740, 744.4, 745.13, 745.14, 745.2, 746, 800, 1e4, 3.4e38, 1e300, math.Inf(1), math.NaN()} {
		edges = append(edges, v, -v)
	}
	for _, n := range []int{7, 8, 9, 4096, 4097, 48000, 100003} {
		x32, x64 := make([]float32, n), make([]float64, n)
		for i := range x32 {
			x32[i] = float32(rng.NormFloat64() * 8)
			x64[i] = rng.NormFloat64() * 30
			if i%3 == 1 { // every magnitude
				x32[i] = float32(math.Copysign(math.Exp(rng.Float64()*90-45), rng.NormFloat64()))
				x64[i] = math.Copysign(math.Exp(rng.Float64()*1400-700), rng.NormFloat64())
			}
			if i < len(edges) && n > len(edges) {
				x32[i], x64[i] = float32(edges[i]), edges[i]
			}
		}
		got32 := exec.MustExec(tensors.FromValue(x32))[0].Value().([]float32)
		got64 := exec.MustExec(tensors.FromValue(x64))[0].Value().([]float64)
		for i := range x32 {
			if want := float32(logisticRef(float64(x32[i]))); math.Float32bits(got32[i]) != math.Float32bits(want) {
				t.Fatalf("n=%d: float32 logistic(%g) = %g, want %g", n, x32[i], got32[i], want)
			}
			if want := logisticRef(x64[i]); math.Float64bits(got64[i]) != math.Float64bits(want) {
				t.Fatalf("n=%d: float64 logistic(%g) = %g, want %g", n, x64[i], got64[i], want)
			}
		}
	}
}

// TestLogisticEveryFloat32 compares the go backend's float32 Logistic with
// the sequential formula on all 2³² bit patterns (about seven minutes on 2
// cores). It is the full check of third_party/compute's vector Logistic and
// runs only when asked: BGDLAB_EXHAUSTIVE=1 go test -run EveryFloat32 ./pkg/backend
func TestLogisticEveryFloat32(t *testing.T) {
	if os.Getenv("BGDLAB_EXHAUSTIVE") != "1" {
		t.Skip("set BGDLAB_EXHAUSTIVE=1 to compare all 2³² float32 inputs (minutes)")
	}
	b, err := backend.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	exec := graph.MustNewExec(b, graph.Logistic)
	defer exec.Finalize()
	const chunk = 1 << 24
	x := make([]float32, chunk)
	for start := uint64(0); start < 1<<32; start += chunk {
		for i := range x {
			x[i] = math.Float32frombits(uint32(start) + uint32(i))
		}
		got := exec.MustExec(tensors.FromValue(x))[0].Value().([]float32)
		var wg sync.WaitGroup
		bad := make([]int, 2)
		for w := range 2 {
			wg.Go(func() {
				bad[w] = -1
				for i := w * chunk / 2; i < (w+1)*chunk/2; i++ {
					if math.Float32bits(got[i]) != math.Float32bits(float32(logisticRef(float64(x[i])))) {
						bad[w] = i
						return
					}
				}
			})
		}
		wg.Wait()
		for _, i := range bad {
			if i >= 0 {
				t.Fatalf("float32 logistic(%g) (bits %#x) = %g, want %g", x[i], math.Float32bits(x[i]), got[i], float32(logisticRef(float64(x[i]))))
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
