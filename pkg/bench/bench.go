// Package bench times full-batch and mini-batch training steps of bgdlab's
// models on Fashion-MNIST on every available backend, beside the same
// step's matrix products alone and a peer library (PyTorch) running the
// identical computation, so speed targets are ratios measured in one run.
package bench

import (
	"context"
	"fmt"
	"math"
	"sort"
	"syscall"
	"time"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/spec"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Case is one benchmarked computation.
type Case struct {
	// Name is softmax, mlp or cnn.
	Name string
	// Model is the model's configuration.
	Model models.Config
	// N is the number of examples in the full batch.
	N int
	// Data is the data set; nil means the first N Fashion-MNIST training
	// images. Its training split must hold N examples.
	Data data.Config
}

// DefaultCases are softmax regression and the MLP on all 60 000 training
// images, the CNN on 2 000 (on the pure-Go backend its im2col patches grow
// as 29 400 floats per image, and its products over them ran out of 24 GB
// at 10 000 images), and the study's deep section: a 12-layer, 32-unit
// sigmoid MLP on 1 500 two-spiral points (the case that exposed the AVX→SSE
// penalty on Intel CPUs).
func DefaultCases() []Case {
	return []Case{
		{Name: "softmax", Model: models.Softmax{}, N: 60000},
		{Name: "mlp", Model: models.MLP{Hidden: []int{256}}, N: 60000},
		{Name: "cnn", Model: models.CNN{}, N: 2000},
		{Name: "deep", Model: models.DeepMLP{Depth: 12, Width: 32, Act: models.Sigmoid, Init: models.Normal, Std: 0.2}, N: 1500,
			Data: data.Spirals{N: 1500, Noise: 0.1, Holdout: data.Holdout{Val: spec.Zero, Test: spec.Zero}}},
	}
}

// CaseData returns c's full batch: its own data set, or the first c.N
// images of fashion (Fashion-MNIST's training split, loaded by the caller).
func CaseData(c Case, fashion *data.Dataset) (*data.Dataset, error) {
	if c.Data == nil {
		if fashion == nil || fashion.N < c.N {
			return nil, fmt.Errorf("bench: case %s needs %d Fashion-MNIST images", c.Name, c.N)
		}
		return firstN(fashion, c.N), nil
	}
	sp, err := c.Data.Load()
	if err != nil {
		return nil, fmt.Errorf("bench: case %s: %w", c.Name, err)
	}
	if sp.Train.N != c.N {
		return nil, fmt.Errorf("bench: case %s: %s has %d training examples, not %d", c.Name, c.Data, sp.Train.N, c.N)
	}
	return sp.Train, nil
}

func firstN(d *data.Dataset, n int) *data.Dataset {
	if n == d.N {
		return d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return d.Subset(idx)
}

// Result is one timing.
type Result struct {
	Backend, Case, Kind string // Kind: full-step, matmul-only, epoch-128
	N                   int
	Median, Min         time.Duration
	// First is the first, untimed-for-Median call: graph compilation, the
	// first transfer and one run.
	First   time.Duration
	Repeats int
	// FLOPs of the step's matrix products (forward and backward).
	FLOPs  float64
	GFLOPs float64
	// MaxRSSMB is the process's peak resident memory after the measurement
	// (bgdlab bench runs each backend and case in its own process, so it is
	// that case's peak, host data included).
	MaxRSSMB float64
	// SIMD tells whether the process was built with the pure-Go backend's
	// SIMD matrix products (GOEXPERIMENT=simd).
	SIMD bool
}

// Options control Run.
type Options struct {
	Repeats  int
	Progress func(string)
	// DataDir overrides the Fashion-MNIST folder.
	DataDir string
}

func (o Options) logf(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, args...))
	}
}

// LoadTrain returns the first n Fashion-MNIST training images (pixels in
// [0, 1]) as float32 tensors on the host.
func LoadTrain(n int, dir string) (*data.Dataset, error) {
	sp, err := data.LoadFashionMNIST(data.FashionMNIST{Dir: dir, Val: spec.ZeroInt})
	if err != nil {
		return nil, err
	}
	if n > sp.Train.N {
		return nil, fmt.Errorf("bench: n=%d is more than the %d training images", n, sp.Train.N)
	}
	return firstN(sp.Train, n), nil
}

