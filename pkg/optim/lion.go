package optim

import "github.com/gomlx/gomlx/core/graph"

// Lion (Chen et al. 2023; Optax's lion):
// θ ← θ − LR·(sign(β₁m + (1−β₁)g) + WeightDecay·θ); m ← β₂m + (1−β₂)g.
// Each hyperparameter is declared once, by its field's tags; lionRule reads
// it by key.
type Lion struct {
	LR          float64 `spec:"lr" default:"1e-4" range:"(0,inf)" doc:"learning rate (step size)"`
	Beta1       float64 `spec:"beta1" default:"0.9" range:"[0,1)" doc:"interpolation β₁"`
	Beta2       float64 `spec:"beta2" default:"0.99" range:"[0,1)" doc:"momentum decay β₂"`
	WeightDecay float64 `spec:"weight_decay" range:"[0,inf)" doc:"decoupled weight decay"`
	Clip
}

func (Lion) Method() string { return "lion" }

// Validate checks every field against its range tag.
func (c Lion) Validate() error { return validate(c) }

// String formats the configuration as a spec, e.g. "lion:lr=3e-05".
func (c Lion) String() string { return format(c) }

func init() {
	register(Info{Name: "lion", New: func() Config { return Lion{} }, Family: "sign",
		Doc: "Lion (Chen et al. 2023; Optax lion): θ ← θ − lr·(sign(β₁m + (1−β₁)g) + wd·θ); m ← β₂m + (1−β₂)g"}, lionRule)
}

func lionRule(u *varUpdate, g *graph.Node) *graph.Node {
	b1, b2 := u.p["beta1"], u.p["beta2"]
	mv := u.state("exp_avg")
	m := u.value(mv)
	c := ema(m, b1, g)
	mv.SetNodeValue(ema(m, b2, g))
	d := graph.Sign(c)
	if wd := u.p["weight_decay"]; wd != 0 {
		d = graph.Add(d, graph.MulScalar(u.theta, wd))
	}
	return graph.Sub(u.theta, graph.Mul(u.lr, d))
}
