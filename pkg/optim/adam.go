package optim

import "github.com/gomlx/gomlx/core/graph"

// The Adam family: Adam, AdamW, AMSGrad, NAdam and Adamax, after
// torch.optim. Each hyperparameter is declared once, by its field's tags;
// its rule below reads it by key.

// Adam with bias correction: θ ← θ − LR·m̂/(√v̂ + Eps).
type Adam struct {
	LR          float64 `spec:"lr" default:"1e-3" range:"(0,inf)" doc:"learning rate (step size)"`
	Beta1       float64 `spec:"beta1" default:"0.9" range:"[0,1)" doc:"first-moment decay β₁"`
	Beta2       float64 `spec:"beta2" default:"0.999" range:"[0,1)" doc:"second-moment decay β₂"`
	Eps         float64 `spec:"eps" default:"1e-8" range:"(0,inf)" doc:"term added to the denominator"`
	WeightDecay float64 `spec:"weight_decay" range:"[0,inf)" doc:"L2 penalty added to the gradient (coupled)"`
	Clip
}

// AdamW is Adam with decoupled weight decay: θ ← θ − LR·WeightDecay·θ, then
// the Adam step.
type AdamW struct {
	LR          float64 `spec:"lr" default:"1e-3" range:"(0,inf)" doc:"learning rate (step size)"`
	Beta1       float64 `spec:"beta1" default:"0.9" range:"[0,1)" doc:"first-moment decay β₁"`
	Beta2       float64 `spec:"beta2" default:"0.999" range:"[0,1)" doc:"second-moment decay β₂"`
	Eps         float64 `spec:"eps" default:"1e-8" range:"(0,inf)" doc:"term added to the denominator"`
	WeightDecay float64 `spec:"weight_decay" default:"0.01" range:"[0,inf)" doc:"decoupled weight decay"`
	Clip
}

// AMSGrad is Adam whose v̂ is the running maximum of v.
type AMSGrad struct {
	LR          float64 `spec:"lr" default:"1e-3" range:"(0,inf)" doc:"learning rate (step size)"`
	Beta1       float64 `spec:"beta1" default:"0.9" range:"[0,1)" doc:"first-moment decay β₁"`
	Beta2       float64 `spec:"beta2" default:"0.999" range:"[0,1)" doc:"second-moment decay β₂"`
	Eps         float64 `spec:"eps" default:"1e-8" range:"(0,inf)" doc:"term added to the denominator"`
	WeightDecay float64 `spec:"weight_decay" range:"[0,inf)" doc:"L2 penalty added to the gradient (coupled)"`
	Clip
}

// NAdam is Adam with Nesterov momentum and torch's momentum-decay schedule.
type NAdam struct {
	LR            float64 `spec:"lr" default:"2e-3" range:"(0,inf)" doc:"learning rate (step size)"`
	Beta1         float64 `spec:"beta1" default:"0.9" range:"[0,1)" doc:"first-moment decay β₁"`
	Beta2         float64 `spec:"beta2" default:"0.999" range:"[0,1)" doc:"second-moment decay β₂"`
	Eps           float64 `spec:"eps" default:"1e-8" range:"(0,inf)" doc:"term added to the denominator"`
	WeightDecay   float64 `spec:"weight_decay" range:"[0,inf)" doc:"L2 penalty added to the gradient (coupled)"`
	MomentumDecay float64 `spec:"momentum_decay" default:"4e-3" range:"[0,inf)" doc:"ψ in μ_t = β₁(1 − ½·0.96^(tψ))"`
	// DecoupledWeightDecay decays θ ← θ·(1 − LR·WeightDecay) before the
	// step, as AdamW, instead of adding WeightDecay·θ to g (torch ≥ 2.1's
	// NAdam(decoupled_weight_decay=True), "NAdamW").
	DecoupledWeightDecay bool `spec:"decoupled_weight_decay" doc:"decay θ ← θ·(1 − lr·wd) as AdamW instead of adding wd·θ to g"`
	Clip
}

// Adamax: u ← max(β₂u, |g| + Eps); θ ← θ − LR/(1−β₁ᵗ)·m/u.
type Adamax struct {
	LR          float64 `spec:"lr" default:"2e-3" range:"(0,inf)" doc:"learning rate (step size)"`
	Beta1       float64 `spec:"beta1" default:"0.9" range:"[0,1)" doc:"first-moment decay β₁"`
	Beta2       float64 `spec:"beta2" default:"0.999" range:"[0,1)" doc:"infinity-norm decay β₂"`
	Eps         float64 `spec:"eps" default:"1e-8" range:"(0,inf)" doc:"term added to the denominator"`
	WeightDecay float64 `spec:"weight_decay" range:"[0,inf)" doc:"L2 penalty added to the gradient (coupled)"`
	Clip
}

func (Adam) Method() string    { return "adam" }
func (AdamW) Method() string   { return "adamw" }
func (AMSGrad) Method() string { return "amsgrad" }
func (NAdam) Method() string   { return "nadam" }
func (Adamax) Method() string  { return "adamax" }

// Validate checks every field against its range tag.
func (c Adam) Validate() error    { return validate(c) }
func (c AdamW) Validate() error   { return validate(c) }
func (c AMSGrad) Validate() error { return validate(c) }
func (c NAdam) Validate() error   { return validate(c) }
func (c Adamax) Validate() error  { return validate(c) }

// String formats the configuration as a spec, e.g. "adam:lr=0.0003".
func (c Adam) String() string    { return format(c) }
func (c AdamW) String() string   { return format(c) }
func (c AMSGrad) String() string { return format(c) }
func (c NAdam) String() string   { return format(c) }
func (c Adamax) String() string  { return format(c) }

func init() {
	register(Info{Name: "adam", New: func() Config { return Adam{} }, Family: "adam",
		Doc: "Adam with bias correction: θ ← θ − lr·m̂/(√v̂ + eps)"}, adamRule)
	register(Info{Name: "adamw", New: func() Config { return AdamW{} }, Family: "adam",
		Doc: "AdamW: θ ← θ − lr·wd·θ (decoupled), then the Adam step"}, adamRule)
	register(Info{Name: "amsgrad", New: func() Config { return AMSGrad{} }, Family: "adam",
		Doc: "Adam with AMSGrad: v̂ uses the running maximum of v"}, adamRule)
	register(Info{Name: "nadam", New: func() Config { return NAdam{} }, Family: "adam",
		Doc: "NAdam (torch.optim.NAdam): Adam with Nesterov momentum and momentum_decay schedule"}, nadamRule)
	register(Info{Name: "adamax", New: func() Config { return Adamax{} }, Family: "adam",
		Doc: "Adamax: u ← max(β₂u, |g| + eps); θ ← θ − lr/(1−β₁ᵗ)·m/u"}, adamaxRule)
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
	theta := u.theta
	if u.p["decoupled_weight_decay"] == 1 {
		theta = graph.Mul(theta, graph.OneMinus(graph.MulScalar(u.lr, u.p["weight_decay"])))
	} else {
		g = u.coupled(g)
	}
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
	return graph.Sub(theta, step)
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
