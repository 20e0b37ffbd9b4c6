// Package models holds the models bgdlab compares optimizers on — linear,
// logistic and softmax regression, MLPs, a deep plain MLP for vanishing and
// exploding gradients, a LeNet-like CNN, and box regression for the toy
// localization task — as GoMLX graphs with parameters in a model.
//
// Parameters are drawn on the host from a seeded generator, so the same seed
// gives bit-identical initial weights on every backend and for every
// optimizer in a comparison.
package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Model is a configured model. Build it with New from a Config, Bind it to a
// dataset, then Init parameters in a context and build graphs with
// Forward/Loss/Metric.
type Model struct {
	Kind       string
	Hidden     []int
	Act        string
	InitScheme string
	Bias       bool
	L2         float64
	Std        float64 // std of the "normal" init (0: 0.01, or 1 for deep-mlp)
	// Norm applies layer normalization (per example, no learned scale) before
	// each hidden activation: the "normalization" remedy for deep nets.
	Norm bool

	// Set by Bind.
	featureShape []int
	inputs       int
	outputs      int
	task         data.Task
	box          bool
	grid         int // detection targets: grid cells per side (0: none)
	classes      int // the detector's object classes
	spec         string
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// Signature names the graphs m builds: every field, its configuration and
// what Bind set (feature shape, outputs, task, grid). Models with equal
// signatures build the same graphs (pkg/train's Cache reuses them).
func (m *Model) Signature() string { return fmt.Sprintf("%+v", *m) }

// String returns the model's spec.
func (m *Model) String() string { return m.spec }

// Bind adapts the model to a dataset's feature shape and targets, and checks
// they are compatible (e.g. logistic regression needs two classes).
func (m *Model) Bind(d *data.Dataset) error {
	m.featureShape = append([]int(nil), d.Shape...)
	m.inputs = d.D
	m.task = d.Task
	m.box = d.Boxes
	m.grid, m.classes = 0, 0
	if (m.Kind == "detector") != (d.Grid > 0) {
		if d.Grid > 0 {
			return fmt.Errorf("dataset %s has detection targets (objects per grid cell): it needs model detector, not %s", d.Name, m.Kind)
		}
		return fmt.Errorf("model detector needs detection targets (the detection data set), %s has none", d.Name)
	}
	if d.Grid > 0 {
		m.grid, m.classes = d.Grid, d.Classes
		m.outputs = d.Grid * d.Grid * m.cellOutputs()
		if len(d.Shape) != 3 || d.Shape[0] != d.Shape[1] {
			return fmt.Errorf("model detector needs square images (shape [S S C]), %s has feature shape %v", d.Name, d.Shape)
		}
		return nil
	}
	switch d.Task {
	case data.Regression:
		m.outputs = d.T
		if m.Kind == "logistic" || m.Kind == "softmax" {
			return fmt.Errorf("model %s needs a classification dataset, %s is regression (use linear or mlp)", m.Kind, d.Name)
		}
	case data.Classification:
		m.outputs = d.Classes
		if m.Kind == "linear" {
			return fmt.Errorf("model linear needs a regression dataset, %s is classification (use logistic, softmax or mlp)", d.Name)
		}
		if m.Kind == "logistic" {
			if d.Classes != 2 {
				return fmt.Errorf("model logistic needs 2 classes, %s has %d (use softmax)", d.Name, d.Classes)
			}
			m.outputs = 1
		}
	}
	if m.Kind == "cnn" && len(d.Shape) != 3 {
		return fmt.Errorf("model cnn needs images (shape [H W C]), %s has feature shape %v", d.Name, d.Shape)
	}
	if n := m.paramCountFloat(); n > MaxParams {
		return fmt.Errorf("model %s on %s would have %.3g parameters; the limit is %.0g: use smaller widths (hidden=…, width=…)", m.Kind, d.Name, n, float64(MaxParams))
	}
	return nil
}

// MaxParams bounds a model's parameter count (10⁹, 8 GB in float64 before
// optimizer state); Bind refuses larger models before anything is allocated.
const MaxParams = 1_000_000_000

// paramCountFloat counts the parameters in float64, so that huge widths
// cannot overflow (exact below 2⁵³; Bind caps models at MaxParams).
func (m *Model) paramCountFloat() float64 {
	total := 0.0
	for _, l := range m.layers() {
		n := 1.0
		for _, d := range l.w {
			n *= float64(d)
		}
		total += n
		if l.bias {
			total += float64(l.w[len(l.w)-1])
		}
	}
	return total
}

// MetricName is "accuracy", "r2" or "iou".
func (m *Model) MetricName() string {
	switch {
	case m.grid > 0:
		return "map50"
	case m.box:
		return "iou"
	case m.task == data.Classification:
		return "accuracy"
	}
	return "r2"
}

// HigherIsBetter is true for every metric bgdlab uses.
func (m *Model) HigherIsBetter() bool { return true }

// layer is one parameterized layer: its scope and weight/bias shapes.
type layer struct {
	scope      string
	w          []int
	bias       bool
	fanIn      int
	fanOut     int
	conv       bool
	stride     int
	activation bool
}

func (m *Model) layers() []layer {
	switch m.Kind {
	case "linear", "logistic", "softmax":
		return []layer{{scope: "layer_0", w: []int{m.inputs, m.outputs}, bias: m.Bias, fanIn: m.inputs, fanOut: m.outputs}}
	case "mlp", "deep-mlp":
		var ls []layer
		in := m.inputs
		for i, h := range m.Hidden {
			ls = append(ls, layer{scope: fmt.Sprintf("layer_%02d", i), w: []int{in, h}, bias: true, fanIn: in, fanOut: h, activation: true})
			in = h
		}
		return append(ls, layer{scope: fmt.Sprintf("layer_%02d", len(m.Hidden)), w: []int{in, m.outputs}, bias: true, fanIn: in, fanOut: m.outputs})
	case "detector":
		return m.detectorLayers()
	case "cnn":
		c := m.featureShape[2]
		h, w := m.featureShape[0], m.featureShape[1]
		h2, w2 := (h+1)/2, (w+1)/2
		h3, w3 := (h2+1)/2, (w2+1)/2
		return []layer{
			{scope: "conv_0", w: []int{5, 5, c, 6}, bias: true, fanIn: 25 * c, fanOut: 25 * 6, conv: true, stride: 1, activation: true},
			{scope: "conv_1", w: []int{5, 5, 6, 16}, bias: true, fanIn: 150, fanOut: 400, conv: true, stride: 2, activation: true},
			{scope: "conv_2", w: []int{3, 3, 16, 32}, bias: true, fanIn: 144, fanOut: 288, conv: true, stride: 2, activation: true},
			{scope: "dense_0", w: []int{h3 * w3 * 32, 128}, bias: true, fanIn: h3 * w3 * 32, fanOut: 128, activation: true},
			{scope: "dense_1", w: []int{128, m.outputs}, bias: true, fanIn: 128, fanOut: m.outputs},
		}
	}
	return nil
}

// LayerNames returns the scopes of the layers in order (for per-layer
// gradient norms).
func (m *Model) LayerNames() []string {
	var out []string
	for _, l := range m.layers() {
		out = append(out, l.scope)
	}
	return out
}

// Init creates the parameters in ctx with dtype, drawn on the host from
// seed: weights by the model's init scheme (override with initOverride if not
// empty), biases zero. Re-running Init with the same seed gives identical
// values.
func (m *Model) Init(ctx *model.Scope, dt dtypes.DType, seed uint64, initOverride string) error {
	if m.inputs == 0 {
		return fmt.Errorf("model %s: Bind it to a dataset before Init", m.Kind)
	}
	scheme := m.InitScheme
	if initOverride != "" {
		scheme = initOverride
	}
	switch scheme {
	case "zeros", "normal", "glorot", "he":
	default:
		return fmt.Errorf("model %s: init %q must be zeros, normal, glorot or he", m.Kind, scheme)
	}
	// zeros is allowed for hidden layers too: it is a classic mistake worth
	// showing (all hidden units stay identical).
	rng := rand.New(rand.NewPCG(seed, 0x1a1e7))
	for _, l := range m.layers() {
		n := 1
		for _, d := range l.w {
			n *= d
		}
		w := make([]float64, n)
		for i := range w {
			switch scheme {
			case "normal":
				std := m.Std
				if std == 0 {
					std = 0.01
				}
				w[i] = std * rng.NormFloat64()
			case "glorot":
				a := math.Sqrt(6 / float64(l.fanIn+l.fanOut))
				w[i] = a * (2*rng.Float64() - 1)
			case "he":
				w[i] = math.Sqrt(2/float64(l.fanIn)) * rng.NormFloat64()
			}
		}
		c := ctx.At("%s", l.scope)
		if err := setParam(c, "weights", data.Tensor(w, dt, l.w...)); err != nil {
			return err
		}
		if l.bias {
			if err := setParam(c, "bias", data.Tensor(make([]float64, l.w[len(l.w)-1]), dt, l.w[len(l.w)-1])); err != nil {
				return err
			}
		}
	}
	return nil
}

// setParam creates parameter name in c with value t or, when it exists
// (Init again on a store compiled graphs use: pkg/train's Cache), sets it.
func setParam(c *model.Scope, name string, t *tensors.Tensor) error {
	v := c.VariableWithValue(name, t)
	if cur, err := v.Value(); err == nil && cur == t {
		return nil
	}
	if err := v.SetValue(t); err != nil {
		return fmt.Errorf("model: setting %s: %w", v.Path(), err)
	}
	return nil
}

// ParamCount returns the number of scalar parameters.
func (m *Model) ParamCount() int { return int(m.paramCountFloat()) }

func variable(ctx *model.Scope, scope, name string) *model.Variable {
	v := ctx.Store().GetVariable(model.JoinPath("/"+scope, name))
	if v == nil {
		panic(fmt.Errorf("models: parameter %s/%s does not exist: call Model.Init first", scope, name))
	}
	return v
}

func (m *Model) activation(x *graph.Node) *graph.Node {
	switch m.Act {
	case "tanh":
		return graph.Tanh(x)
	case "sigmoid":
		return graph.Sigmoid(x)
	}
	return graph.Max(x, graph.ZerosLike(x))
}

// Forward returns the model's outputs for a batch x of shape [B, D] (flat
// features): [B, outputs], or [B] logits for logistic regression.
func (m *Model) Forward(ctx *model.Scope, x *graph.Node) *graph.Node {
	g := x.Graph()
	h := x
	if m.Kind == "cnn" || m.Kind == "detector" { // images [C, H, W, B] through the convolutions (convCHWB)
		h = toCHWB(graph.Reshape(x, append([]int{x.Shape().Dimensions[0]}, m.featureShape...)...))
	}
	for _, l := range m.layers() {
		w := variable(ctx, l.scope, "weights").NodeValue(g)
		if l.conv {
			h = convCHWB(h, w, l.stride)
		} else {
			if h.Rank() > 2 { // the last convolution's [C, H, W, B] as [B, H·W·C]
				h = fromCHWB(h)
				h = graph.Reshape(h, h.Shape().Dimensions[0], -1)
			}
			h = graph.DotProduct(h, w)
		}
		if l.bias {
			b := variable(ctx, l.scope, "bias").NodeValue(g)
			if l.conv { // channels first
				h = graph.Add(h, graph.Reshape(b, append([]int{b.Shape().Dimensions[0]}, repeat(1, h.Rank()-1)...)...))
			} else {
				h = graph.Add(h, graph.Reshape(b, append(repeat(1, h.Rank()-1), b.Shape().Dimensions[0])...))
			}
		}
		if l.activation {
			if m.Norm && !l.conv {
				h = layerNorm(h)
			}
			h = m.activation(h)
		}
	}
	if m.box {
		h = graph.Sigmoid(h) // box corners live in [0, 1]
	}
	if m.grid > 0 { // the head's [K, G, G, B] as [B, G·G·K]
		h = fromCHWB(h)
		h = graph.Reshape(h, h.Shape().Dimensions[0], -1)
	}
	if m.Kind == "logistic" {
		h = graph.Reshape(h, h.Shape().Dimensions[0])
	}
	return h
}

// Loss returns the mean loss of outputs against targets y — [B, T] floats for
// regression, [B] int32 labels for classification — plus (l2/2)·Σ‖W‖² over
// weights (not biases) when l2 > 0.
func (m *Model) Loss(ctx *model.Scope, out, y *graph.Node) *graph.Node {
	var loss *graph.Node
	switch {
	case m.grid > 0:
		loss = m.detectionLoss(out, y)
	case m.task == data.Regression:
		loss = graph.ReduceAllMean(graph.Square(graph.Sub(out, graph.ConvertDType(y, out.DType()))))
	case m.Kind == "logistic":
		yf := graph.ConvertDType(y, out.DType())
		// max(z,0) − z·y + log(1 + e^−|z|): stable binary cross-entropy with logits.
		l := graph.Add(graph.Sub(graph.Max(out, graph.ZerosLike(out)), graph.Mul(out, yf)), graph.Log1p(graph.Exp(graph.Neg(graph.Abs(out)))))
		loss = graph.ReduceAllMean(l)
	default:
		logp := graph.LogSoftmax(out, -1)
		onehot := graph.OneHot(y, m.outputs, out.DType())
		loss = graph.Neg(graph.ReduceAllMean(graph.ReduceSum(graph.Mul(logp, onehot), -1)))
	}
	if m.L2 > 0 {
		for _, l := range m.layers() {
			w := variable(ctx, l.scope, "weights").NodeValue(out.Graph())
			loss = graph.Add(loss, graph.MulScalar(graph.ReduceAllSum(graph.Square(w)), m.L2/2))
		}
	}
	return loss
}

// Metric returns accuracy (classification), R² (regression: 1 − SSE/SST over
// the batch; NaN, undefined, when the batch's targets are all equal) or mean
// IoU of predicted and true boxes (localization).
func (m *Model) Metric(out, y *graph.Node) *graph.Node {
	dt := out.DType()
	switch {
	case m.grid > 0:
		return m.detectionHint(out, y)
	case m.box:
		return meanIoU(out, graph.ConvertDType(y, dt))
	case m.task == data.Regression:
		yf := graph.ConvertDType(y, dt)
		sse := graph.ReduceAllSum(graph.Square(graph.Sub(out, yf)))
		mean := graph.ReduceMean(yf, 0)
		sst := graph.ReduceAllSum(graph.Square(graph.Sub(yf, graph.InsertAxes(mean, 0))))
		r2 := graph.OneMinus(graph.Div(sse, graph.MaxScalar(sst, 1e-30)))
		return graph.Where(graph.GreaterThan(sst, graph.ZerosLike(sst)), r2, graph.Div(graph.ZerosLike(sst), graph.ZerosLike(sst)))
	case m.Kind == "logistic":
		pred := graph.ConvertDType(graph.GreaterThan(out, graph.ZerosLike(out)), dtypes.Int32)
		return graph.ReduceAllMean(graph.ConvertDType(graph.Equal(pred, graph.ConvertDType(y, dtypes.Int32)), dt))
	default:
		pred := graph.ArgMax(out, -1, dtypes.Int32)
		return graph.ReduceAllMean(graph.ConvertDType(graph.Equal(pred, graph.ConvertDType(y, dtypes.Int32)), dt))
	}
}

// layerNorm normalizes each example's features to zero mean, unit variance.
func layerNorm(h *graph.Node) *graph.Node {
	mean := graph.ReduceAndKeep(h, graph.ReduceMean, -1)
	c := graph.Sub(h, mean)
	variance := graph.ReduceAndKeep(graph.Square(c), graph.ReduceMean, -1)
	return graph.Div(c, graph.Sqrt(graph.AddScalar(variance, 1e-5)))
}

// meanIoU is the mean intersection-over-union of boxes (x0, y0, x1, y1).
func meanIoU(p, t *graph.Node) *graph.Node {
	col := func(x *graph.Node, i int) *graph.Node { return graph.Slice(x, graph.AxisRange(), graph.AxisElem(i)) }
	px0, py0, px1, py1 := col(p, 0), col(p, 1), col(p, 2), col(p, 3)
	tx0, ty0, tx1, ty1 := col(t, 0), col(t, 1), col(t, 2), col(t, 3)
	relu := func(x *graph.Node) *graph.Node { return graph.Max(x, graph.ZerosLike(x)) }
	iw := relu(graph.Sub(graph.Min(px1, tx1), graph.Max(px0, tx0)))
	ih := relu(graph.Sub(graph.Min(py1, ty1), graph.Max(py0, ty0)))
	inter := graph.Mul(iw, ih)
	areaP := graph.Mul(relu(graph.Sub(px1, px0)), relu(graph.Sub(py1, py0)))
	areaT := graph.Mul(relu(graph.Sub(tx1, tx0)), relu(graph.Sub(ty1, ty0)))
	union := graph.Sub(graph.Add(areaP, areaT), inter)
	return graph.ReduceAllMean(graph.Div(inter, graph.MaxScalar(union, 1e-12)))
}

// ActivationsPerExample estimates the floats one example needs in a
// training step: every layer's input and output, and a convolution's patch
// matrix (im2col: kernel area × input channels per output position), which
// dominates for the CNN. Bind must have been called.
func (m *Model) ActivationsPerExample() int {
	total := m.inputs
	h, w := 0, 0
	if len(m.featureShape) == 3 {
		h, w = m.featureShape[0], m.featureShape[1]
	}
	for _, l := range m.layers() {
		if l.conv {
			h, w = (h+l.stride-1)/l.stride, (w+l.stride-1)/l.stride
			total += h * w * (l.w[0] * l.w[1] * l.w[2]) // patches
			total += h * w * l.w[3]                     // output
			continue
		}
		total += l.w[len(l.w)-1]
	}
	return total
}