// denseShapes lists the (N, K, M) of each matrix product X[N,K]·W[K,M] in a
// model's forward pass (a convolution counts as its im2col product).
func denseShapes(c Case, m *models.Model) [][3]int {
	switch c.Name {
	case "softmax":
		return [][3]int{{c.N, 784, 10}}
	case "mlp":
		var out [][3]int
		k := 784
		for _, h := range m.Hidden {
			out = append(out, [3]int{c.N, k, h})
			k = h
		}
		return append(out, [3]int{c.N, k, 10})
	case "cnn":
		return [][3]int{{c.N * 784, 25, 6}, {c.N * 196, 150, 16}, {c.N * 49, 144, 32}, {c.N, 49 * 32, 128}, {c.N, 128, 10}}
	case "deep":
		dm := c.Model.(models.DeepMLP)
		out := [][3]int{{c.N, 2, dm.Width}}
		for i := 1; i < dm.Depth; i++ {
			out = append(out, [3]int{c.N, dm.Width, dm.Width})
		}
		return append(out, [3]int{c.N, dm.Width, 2})
	}
	return nil
}

// StepFLOPs counts the matrix-product FLOPs of one forward+backward pass:
// 2NKM forward, 2NKM for the weight gradient and 2NKM for the input
// gradient (not needed for the first layer).
func StepFLOPs(shapes [][3]int) float64 {
	var f float64
	for i, s := range shapes {
		nkm := 2 * float64(s[0]) * float64(s[1]) * float64(s[2])
		f += 2 * nkm
		if i > 0 {
			f += nkm
		}
	}
	return f
}

func timeIt(repeats int, fn func() error) (med, mn, first time.Duration, err error) {
	t0 := time.Now()
	if err := fn(); err != nil { // warm-up: compilation and first transfer
		return 0, 0, 0, err
	}
	first = time.Since(t0)
	var ds []time.Duration
	for i := 0; i < repeats; i++ {
		t0 := time.Now()
		if err := fn(); err != nil {
			return 0, 0, 0, err
		}
		ds = append(ds, time.Since(t0))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], ds[0], first, nil
}

func maxRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Maxrss) / 1024
}

// prepare builds and initializes c's model (seed 1, float32) and uploads d
// to the backend once.
func prepare(b compute.Backend, c Case, d *data.Dataset) (*models.Model, *train.Trainer, *train.Data, error) {
	m, err := models.New(c.Model)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := m.Bind(d); err != nil {
		return nil, nil, nil, err
	}
	tr, err := train.New(b, m, dtypes.Float32, 1, "")
	if err != nil {
		return nil, nil, nil, err
	}
	all, err := train.Upload(b, d, dtypes.Float32, d.N, true)
	if err != nil {
		tr.Close()
		return nil, nil, nil, err
	}
	return m, tr, all, nil
}

