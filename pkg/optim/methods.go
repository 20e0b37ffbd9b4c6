package optim

import (
	"fmt"
	"sort"
	"strings"
)

// Param describes one hyperparameter of a method: its name as users type it,
// its default (torch.optim's unless noted) and its valid range.
type Param struct {
	Name    string
	Default float64
	Doc     string
	// Min and Max bound the value; MinOpen/MaxOpen exclude the bound itself.
	Min, Max         float64
	MinOpen, MaxOpen bool
	// Bool marks a 0/1 flag (e.g. centered); Int a whole number.
	Bool, Int bool
}

// check returns an error naming the parameter and its valid range when v is
// outside it.
func (p Param) check(method string, v float64) error {
	if p.Bool {
		if v != 0 && v != 1 {
			return fmt.Errorf("optimizer %s: %s=%v must be true or false (1 or 0)", method, p.Name, v)
		}
		return nil
	}
	lowOK := v > p.Min || (!p.MinOpen && v == p.Min)
	highOK := v < p.Max || (!p.MaxOpen && v == p.Max)
	if !lowOK || !highOK {
		return fmt.Errorf("optimizer %s: %s=%v is outside its valid range %s", method, p.Name, v, p.rangeString())
	}
	return nil
}

func (p Param) rangeString() string {
	if p.Bool {
		return "{false, true}"
	}
	lo, hi := "[", "]"
	if p.MinOpen {
		lo = "("
	}
	if p.MaxOpen || p.Max >= 1e300 {
		hi = ")"
	}
	f := func(x float64) string {
		switch {
		case x >= 1e300:
			return "∞"
		case x <= -1e300:
			return "-∞"
		}
		return fmt.Sprint(x)
	}
	return lo + f(p.Min) + ", " + f(p.Max) + hi
}

const inf = 1e308

// Common parameter definitions.
var (
	pLR = func(def float64) Param {
		return Param{Name: "lr", Default: def, Doc: "learning rate (step size)", Min: 0, MinOpen: true, Max: inf}
	}
	pWD       = Param{Name: "weight_decay", Doc: "L2 penalty added to the gradient (coupled)", Max: inf}
	pMomentum = func(def float64) Param {
		return Param{Name: "momentum", Default: def, Doc: "momentum factor μ", Max: 1, MaxOpen: true}
	}
	pDampening = Param{Name: "dampening", Doc: "dampening τ for the momentum buffer", Max: 1}
	pEps       = func(def float64) Param {
		return Param{Name: "eps", Default: def, Doc: "term added to the denominator", Min: 0, MinOpen: true, Max: inf}
	}
	pBeta = func(name string, def float64, doc string) Param {
		return Param{Name: name, Default: def, Doc: doc, Max: 1, MaxOpen: true}
	}
)

// Info describes a method for listings (optim.List, `bgdlab optimizers`).
type Info struct {
	Name   string
	Family string
	Doc    string
	Params []Param
	// FullBatchOnly marks methods whose step needs the loss at trial points
	// (line searches, L-BFGS).
	FullBatchOnly bool
	// New returns the method's zero configuration (all defaults).
	New func() Config
}

