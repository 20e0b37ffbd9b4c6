package bench_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/bench"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
)

func TestStepFLOPs(t *testing.T) {
	// One layer: forward 2NKM and the weight gradient 2NKM; no input gradient.
	if got := bench.StepFLOPs([][3]int{{10, 20, 30}}); got != 4*10*20*30 {
		t.Fatalf("one layer: %g", got)
	}
	if got := bench.StepFLOPs([][3]int{{10, 20, 30}, {10, 30, 5}}); got != 4*10*20*30+6*10*30*5 {
		t.Fatalf("two layers: %g", got)
	}
}

// benchN is the number of examples for go test -bench (BGDLAB_BENCH_N, default 6000).
func benchN() int {
	if v, err := strconv.Atoi(os.Getenv("BGDLAB_BENCH_N")); err == nil && v > 0 {
		return v
	}
	return 6000
}

// benchmarkStep times the full-batch step of a case on the current backend,
// for benchstat comparisons across commits.
func benchmarkStep(b *testing.B, name string, model models.Config) {
	if _, err := os.Stat(data.FashionMNISTDefaultDir); err != nil && os.Getenv(data.FashionMNISTEnv) == "" {
		b.Skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
	}
	n := benchN()
	if name == "cnn" {
		n = min(n, 1000)
	}
	d, err := bench.LoadTrain(n, os.Getenv(data.FashionMNISTEnv))
	if err != nil {
		b.Fatal(err)
	}
	be, _, err := backend.New()
	if err != nil {
		b.Fatal(err)
	}
	defer be.Finalize()
	// FullStep compiles once, warms up, then times b.N steps; the reported
	// s/step excludes compilation.
	b.ResetTimer()
	r, err := bench.FullStep(context.Background(), be, bench.Case{Name: name, Model: model, N: n}, d, bench.Options{Repeats: b.N})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.Median.Seconds(), "s/step")
	b.ReportMetric(r.GFLOPs, "GFLOP/s")
}

func BenchmarkFullBatchSoftmax(b *testing.B) { benchmarkStep(b, "softmax", models.Softmax{}) }
func BenchmarkFullBatchMLP(b *testing.B)     { benchmarkStep(b, "mlp", models.MLP{Hidden: []int{256}}) }
func BenchmarkFullBatchCNN(b *testing.B)     { benchmarkStep(b, "cnn", models.CNN{}) }

func TestOpenBLASCoreType(t *testing.T) {
	for _, tc := range []struct {
		cpu  backend.CPU
		want string
	}{
		{backend.CPU{AVX2: true, FMA: true, AVX512F: true}, "SkylakeX"},
		{backend.CPU{AVX2: true, FMA: true}, "Haswell"},
		{backend.CPU{AVX2: true}, ""},
		{backend.CPU{}, ""},
	} {
		if got := bench.OpenBLASCoreType(tc.cpu); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.cpu, got, tc.want)
		}
	}
}

func TestRatios(t *testing.T) {
	results := []bench.Result{
		{Backend: "go", Case: "mlp", Kind: "full-step", Min: 2 * time.Second},
		{Backend: "go", Case: "mlp", Kind: "epoch-128", Min: 9 * time.Second},
		{Backend: "xla:cpu", Case: "mlp", Kind: "full-step", Min: 500 * time.Millisecond},
		{Backend: "go", Case: "cnn", Kind: "full-step", Min: time.Second},
	}
	torch := &bench.Peer{Name: "pytorch", Results: []bench.PeerResult{{Case: "mlp", Kind: "full-step", Min: 0.5}, {Case: "mlp", Kind: "epoch-128", Min: 3}}}
	jax := &bench.Peer{Name: "jax", Results: []bench.PeerResult{{Case: "mlp", Kind: "full-step", Min: 0.25}, {Case: "cnn", Kind: "full-step", Min: 0.5}}}
	got := bench.Ratios(results, []*bench.Peer{torch, jax})
	want := []bench.Ratio{{"go", "mlp", "pytorch", 4}, {"xla:cpu", "mlp", "pytorch", 1}, {"go", "mlp", "jax", 8}, {"xla:cpu", "mlp", "jax", 2}, {"go", "cnn", "jax", 2}}
	if !slices.Equal(got, want) {
		t.Fatalf("Ratios = %v, want %v", got, want)
	}
	for _, peer := range []string{"pytorch", "jax"} {
		if _, err := bench.Figure(got, peer, backend.CPU{Model: "test", Cores: 2}); err != nil {
			t.Fatal(err)
		}
	}
}
