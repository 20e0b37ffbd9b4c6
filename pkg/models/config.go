package models

import (
	"fmt"
	"strings"

	"github.com/bgdlab/bgdlab/pkg/spec"
)

// Config is the typed configuration of one model: Linear, Logistic, Softmax,
// MLP, DeepMLP or CNN. Zero fields mean the defaults their documentation
// names. The CLI's specs parse into these types (Parse) and print back
// (String); New builds the Model.
type Config interface {
	// Kind returns the model's registered name, as written in specs.
	Kind() string
	// Validate returns an error naming the first field outside its range.
	Validate() error
	// String formats the configuration as a spec that Parse reads back.
	String() string
}

// Activation is a hidden layer's non-linearity: "relu", "tanh" or "sigmoid".
type Activation string

// Init is a weight initialization scheme: "zeros", "normal" (N(0, Std²)),
// "glorot" (uniform) or "he" (normal).
type Init string

// The activations and initializations.
const (
	ReLU    Activation = "relu"
	Tanh    Activation = "tanh"
	Sigmoid Activation = "sigmoid"

	Zeros  Init = "zeros"
	Normal Init = "normal"
	Glorot Init = "glorot"
	He     Init = "he"
)

// Linear is linear regression with the MSE (1/n)Σ(ŷ−y)²; R² metric.
type Linear struct {
	// NoBias drops the intercept. Default false (a bias).
	NoBias bool `spec:"bias,negated"`
	// L2 is the penalty (L2/2)·‖W‖² on the weights, ≥ 0. Default 0.
	L2 float64 `spec:"l2"`
	// Init is the weights' initialization. Default Zeros.
	Init Init `spec:"init" default:"zeros"`
}

// Logistic is logistic regression for two classes (mean binary
// cross-entropy; accuracy).
type Logistic Linear

// Softmax is multinomial logistic regression (mean cross-entropy; accuracy).
type Softmax Linear

// MLP is a multilayer perceptron.
type MLP struct {
	// Hidden are the hidden layers' widths, each ≥ 1. Default 256, 128.
	Hidden []int `spec:"hidden" default:"256x128"`
	// Act is the hidden activation. Default ReLU.
	Act Activation `spec:"act" default:"relu"`
	// Init is the weights' initialization. Default He for ReLU, Glorot for
	// tanh and sigmoid.
	Init Init `spec:"init" doc:"default he for relu, glorot for tanh and sigmoid"`
	// Std is the standard deviation of the Normal initialization, ≥ 0.
	// Default 0.01.
	Std float64 `spec:"std" default:"0.01"`
	// Norm applies layer normalization before each hidden activation.
	// Default false.
	Norm bool `spec:"norm"`
	// L2 is the weight penalty, ≥ 0. Default 0.
	L2 float64 `spec:"l2"`
}

// DeepMLP is a deep plain MLP of equal widths, to expose vanishing and
// exploding gradients.
type DeepMLP struct {
	// Depth is the number of hidden layers, in [1, 1000]. Default 15.
	Depth int `spec:"depth" default:"15"`
	// Width is every hidden layer's width, in [1, 1000]. Default 64.
	Width int `spec:"width" default:"64"`
	// Act is the hidden activation. Default Sigmoid.
	Act Activation `spec:"act" default:"sigmoid"`
	// Init is the weights' initialization. Default Normal.
	Init Init `spec:"init" default:"normal"`
	// Std is the standard deviation of the Normal initialization, ≥ 0.
	// Default 1.
	Std float64 `spec:"std" default:"1"`
	// Norm applies layer normalization before each hidden activation.
	// Default false.
	Norm bool `spec:"norm"`
	// L2 is the weight penalty, ≥ 0. Default 0.
	L2 float64 `spec:"l2"`
}

// CNN is a LeNet-like network for images: conv 5×5×6, conv 5×5×16 stride 2,
// conv 3×3×32 stride 2, dense 128, dense classes.
type CNN struct {
	// Init is the weights' initialization. Default He.
	Init Init `spec:"init" default:"he"`
	// L2 is the weight penalty, ≥ 0. Default 0.
	L2 float64 `spec:"l2"`
}