// FullStep times one full-batch GD step (forward, backward, update) of c on
// b: the training package's compiled step, as experiments run it.
func FullStep(ctx context.Context, b compute.Backend, c Case, d *data.Dataset, opt Options) (Result, error) {
	m, tr, all, err := prepare(b, c, d)
	if err != nil {
		return Result{}, err
	}
	defer tr.Close()
	step, err := tr.NewStep(optim.MustNew(optim.GD{LR: 0.01}), true, false)
	if err != nil {
		return Result{}, err
	}
	defer step.Close()
	shapes := denseShapes(c, m)
	opt.logf("%s %s: full-batch step, n=%d", b.Name(), c.Name, c.N)
	med, mn, first, err := timeIt(opt.Repeats, func() error {
		st, err := step.Run(all, nil)
		if err == nil && math.IsNaN(st.Loss) {
			err = fmt.Errorf("NaN loss")
		}
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("%s full-batch step: %w", c.Name, err)
	}
	f := StepFLOPs(shapes)
	return Result{Backend: b.Name(), Case: c.Name, Kind: "full-step", N: c.N, Median: med, Min: mn, First: first, Repeats: opt.Repeats,
		FLOPs: f, GFLOPs: f / mn.Seconds() / 1e9, MaxRSSMB: maxRSSMB()}, nil
}

// MatmulOnly times just the matrix products of c's full-batch step — the
// forward products and the two gradient products per layer — on the same
// shapes, as the floor a backend's step time is compared with. The weight
// gradient's xᵀ is given as an input already transposed, so the floor holds
// products only (the step itself transposes one operand per layer).
func MatmulOnly(ctx context.Context, b compute.Backend, c Case, opt Options) (Result, error) {
	m, err := models.New(c.Model)
	if err != nil {
		return Result{}, err
	}
	shp := denseShapes(c, m)
	var inputs []*tensors.Tensor
	for _, s := range shp {
		for _, dims := range [][]int{{s[0], s[1]}, {s[1], s[2]}, {s[0], s[2]}, {s[1], s[0]}} {
			t := tensors.FromShape(shapes.Make(dtypes.Float32, dims...))
			if err := t.MaterializeOnDevice(b, false, 0); err != nil {
				return Result{}, err
			}
			inputs = append(inputs, t)
		}
	}
	exec, err := graph.NewExec(b, func(in []*graph.Node) []*graph.Node {
		var outs []*graph.Node
		for i := range shp {
			x, w, dy, xT := in[4*i], in[4*i+1], in[4*i+2], in[4*i+3]
			outs = append(outs, graph.ReduceAllSum(graph.DotProduct(x, w)))                                 // forward
			outs = append(outs, graph.ReduceAllSum(graph.DotGeneral(xT, []int{1}, nil, dy, []int{0}, nil))) // ∂W = xᵀ·dy, xᵀ given
			if i > 0 {
				outs = append(outs, graph.ReduceAllSum(graph.DotGeneral(dy, []int{1}, nil, w, []int{1}, nil))) // ∂x = dy·wᵀ
			}
		}
		return outs
	})
	if err != nil {
		return Result{}, err
	}
	defer exec.Finalize()
	args := make([]any, len(inputs))
	for i, t := range inputs {
		args[i] = t
	}
	opt.logf("%s %s: matrix products only", b.Name(), c.Name)
	med, mn, first, err := timeIt(opt.Repeats, func() error {
		outs, err := exec.Exec(args...)
		for _, o := range outs {
			o.FinalizeAll()
		}
		return err
	})
	if err != nil {
		return Result{}, err
	}
	f := StepFLOPs(shp)
	return Result{Backend: b.Name(), Case: c.Name, Kind: "matmul-only", N: c.N, Median: med, Min: mn, First: first, Repeats: opt.Repeats, FLOPs: f, GFLOPs: f / mn.Seconds() / 1e9}, nil
}

// GEMMPeak times a 2048×2048×2048 float32 product on b (GFLOP/s).
func GEMMPeak(b compute.Backend, repeats int) (float64, error) {
	const n = 2048
	a := tensors.FromShape(shapes.Make(dtypes.Float32, n, n))
	c := tensors.FromShape(shapes.Make(dtypes.Float32, n, n))
	exec, err := graph.NewExec(b, func(x, y *graph.Node) *graph.Node { return graph.ReduceAllSum(graph.DotProduct(x, y)) })
	if err != nil {
		return 0, err
	}
	defer exec.Finalize()
	_, mn, _, err := timeIt(repeats, func() error {
		outs, err := exec.Exec(a, c)
		for _, o := range outs {
			o.FinalizeAll()
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	return 2 * n * n * n / mn.Seconds() / 1e9, nil
}

// Epoch times one epoch of mini-batch (128) GD: n/128 steps gathering each
// batch from the resident data.
func Epoch(ctx context.Context, b compute.Backend, c Case, d *data.Dataset, opt Options) (Result, error) {
	m, tr, all, err := prepare(b, c, d)
	if err != nil {
		return Result{}, err
	}
	defer tr.Close()
	step, err := tr.NewStep(optim.MustNew(optim.GD{LR: 0.01}), false, false)
	if err != nil {
		return Result{}, err
	}
	defer step.Close()
	const bs = 128
	steps := d.N / bs
	idx := make([][]int, steps)
	for s := range idx {
		idx[s] = make([]int, bs)
		for i := range idx[s] {
			idx[s][i] = (s*bs + i*7919) % d.N
		}
	}
	opt.logf("%s %s: epoch of batch 128", b.Name(), c.Name)
	reps := max(1, opt.Repeats/3)
	med, mn, first, err := timeIt(reps, func() error {
		for s := 0; s < steps; s++ {
			if _, err := step.Run(all, idx[s]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	shp := denseShapes(Case{Name: c.Name, Model: c.Model, N: steps * bs}, m)
	f := StepFLOPs(shp)
	return Result{Backend: b.Name(), Case: c.Name, Kind: "epoch-128", N: d.N, Median: med, Min: mn, First: first, Repeats: reps, FLOPs: f, GFLOPs: f / mn.Seconds() / 1e9}, nil
}

// Backends opens each backend configuration ("go", "xla:cpu", …) that can
// be opened here; skipped lists the others with the reason, e.g. a PJRT
// plugin that setup did not install.
func Backends(configs ...string) (names []string, bs []compute.Backend, skipped []string) {
	for _, cfg := range configs {
		b, err := backend.NewWithConfig(cfg)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: %v", cfg, err))
			continue
		}
		names, bs = append(names, cfg), append(bs, b)
	}
	return names, bs, skipped
}