// methods is the registry of all methods, keyed by name.
var methods = map[string]Info{
	"gd": {Name: "gd", New: func() Config { return GD{} }, Family: "sgd", Doc: "plain gradient descent θ ← θ − lr·(g + wd·θ); full batch = BGD, mini-batch = SGD",
		Params: []Param{pLR(0.01), pWD,
			{Name: "grad_penalty", Doc: "ρ: add ρ·H·g, the gradient of (ρ/2)‖∇L‖² (Geiping et al. 2022's penalty; their λ at step η is ρ = λη/4), H·g by a finite difference (0: off)", Max: inf},
			{Name: "penalty_eps", Default: 0.01, Doc: "ε of H·g ≈ ‖g‖·(∇L(θ + ε·g/‖g‖) − g)/ε", Min: 0, MinOpen: true, Max: inf}}},
	"momentum": {Name: "momentum", New: func() Config { return Momentum{} }, Family: "sgd", Doc: "heavy ball (torch SGD, nesterov=False): b ← μb + (1−τ)g; θ ← θ − lr·b",
		Params: []Param{pLR(0.01), pMomentum(0.9), pDampening, pWD}},
	"nesterov": {Name: "nesterov", New: func() Config { return Nesterov{} }, Family: "sgd", Doc: "Nesterov momentum (torch SGD, nesterov=True): b ← μb + g; θ ← θ − lr·(g + μb)",
		Params: []Param{pLR(0.01), pMomentum(0.9), pWD}},
	"adagrad": {Name: "adagrad", New: func() Config { return AdaGrad{} }, Family: "adaptive", Doc: "AdaGrad: s ← s + g²; θ ← θ − lr/(1+(t−1)·lr_decay)·g/(√s + eps)",
		Params: []Param{pLR(0.01), {Name: "lr_decay", Doc: "learning-rate decay", Max: inf}, pWD,
			{Name: "initial_accumulator_value", Doc: "initial value of s", Max: inf}, pEps(1e-10)}},
	"rmsprop": {Name: "rmsprop", New: func() Config { return RMSprop{} }, Family: "adaptive", Doc: "RMSprop: v ← αv + (1−α)g²; θ ← θ − lr·g/(√ṽ + eps), ṽ = v − ḡ² if centered; optional momentum",
		Params: []Param{pLR(0.01), pBeta("alpha", 0.99, "smoothing constant α"), pEps(1e-8), pWD, pMomentum(0),
			{Name: "centered", Doc: "normalize by the estimated variance of the gradient", Bool: true, Max: 1}}},
	"adadelta": {Name: "adadelta", New: func() Config { return Adadelta{} }, Family: "adaptive", Doc: "Adadelta: v ← ρv + (1−ρ)g²; Δ = √(u+eps)/√(v+eps)·g; u ← ρu + (1−ρ)Δ²; θ ← θ − lr·Δ",
		Params: []Param{pLR(1.0), pBeta("rho", 0.9, "decay ρ of the running averages"), pEps(1e-6), pWD}},
	"adam": {Name: "adam", New: func() Config { return Adam{} }, Family: "adam", Doc: "Adam with bias correction: θ ← θ − lr·m̂/(√v̂ + eps)",
		Params: []Param{pLR(1e-3), pBeta("beta1", 0.9, "first-moment decay β₁"), pBeta("beta2", 0.999, "second-moment decay β₂"), pEps(1e-8), pWD}},
	"adamw": {Name: "adamw", New: func() Config { return AdamW{} }, Family: "adam", Doc: "AdamW: θ ← θ − lr·wd·θ (decoupled), then the Adam step",
		Params: []Param{pLR(1e-3), pBeta("beta1", 0.9, "first-moment decay β₁"), pBeta("beta2", 0.999, "second-moment decay β₂"), pEps(1e-8),
			{Name: "weight_decay", Default: 0.01, Doc: "decoupled weight decay", Max: inf}}},
	"amsgrad": {Name: "amsgrad", New: func() Config { return AMSGrad{} }, Family: "adam", Doc: "Adam with AMSGrad: v̂ uses the running maximum of v",
		Params: []Param{pLR(1e-3), pBeta("beta1", 0.9, "first-moment decay β₁"), pBeta("beta2", 0.999, "second-moment decay β₂"), pEps(1e-8), pWD}},
	"nadam": {Name: "nadam", New: func() Config { return NAdam{} }, Family: "adam", Doc: "NAdam (torch.optim.NAdam): Adam with Nesterov momentum and momentum_decay schedule",
		Params: []Param{pLR(2e-3), pBeta("beta1", 0.9, "first-moment decay β₁"), pBeta("beta2", 0.999, "second-moment decay β₂"), pEps(1e-8), pWD,
			{Name: "momentum_decay", Default: 4e-3, Doc: "ψ in μ_t = β₁(1 − ½·0.96^(tψ))", Max: inf}}},
	"adamax": {Name: "adamax", New: func() Config { return Adamax{} }, Family: "adam", Doc: "Adamax: u ← max(β₂u, |g| + eps); θ ← θ − lr/(1−β₁ᵗ)·m/u",
		Params: []Param{pLR(2e-3), pBeta("beta1", 0.9, "first-moment decay β₁"), pBeta("beta2", 0.999, "infinity-norm decay β₂"), pEps(1e-8), pWD}},
	"lion": {Name: "lion", New: func() Config { return Lion{} }, Family: "sign", Doc: "Lion (Chen et al. 2023; Optax lion): θ ← θ − lr·(sign(β₁m + (1−β₁)g) + wd·θ); m ← β₂m + (1−β₂)g",
		Params: []Param{pLR(1e-4), pBeta("beta1", 0.9, "interpolation β₁"), pBeta("beta2", 0.99, "momentum decay β₂"),
			{Name: "weight_decay", Doc: "decoupled weight decay", Max: inf}}},
	"polyak": {Name: "polyak", New: func() Config { return Polyak{} }, Family: "step-size", Doc: "Polyak step: θ ← θ − min(max_lr, (f(θ) − f*)/(‖g‖² + eps))·g",
		Params: []Param{{Name: "f_star", Doc: "optimal (or estimated lowest) loss f*", Min: -inf, Max: inf},
			{Name: "max_lr", Default: 10, Doc: "cap on the step size", Min: 0, MinOpen: true, Max: inf}, pEps(1e-12)}},
	"armijo": {Name: "armijo", New: func() Config { return Armijo{} }, Family: "line-search", FullBatchOnly: true,
		Doc: "full-batch GD with backtracking: try lr, lr·rho, … until f(θ − α g) ≤ f(θ) − c·α‖g‖²",
		Params: []Param{pLR(1.0), pBeta("rho", 0.5, "backtracking factor"), {Name: "c", Default: 1e-4, Doc: "sufficient-decrease constant", Min: 0, MinOpen: true, Max: 1, MaxOpen: true},
			{Name: "max_trials", Default: 30, Doc: "maximum backtracking trials per step", Min: 1, Max: 200, Int: true}}},
	"lbfgs": {Name: "lbfgs", New: func() Config { return LBFGS{} }, Family: "quasi-newton", FullBatchOnly: true,
		Doc: "limited-memory BFGS with history m and a backtracking (Armijo) line search from a unit step",
		Params: []Param{pLR(1.0), {Name: "history", Default: 10, Doc: "number of (s, y) pairs kept", Min: 1, Max: 1000, Int: true},
			pBeta("rho", 0.5, "backtracking factor"), {Name: "c", Default: 1e-4, Doc: "sufficient-decrease constant", Min: 0, MinOpen: true, Max: 1, MaxOpen: true},
			{Name: "max_trials", Default: 30, Doc: "maximum backtracking trials per step", Min: 1, Max: 200, Int: true}}},
}