// Kind returns the registered name.
func (Linear) Kind() string   { return "linear" }
func (Logistic) Kind() string { return "logistic" }
func (Softmax) Kind() string  { return "softmax" }
func (MLP) Kind() string      { return "mlp" }
func (DeepMLP) Kind() string  { return "deep-mlp" }
func (CNN) Kind() string      { return "cnn" }

// String formats the configuration as a spec.
func (c Linear) String() string   { return spec.Encode(c.Kind(), c) }
func (c Logistic) String() string { return spec.Encode(c.Kind(), c) }
func (c Softmax) String() string  { return spec.Encode(c.Kind(), c) }
func (c MLP) String() string {
	if c.Init == mlpInit(c.Act) {
		c.Init = "" // the default for the activation
	}
	return spec.Encode(c.Kind(), c)
}
func (c DeepMLP) String() string { return spec.Encode(c.Kind(), c) }
func (c CNN) String() string     { return spec.Encode(c.Kind(), c) }

// Validate checks the fields.
func (c Linear) Validate() error { return firstErr(l2OK("Linear", c.L2), initOK("Linear", c.Init)) }
func (c Logistic) Validate() error {
	return firstErr(l2OK("Logistic", c.L2), initOK("Logistic", c.Init))
}
func (c Softmax) Validate() error { return firstErr(l2OK("Softmax", c.L2), initOK("Softmax", c.Init)) }
func (c CNN) Validate() error     { return firstErr(l2OK("CNN", c.L2), initOK("CNN", c.Init)) }

// Validate checks the fields.
func (c MLP) Validate() error {
	for i, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("model mlp: hidden width %d is %d, must be ≥ 1 (field MLP.Hidden[%d])", i, h, i)
		}
	}
	return firstErr(actOK("MLP", c.Act), initOK("MLP", c.Init), stdOK("MLP", c.Std), l2OK("MLP", c.L2))
}

// Validate checks the fields.
func (c DeepMLP) Validate() error {
	for _, f := range []struct {
		key, field string
		v          int
	}{{"depth", "Depth", c.Depth}, {"width", "Width", c.Width}} {
		if f.v == spec.ZeroInt || f.v < 0 || f.v > 1000 {
			return fmt.Errorf("model deep-mlp: %s must be in [1, 1000] (field DeepMLP.%s)", f.key, f.field)
		}
	}
	return firstErr(actOK("DeepMLP", c.Act), initOK("DeepMLP", c.Init), stdOK("DeepMLP", c.Std), l2OK("DeepMLP", c.L2))
}

func l2OK(typ string, l2 float64) error {
	if !(l2 >= 0) || l2 > 1e300 {
		return fmt.Errorf("model %s: l2=%v must be a finite number ≥ 0 (field %s.L2)", strings.ToLower(typ), l2, typ)
	}
	return nil
}

func stdOK(typ string, std float64) error {
	if !(std >= 0) || std > 1e300 {
		return fmt.Errorf("model %s: std=%v must be a finite number ≥ 0 (field %s.Std)", strings.ToLower(typ), std, typ)
	}
	return nil
}

func initOK(typ string, in Init) error {
	switch in {
	case "", Zeros, Normal, Glorot, He:
		return nil
	}
	return fmt.Errorf("model %s: init=%q must be zeros, normal, glorot or he (field %s.Init)", strings.ToLower(typ), in, typ)
}

