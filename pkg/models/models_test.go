package models_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/spec"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// images returns a small random image classification set.
func images(n, h, w, classes int) *data.Dataset {
	rng := rand.New(rand.NewPCG(1, 1))
	d := &data.Dataset{Name: "img", Task: data.Classification, N: n, D: h * w, Shape: []int{h, w, 1}, Classes: classes}
	for i := 0; i < n*h*w; i++ {
		d.X = append(d.X, rng.Float64())
	}
	for i := 0; i < n; i++ {
		d.Labels = append(d.Labels, i%classes)
	}
	return d
}

func mustLoad(t *testing.T, s string) *data.Dataset {
	sp, err := data.Load(s)
	if err != nil {
		t.Fatal(err)
	}
	return sp.Train
}

type inputs struct{ x, y *tensors.Tensor }

func tensorsOf(d *data.Dataset) inputs {
	x, y := d.Tensors(dtypes.Float64, 0, d.N)
	return inputs{x, y}
}

// TestGradientsMatchFiniteDifferences checks every model's gradient (GoMLX
// autodiff, with bgdlab's matrix-product rules) against central differences
// in float64.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	cases := []struct {
		model string
		ds    *data.Dataset
	}{
		{"linear", mustLoad(t, "synthetic-linear:n=30,d=3")},
		{"linear:l2=0.1,init=normal", mustLoad(t, "synthetic-linear:n=30,d=3")},
		{"logistic:init=normal", mustLoad(t, "blobs:n=30,d=3")},
		{"logistic:l2=0.5,bias=false,init=glorot", mustLoad(t, "blobs:n=30,d=3")},
		{"softmax:init=normal", images(12, 3, 3, 4)},
		{"mlp:hidden=5x4,act=tanh", mustLoad(t, "moons:n=20")},
		{"mlp:hidden=6,act=sigmoid,l2=0.01", mustLoad(t, "synthetic-linear:n=20,d=3")},
		{"mlp:hidden=5,act=relu", mustLoad(t, "localization:n=10,size=8")},
		{"deep-mlp:depth=6,width=4,act=tanh,std=0.8", mustLoad(t, "spirals:n=20")},
		{"deep-mlp:depth=4,width=5,act=relu,norm=true,init=he", mustLoad(t, "spirals:n=20")},
		{"cnn", images(4, 8, 8, 3)},
	}
	for _, tc := range cases {
		t.Run(tc.model, func(t *testing.T) {
			checkGradient(t, b, tc.model, tc.ds)
		})
	}
}

func checkGradient(t *testing.T, b compute.Backend, spec string, ds *data.Dataset) {
	m := mustModel(spec)
	if err := m.Bind(ds); err != nil {
		t.Fatal(err)
	}
	ctx := model.NewStore().RootScope()
	if err := m.Init(ctx, dtypes.Float64, 7, ""); err != nil {
		t.Fatal(err)
	}
	in := tensorsOf(ds)
	var vars []*model.Variable
	for v := range ctx.IterVariables() {
		vars = append(vars, v)
	}
	gradExec := model.MustNewExec(b, ctx.Store(), func(ctx *model.Scope, x, y *graph.Node) []*graph.Node {
		loss := m.Loss(ctx, m.Forward(ctx, x), y)
		return append([]*graph.Node{loss}, ctx.BuildTrainableVariablesGradientsGraph(loss)...)
	})
	defer gradExec.Finalize()
	lossExec := model.MustNewExec(b, ctx.Store(), func(ctx *model.Scope, x, y *graph.Node) *graph.Node {
		return m.Loss(ctx, m.Forward(ctx, x), y)
	})
	defer lossExec.Finalize()
	outs := gradExec.MustExec(in.x, in.y)
	if len(outs) != len(vars)+1 {
		t.Fatalf("%d gradients for %d variables", len(outs)-1, len(vars))
	}
	rng := rand.New(rand.NewPCG(3, 3))
	const h = 1e-6
	for vi, v := range vars {
		grad := tensors.MustCopyFlatData[float64](outs[vi+1])
		orig := tensors.MustCopyFlatData[float64](v.MustValue())
		dims := v.Shape().Dimensions
		for trial := 0; trial < 6; trial++ {
			i := rng.IntN(len(orig))
			eval := func(delta float64) float64 {
				p := append([]float64(nil), orig...)
				p[i] += delta
				if err := v.SetValue(tensors.FromFlatDataAndDimensions(p, dims...)); err != nil {
					t.Fatal(err)
				}
				return lossExec.MustExec(in.x, in.y)[0].Value().(float64)
			}
			fd := (eval(h) - eval(-h)) / (2 * h)
			v.SetValue(tensors.FromFlatDataAndDimensions(orig, dims...))
			if math.Abs(fd-grad[i]) > 1e-6*math.Max(1, math.Abs(fd)) {
				t.Fatalf("%s ∂loss/∂%s[%d] = %.10g, finite difference %.10g", spec, v.Path(), i, grad[i], fd)
			}
		}
	}
}