// commonParams apply to every method: gradient clipping.
var commonParams = []Param{
	{Name: "clip_value", Doc: "clip each gradient entry to [−v, v] (0: off)", Max: inf},
	{Name: "clip_norm", Doc: "rescale gradients to global L2 norm ≤ v (0: off)", Max: inf},
}

// aliases maps alternative spellings to canonical parameter names.
var aliases = map[string]string{"learning_rate": "lr", "wd": "weight_decay", "mu": "momentum", "m": "history"}

// List returns every method, sorted by family then name.
func List() []Info {
	out := make([]Info, 0, len(methods))
	for _, m := range methods {
		m.Params = append(append([]Param(nil), m.Params...), commonParams...)
		out = append(out, m)
	}
	order := map[string]int{"sgd": 0, "adaptive": 1, "adam": 2, "sign": 3, "step-size": 4, "line-search": 5, "quasi-newton": 6, "seed": 7}
	sort.Slice(out, func(i, j int) bool {
		if order[out[i].Family] != order[out[j].Family] {
			return order[out[i].Family] < order[out[j].Family]
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Names returns the method names, sorted.
func Names() []string {
	var names []string
	for n := range methods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the description of a method.
func Lookup(name string) (Info, error) {
	m, ok := methods[strings.ToLower(name)]
	if !ok {
		return Info{}, fmt.Errorf("unknown optimizer %q: valid optimizers are %s", name, strings.Join(Names(), ", "))
	}
	return m, nil
}
