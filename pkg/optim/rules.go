package optim

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// varUpdate is what a rule needs to update one variable: its value θ, the
// step size lr and step count t (1 for the first update) in θ's dtype, and
// the method's resolved hyperparameters.
type varUpdate struct {
	s      *stepper
	v      *model.Variable
	method string
	p      map[string]float64
	theta  *graph.Node
	lr, t  *graph.Node
	first  *graph.Node // t == 1
}

// rule returns θ's new value from its gradient g.
type rule func(u *varUpdate, g *graph.Node) *graph.Node

// rules are the first-order update rules, by method (torch.optim's
// algorithms; Lion after its paper and Optax).
var rules = map[string]rule{
	"gd": gdRule, "polyak": gdRule, "momentum": momentumRule, "nesterov": momentumRule,
	"adagrad": adagradRule, "rmsprop": rmspropRule, "adadelta": adadeltaRule,
	"adam": adamRule, "adamw": adamRule, "amsgrad": adamRule, "nadam": nadamRule,
	"adamax": adamaxRule, "lion": lionRule,
}

// coupled adds the L2 penalty weight_decay·θ to g.
func (u *varUpdate) coupled(g *graph.Node) *graph.Node {
	if wd := u.p["weight_decay"]; wd != 0 {
		return graph.Add(g, graph.MulScalar(u.theta, wd))
	}
	return g
}

// state returns the optimizer state variable name of this variable.
func (u *varUpdate) state(name string) *model.Variable { return u.s.state(u.v, name) }

// value and set read and write a state variable in the step's graph.
func (u *varUpdate) value(sv *model.Variable) *graph.Node { return sv.NodeValue(u.s.g) }

// ema returns β·x + (1−β)·y.
func ema(x *graph.Node, beta float64, y *graph.Node) *graph.Node {
	return graph.Add(graph.MulScalar(x, beta), graph.MulScalar(y, 1-beta))
}

func gdRule(u *varUpdate, g *graph.Node) *graph.Node {
	return graph.Sub(u.theta, graph.Mul(u.lr, u.coupled(g)))
}

func momentumRule(u *varUpdate, g *graph.Node) *graph.Node {
	g = u.coupled(g)
	mu, damp := u.p["momentum"], u.p["dampening"]
	bv := u.state("momentum_buffer")
	bNew := graph.Add(graph.MulScalar(u.value(bv), mu), graph.MulScalar(g, 1-damp))
	bNew = graph.Where(u.first, g, bNew) // torch: the buffer starts as g
	bv.SetNodeValue(bNew)
	d := bNew
	if u.method == "nesterov" {
		d = graph.Add(g, graph.MulScalar(bNew, mu))
	}
	return graph.Sub(u.theta, graph.Mul(u.lr, d))
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

// adamRule is Adam, AdamW (decoupled decay) and AMSGrad (running maximum of v).
func adamRule(u *varUpdate, g *graph.Node) *graph.Node {
	b1, b2, eps := u.p["beta1"], u.p["beta2"], u.p["eps"]
	theta := u.theta
	if u.method == "adamw" {
		theta = graph.Mul(theta, graph.OneMinus(graph.MulScalar(u.lr, u.p["weight_decay"])))
	} else {
		g = u.coupled(g)
	}
	m, sq := u.moments(g, b1, b2)
	bc1 := graph.OneMinus(graph.Pow(u.s.c(u.t, b1), u.t))
	bc2 := graph.OneMinus(graph.Pow(u.s.c(u.t, b2), u.t))
	vhat := sq
	if u.method == "amsgrad" {
		xv := u.state("max_exp_avg_sq")
		mx := graph.Max(u.value(xv), sq)
		xv.SetNodeValue(mx)
		vhat = mx
	}
	denom := graph.AddScalar(graph.Sqrt(graph.Div(vhat, bc2)), eps)
	return graph.Sub(theta, graph.Mul(graph.Div(u.lr, bc1), graph.Div(m, denom)))
}

// moments updates and returns Adam's first and second moments of g.
func (u *varUpdate) moments(g *graph.Node, b1, b2 float64) (m, sq *graph.Node) {
	mv, vv := u.state("exp_avg"), u.state("exp_avg_sq")
	m = ema(u.value(mv), b1, g)
	sq = ema(u.value(vv), b2, graph.Square(g))
	mv.SetNodeValue(m)
	vv.SetNodeValue(sq)
	return m, sq
}

func nadamRule(u *varUpdate, g *graph.Node) *graph.Node {
	g = u.coupled(g)
	b1, b2, eps := u.p["beta1"], u.p["beta2"], u.p["eps"]
	s, dt := u.s, u.theta.DType()
	s.initNAdam(u.t, b1, u.p["momentum_decay"])
	m, sq := u.moments(g, b1, b2)
	bc2 := graph.OneMinus(graph.Pow(s.c(u.t, b2), u.t))
	denom := graph.AddScalar(graph.Sqrt(graph.Div(sq, bc2)), eps)
	mu, muNext := graph.ConvertDType(s.mu, dt), graph.ConvertDType(s.muNext, dt)
	prod, prodNext := graph.ConvertDType(s.muProduct, dt), graph.ConvertDType(s.muProductNext, dt)
	a := graph.Div(graph.Mul(u.lr, graph.OneMinus(mu)), graph.OneMinus(prod))
	b := graph.Div(graph.Mul(u.lr, muNext), graph.OneMinus(prodNext))
	step := graph.Add(graph.Mul(a, graph.Div(g, denom)), graph.Mul(b, graph.Div(m, denom)))
	return graph.Sub(u.theta, step)
}

func adamaxRule(u *varUpdate, g *graph.Node) *graph.Node {
	g = u.coupled(g)
	b1, b2, eps := u.p["beta1"], u.p["beta2"], u.p["eps"]
	mv, uv := u.state("exp_avg"), u.state("exp_inf")
	m := ema(u.value(mv), b1, g)
	inf := graph.Max(graph.MulScalar(u.value(uv), b2), graph.AddScalar(graph.Abs(g), eps))
	mv.SetNodeValue(m)
	uv.SetNodeValue(inf)
	clr := graph.Div(u.lr, graph.OneMinus(graph.Pow(u.s.c(u.t, b1), u.t)))
	return graph.Sub(u.theta, graph.Mul(clr, graph.Div(m, inf)))
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