func TestInitDeterministicAndShapes(t *testing.T) {
	ds := images(4, 28, 28, 10)
	for _, spec := range []string{"softmax", "mlp", "cnn", "deep-mlp"} {
		m := mustModel(spec)
		if err := m.Bind(ds); err != nil {
			t.Fatal(err)
		}
		values := func(seed uint64) []float64 {
			ctx := model.NewStore().RootScope()
			if err := m.Init(ctx, dtypes.Float32, seed, ""); err != nil {
				t.Fatal(err)
			}
			var all []float64
			count := 0
			for v := range ctx.IterVariables() {
				for _, f := range tensors.MustCopyFlatData[float32](v.MustValue()) {
					all = append(all, float64(f))
				}
				count += v.Shape().Size()
			}
			if count != m.ParamCount() {
				t.Errorf("%s: %d parameters in the context, ParamCount says %d", spec, count, m.ParamCount())
			}
			return all
		}
		a, b2, c := values(1), values(1), values(2)
		if fmt.Sprint(a) != fmt.Sprint(b2) {
			t.Errorf("%s: same seed, different weights", spec)
		}
		if spec != "softmax" && fmt.Sprint(a) == fmt.Sprint(c) {
			t.Errorf("%s: seed has no effect", spec)
		}
	}
	want := map[string]int{"softmax": 7850, "mlp": 784*256 + 256 + 256*128 + 128 + 1290}
	for spec, n := range want {
		m := mustModel(spec)
		m.Bind(ds)
		if m.ParamCount() != n {
			t.Errorf("%s: %d parameters, want %d", spec, m.ParamCount(), n)
		}
	}
}

func TestParseAndBindErrors(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"resnet", `unknown model "resnet": valid models are`},
		{"mlp:hidden=0", "hidden=\"0\" must be positive integers"},
		{"mlp:act=gelu", "act=\"gelu\" must be relu, tanh or sigmoid"},
		{"mlp:init=xavier", "init=\"xavier\" must be"},
		{"linear:l2=-1", "l2=-1 must be a finite number ≥ 0 (field Linear.L2)"},
		{"linear:hidden=3", `unknown parameter "hidden"`},
		{"deep-mlp:depth=0", "depth must be in [1, 1000] (field DeepMLP.Depth)"},
		{"deep-mlp:width=1001", "width must be in [1, 1000] (field DeepMLP.Width)"},
	} {
		if _, err := specModel(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.spec, err, tc.want)
		}
	}
	reg := mustLoad(t, "synthetic-linear:n=20,d=2")
	cls := images(10, 4, 4, 3)
	for _, tc := range []struct {
		spec string
		ds   *data.Dataset
		want string
	}{
		{"logistic", reg, "needs a classification dataset"},
		{"linear", cls, "needs a regression dataset"},
		{"logistic", cls, "needs 2 classes"},
		{"cnn", mustLoad(t, "blobs:n=20"), "needs images"},
		{"mlp:hidden=100000000x100000000", reg, "would have 1e+16 parameters; the limit is 1e+09"},
	} {
		if err := mustModel(tc.spec).Bind(tc.ds); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s on %s: %v, want %q", tc.spec, tc.ds.Name, err, tc.want)
		}
	}
}

