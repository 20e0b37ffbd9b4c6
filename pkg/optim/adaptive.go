package optim

import "github.com/gomlx/gomlx/core/graph"

// The adaptive family: AdaGrad, RMSprop and Adadelta, after torch.optim.
// Each hyperparameter is declared once, by its field's tags; its rule below
// reads it by key.

// AdaGrad accumulates squared gradients: s ← s + g²;
// θ ← θ − LR/(1 + (t−1)·LRDecay)·g/(√s + Eps).
type AdaGrad struct {
	LR                 float64 `spec:"lr" default:"0.01" range:"(0,inf)" doc:"learning rate (step size)"`
	LRDecay            float64 `spec:"lr_decay" range:"[0,inf)" doc:"learning-rate decay"`
	WeightDecay        float64 `spec:"weight_decay" range:"[0,inf)" doc:"L2 penalty added to the gradient (coupled)"`
	InitialAccumulator float64 `spec:"initial_accumulator_value" range:"[0,inf)" doc:"initial value of s"`
	Eps                float64 `spec:"eps" default:"1e-10" range:"(0,inf)" doc:"term added to the denominator"`
	Clip
}

// RMSprop divides by a running root mean square of the gradients:
// v ← αv + (1−α)g²; θ ← θ − LR·g/(√ṽ + Eps), ṽ = v − ḡ² if Centered, with
// optional heavy-ball momentum on the scaled step.
type RMSprop struct {
	LR          float64 `spec:"lr" default:"0.01" range:"(0,inf)" doc:"learning rate (step size)"`
	Alpha       float64 `spec:"alpha" default:"0.99" range:"[0,1)" doc:"smoothing constant α"`
	Eps         float64 `spec:"eps" default:"1e-8" range:"(0,inf)" doc:"term added to the denominator"`
	WeightDecay float64 `spec:"weight_decay" range:"[0,inf)" doc:"L2 penalty added to the gradient (coupled)"`
	Momentum    float64 `spec:"momentum" range:"[0,1)" doc:"momentum factor μ"`
	Centered    bool    `spec:"centered" doc:"normalize by the estimated variance of the gradient"`
	Clip
}

// Adadelta: v ← ρv + (1−ρ)g²; Δ = √(u+Eps)/√(v+Eps)·g; u ← ρu + (1−ρ)Δ²;
// θ ← θ − LR·Δ.
type Adadelta struct {
	LR          float64 `spec:"lr" default:"1" range:"(0,inf)" doc:"learning rate (step size)"`
	Rho         float64 `spec:"rho" default:"0.9" range:"[0,1)" doc:"decay ρ of the running averages"`
	Eps         float64 `spec:"eps" default:"1e-6" range:"(0,inf)" doc:"term added to the denominator"`
	WeightDecay float64 `spec:"weight_decay" range:"[0,inf)" doc:"L2 penalty added to the gradient (coupled)"`
	Clip
}

func (AdaGrad) Method() string  { return "adagrad" }
func (RMSprop) Method() string  { return "rmsprop" }
func (Adadelta) Method() string { return "adadelta" }

// Validate checks every field against its range tag.
func (c AdaGrad) Validate() error  { return validate(c) }
func (c RMSprop) Validate() error  { return validate(c) }
func (c Adadelta) Validate() error { return validate(c) }

// String formats the configuration as a spec, e.g. "rmsprop:alpha=0.9".
func (c AdaGrad) String() string  { return format(c) }
func (c RMSprop) String() string  { return format(c) }
func (c Adadelta) String() string { return format(c) }

func init() {
	register(Info{Name: "adagrad", New: func() Config { return AdaGrad{} }, Family: "adaptive",
		Doc: "AdaGrad: s ← s + g²; θ ← θ − lr/(1+(t−1)·lr_decay)·g/(√s + eps)"}, adagradRule)
	register(Info{Name: "rmsprop", New: func() Config { return RMSprop{} }, Family: "adaptive",
		Doc: "RMSprop: v ← αv + (1−α)g²; θ ← θ − lr·g/(√ṽ + eps), ṽ = v − ḡ² if centered; optional momentum"}, rmspropRule)
	register(Info{Name: "adadelta", New: func() Config { return Adadelta{} }, Family: "adaptive",
		Doc: "Adadelta: v ← ρv + (1−ρ)g²; Δ = √(u+eps)/√(v+eps)·g; u ← ρu + (1−ρ)Δ²; θ ← θ − lr·Δ"}, adadeltaRule)
}

func adagradRule(u *varUpdate, g *graph.Node) *graph.Node {
	g = u.coupled(g)
	clr := graph.Div(u.lr, graph.AddScalar(graph.MulScalar(graph.AddScalar(u.t, -1), u.p["lr_decay"]), 1))
	sv := u.state("sum") // stored minus initial_accumulator_value
	sum := graph.Add(u.value(sv), graph.Square(g))
	sv.SetNodeValue(sum)
	sum = graph.AddScalar(sum, u.p["initial_accumulator_value"])
	return graph.Sub(u.theta, graph.Mul(clr, graph.Div(g, graph.AddScalar(graph.Sqrt(sum), u.p["eps"]))))
}

func rmspropRule(u *varUpdate, g *graph.Node) *graph.Node {
	g = u.coupled(g)
	alpha, eps, mu := u.p["alpha"], u.p["eps"], u.p["momentum"]
	vv := u.state("square_avg")
	sq := ema(u.value(vv), alpha, graph.Square(g))
	vv.SetNodeValue(sq)
	avg := sq
	if u.p["centered"] == 1 {
		gv := u.state("grad_avg")
		ga := ema(u.value(gv), alpha, g)
		gv.SetNodeValue(ga)
		avg = graph.Sub(sq, graph.Square(ga))
	}
	d := graph.Div(g, graph.AddScalar(graph.Sqrt(avg), eps))
	if mu > 0 {
		bv := u.state("momentum_buffer")
		b := graph.Add(graph.MulScalar(u.value(bv), mu), d)
		bv.SetNodeValue(b)
		d = b
	}
	return graph.Sub(u.theta, graph.Mul(u.lr, d))
}

func adadeltaRule(u *varUpdate, g *graph.Node) *graph.Node {
	g = u.coupled(g)
	rho, eps := u.p["rho"], u.p["eps"]
	vv, uv := u.state("square_avg"), u.state("acc_delta")
	sq := ema(u.value(vv), rho, graph.Square(g))
	vv.SetNodeValue(sq)
	acc := u.value(uv)
	delta := graph.Mul(graph.Div(graph.Sqrt(graph.AddScalar(acc, eps)), graph.Sqrt(graph.AddScalar(sq, eps))), g)
	uv.SetNodeValue(ema(acc, rho, graph.Square(delta)))
	return graph.Sub(u.theta, graph.Mul(u.lr, delta))
}