func actOK(typ string, a Activation) error {
	switch a {
	case "", ReLU, Tanh, Sigmoid:
		return nil
	}
	return fmt.Errorf("model %s: act=%q must be relu, tanh or sigmoid (field %s.Act)", strings.ToLower(typ), a, typ)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Docs describes each kind for listings (`bgdlab models`), with its keys and
// defaults read from the configuration's struct tags.
var Docs = docs(map[string]string{
	"linear":   "linear regression, MSE = (1/n)Σ(ŷ−y)²; R² metric.",
	"logistic": "logistic regression for two classes, mean binary cross-entropy; accuracy.",
	"softmax":  "softmax (multinomial logistic) regression, mean cross-entropy; accuracy.",
	"mlp":      "multilayer perceptron (act relu|tanh|sigmoid, init he|glorot|normal|zeros, std: of the normal init, norm: layer norm).",
	"deep-mlp": "deep plain MLP to expose vanishing/exploding gradients (std: of the normal init).",
	"cnn":      "LeNet-like CNN for images: conv5×5×6, conv5×5×16 stride 2, conv3×3×32 stride 2, dense 128, dense classes.",
	"detector": "one-stage grid detector for the detection data set: conv3×3×width, conv3×3×2·width stride 2 down to the grid, 1×1 head (objectness, classes, box) per cell; mAP@0.5 metric.",
})

// docs appends each kind's keys and defaults to its description.
func docs(about map[string]string) map[string]string {
	for kind, d := range about {
		zero, ok := registry.Zero(kind)
		if !ok {
			panic("models: Docs describes unregistered " + kind)
		}
		var keys []string
		for _, f := range spec.Fields(zero) {
			if f.Default == "" && f.Doc != "" {
				keys = append(keys, f.Key+" ("+f.Doc+")")
			} else {
				keys = append(keys, f.Key+"="+f.Default)
			}
		}
		about[kind] = d + " " + strings.Join(keys, ", ")
	}
	return about
}

// registry holds every model's zero configuration.
var registry = spec.NewRegistry("model", map[string]Config{"linear": Linear{}, "logistic": Logistic{}, "softmax": Softmax{}, "mlp": MLP{}, "deep-mlp": DeepMLP{}, "cnn": CNN{}, "detector": Detector{}})

// Names returns the registered model kinds, sorted.
func Names() []string { return registry.Names() }

// Parse reads a spec such as "mlp:hidden=256x128,act=tanh" into its typed
// configuration, every field resolved, and validates it.
func Parse(s string) (Config, error) {
	c, err := registry.Decode(s)
	if err != nil {
		return nil, err
	}
	c = Resolved(c)
	return c, c.Validate()
}

// Resolved returns c with every zero field set to its default.
func Resolved(c Config) Config {
	c = spec.Resolved(c.Kind(), c)
	if m, ok := c.(MLP); ok && m.Init == "" {
		m.Init = mlpInit(m.Act)
		return m
	}
	return c
}

// mlpInit is MLP's default initialization for an activation: He for ReLU,
// Glorot for tanh and sigmoid.
func mlpInit(a Activation) Init {
	if a == "" || a == ReLU {
		return He
	}
	return Glorot
}

// New builds the model c configures (after c.Validate).
func New(c Config) (*Model, error) {
	if c == nil {
		return nil, fmt.Errorf("models.New: nil configuration (use models.Linear{}, models.MLP{}, …)")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	r := Resolved(c)
	m := &Model{Kind: r.Kind(), Bias: true, spec: c.String()}
	switch r := r.(type) {
	case Linear:
		m.Bias, m.L2, m.InitScheme = !r.NoBias, r.L2, string(r.Init)
	case Logistic:
		m.Bias, m.L2, m.InitScheme = !r.NoBias, r.L2, string(r.Init)
	case Softmax:
		m.Bias, m.L2, m.InitScheme = !r.NoBias, r.L2, string(r.Init)
	case MLP:
		m.Hidden, m.Act, m.InitScheme, m.Std, m.Norm, m.L2 = r.Hidden, string(r.Act), string(r.Init), r.Std+0, r.Norm, r.L2
	case DeepMLP:
		m.Hidden, m.Act, m.InitScheme, m.Std, m.Norm, m.L2 = repeat(r.Width, r.Depth), string(r.Act), string(r.Init), r.Std+0, r.Norm, r.L2
	case CNN:
		m.Act, m.InitScheme, m.L2 = "relu", string(r.Init), r.L2
	case Detector:
		m.Act, m.InitScheme, m.L2, m.Hidden = "relu", string(r.Init), r.L2, []int{r.Width}
	}
	return m, nil
}

// MustNew is New for examples and tests: it panics on error.
func MustNew(c Config) *Model {
	m, err := New(c)
	if err != nil {
		panic(err)
	}
	return m
}

// MustParse is Parse for tests and examples: it panics on error.
func MustParse(s string) Config {
	c, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return c
}