func TestMetrics(t *testing.T) {
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	m := mustModel("mlp")
	m.Bind(mustLoad(t, "localization:n=10,size=8"))
	boxes := [][]float64{{0, 0, 0.5, 0.5}, {0.2, 0.2, 0.6, 0.6}}
	shifted := [][]float64{{0.25, 0, 0.75, 0.5}, {0.2, 0.2, 0.6, 0.6}}
	iou := graph.MustExecOnce(b, func(p, t *graph.Node) *graph.Node { return m.Metric(p, t) }, shifted, boxes).Value().(float64)
	// First pair: intersection 0.25×0.5, union 2×0.25 − 0.125 → 1/3; second: 1.
	if math.Abs(iou-(1.0/3+1)/2) > 1e-12 {
		t.Errorf("mean IoU = %g, want %g", iou, (1.0/3+1)/2)
	}
	sm := mustModel("softmax")
	sm.Bind(images(4, 2, 2, 3))
	acc := graph.MustExecOnce(b, func(p, y *graph.Node) *graph.Node { return sm.Metric(p, y) },
		[][]float64{{1, 0, 0}, {0, 2, 0}, {0, 0, 3}, {5, 0, 0}}, []int32{0, 1, 2, 2}).Value().(float64)
	if acc != 0.75 {
		t.Errorf("accuracy = %g, want 0.75", acc)
	}
	lin := mustModel("linear")
	lin.Bind(mustLoad(t, "textbook"))
	r2 := func(pred, y []float64) float64 {
		col := func(v []float64) [][]float64 {
			out := make([][]float64, len(v))
			for i, x := range v {
				out[i] = []float64{x}
			}
			return out
		}
		return graph.MustExecOnce(b, func(p, t *graph.Node) *graph.Node { return lin.Metric(p, t) }, col(pred), col(y)).Value().(float64)
	}
	// SSE 0.5, SST 2 (targets 1, 2, 3) → R² = 0.75; constant targets → undefined.
	if got := r2([]float64{1.5, 2, 2.5}, []float64{1, 2, 3}); math.Abs(got-0.75) > 1e-12 {
		t.Errorf("R² = %g, want 0.75", got)
	}
	if got := r2([]float64{1, 2, 3}, []float64{2, 2, 2}); !math.IsNaN(got) {
		t.Errorf("R² of constant targets = %g, want NaN (undefined)", got)
	}
}

// specModel builds the model a spec names, as the CLI does.
func specModel(s string) (*models.Model, error) {
	c, err := models.Parse(s)
	if err != nil {
		return nil, err
	}
	return models.New(c)
}

// mustModel is specModel for test tables written as specs.
func mustModel(s string) *models.Model {
	m, err := specModel(s)
	if err != nil {
		panic(err)
	}
	return m
}

// Every registered model: zero, and every field away from its default,
// String → Parse gives back the same resolved configuration.
func TestStringParseRoundTrip(t *testing.T) {
	cases := map[string][]models.Config{
		"linear":   {models.Linear{}, models.Linear{NoBias: true, L2: 0.5, Init: models.Normal}},
		"logistic": {models.Logistic{}, models.Logistic{NoBias: true, L2: 1e-3, Init: models.He}},
		"softmax":  {models.Softmax{}, models.Softmax{L2: 2, Init: models.Glorot}},
		"mlp":      {models.MLP{}, models.MLP{Hidden: []int{7, 5, 3}, Act: models.Tanh, Init: models.Normal, Std: 0.3, Norm: true, L2: 0.1}, models.MLP{Act: models.Sigmoid, Std: spec.Zero}},
		"deep-mlp": {models.DeepMLP{}, models.DeepMLP{Depth: 3, Width: 9, Act: models.ReLU, Init: models.He, Std: 0.5, Norm: true, L2: 0.2}},
		"cnn":      {models.CNN{}, models.CNN{Init: models.Glorot, L2: 1e-4}},
		"detector": {models.Detector{}, models.Detector{Width: 8, Init: models.Glorot, L2: 1e-4}},
	}
	for _, name := range models.Names() {
		if len(cases[name]) == 0 || models.Docs[name] == "" {
			t.Errorf("registered model %s has no round-trip case or no listing", name)
		}
		for _, c := range cases[name] {
			back, err := models.Parse(c.String())
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.String(), err)
			}
			if want := models.Resolved(c); !reflect.DeepEqual(back, want) || back.String() != c.String() {
				t.Errorf("round trip of %q:\n got %#v\nwant %#v", c.String(), back, want)
			}
			if _, err := models.New(c); err != nil {
				t.Errorf("New(%#v): %v", c, err)
			}
		}
	}
	if got := models.Resolved(models.MLP{Act: models.Tanh}).(models.MLP).Init; got != models.Glorot {
		t.Errorf("MLP with tanh initializes with %q, want glorot", got)
	}
	if _, err := models.New(models.MLP{Hidden: []int{4, -1}}); err == nil || !strings.Contains(err.Error(), "field MLP.Hidden[1]") {
		t.Errorf("negative width: %v", err)
	}
}
