package optim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/lsq"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// regression is a small least-squares problem f(θ) = (1/n)‖Xθ − y‖².
type regression struct {
	n, d int
	x    []float64 // row-major n×d
	y    []float64
}

func newRegression(seed uint64, n, d int) regression {
	rng := rand.New(rand.NewPCG(seed, 7))
	r := regression{n: n, d: d, x: make([]float64, n*d), y: make([]float64, n)}
	for i := range r.x {
		r.x[i] = rng.NormFloat64() * float64(1+i%d) // columns of different scale
	}
	for i := range r.y {
		r.y[i] = rng.NormFloat64()*3 + 1
	}
	return r
}

func (r regression) lossGrad(theta []float64) (float64, []float64) {
	g := make([]float64, r.d)
	var loss float64
	for i := 0; i < r.n; i++ {
		var p float64
		for j := 0; j < r.d; j++ {
			p += r.x[i*r.d+j] * theta[j]
		}
		res := p - r.y[i]
		loss += res * res
		for j := 0; j < r.d; j++ {
			g[j] += 2 * res * r.x[i*r.d+j] / float64(r.n)
		}
	}
	return loss / float64(r.n), g
}

// minLoss returns min f by solving the normal equations (d is small).
func (r regression) minLoss() float64 {
	rows := make([][]float64, r.n)
	for i := range rows {
		rows[i] = r.x[i*r.d : (i+1)*r.d]
	}
	theta, err := lsq.Problem{X: rows, Y: r.y}.ClosedForm()
	if err != nil {
		panic(err)
	}
	l, _ := r.lossGrad(theta)
	return l
}

// run applies steps updates of opt with GoMLX and returns θ after each.
func run(t *testing.T, b compute.Backend, opt *optim.Optimizer, r regression, theta0 []float64, steps int, dt dtypes.DType) [][]float64 {
	t.Helper()
	ctx := model.NewStore().RootScope()
	var init *tensors.Tensor
	if dt == dtypes.Float32 {
		f := make([]float32, len(theta0))
		for i, v := range theta0 {
			f[i] = float32(v)
		}
		init = tensors.FromFlatDataAndDimensions(f, len(f))
	} else {
		init = tensors.FromFlatDataAndDimensions(append([]float64(nil), theta0...), len(theta0))
	}
	thetaVar := ctx.At("model").VariableWithValue("theta", init)
	xT := tensors.FromFlatDataAndDimensions(r.x, r.n, r.d)
	yT := tensors.FromFlatDataAndDimensions(r.y, r.n)
	exec, err := model.NewExec(b, ctx.Store(), func(ctx *model.Scope, x, y *graph.Node) *graph.Node {
		g := x.Graph()
		theta := thetaVar.NodeValue(g)
		x, y = graph.ConvertDType(x, dt), graph.ConvertDType(y, dt)
		loss := graph.ReduceAllMean(graph.Square(graph.Sub(graph.DotProduct(x, theta), y)))
		opt.UpdateGraph(ctx, g, loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	var out [][]float64
	for k := 0; k < steps; k++ {
		if _, err := exec.Exec(xT, yT); err != nil {
			t.Fatal(err)
		}
		v := thetaVar.MustValue()
		var th []float64
		if dt == dtypes.Float32 {
			for _, f := range tensors.MustCopyFlatData[float32](v) {
				th = append(th, float64(f))
			}
		} else {
			th = tensors.MustCopyFlatData[float64](v)
		}
		out = append(out, th)
	}
	return out
}

// reference is an independent float64 implementation of one method, written
// from torch.optim's documented algorithm (Lion: Chen et al. 2023 / Optax).
// step receives the update number t (1-based), the learning rate for this
// step, the loss and gradient at θ, and updates θ in place.
type reference func(p map[string]float64) func(t int, lr, loss float64, theta, g []float64)

func vec(n int) []float64 { return make([]float64, n) }

var references = map[string]reference{
	// The seed article's rule read literally: W ← W − α g + β g⊙g.
	"gd-gradsq": func(p map[string]float64) func(int, float64, float64, []float64, []float64) {
		return func(t int, lr, _ float64, th, g []float64) {
			for i := range th {
				th[i] += -lr*g[i] + p["beta"]*g[i]*g[i]
			}
		}
	},
	"gd": func(p map[string]float64) func(int, float64, float64, []float64, []float64) {
		return func(t int, lr, _ float64, th, g []float64) {
			for i := range th {
				th[i] -= lr * (g[i] + p["weight_decay"]*th[i])
			}
		}
	},
	"momentum": func(p map[string]float64) func(int, float64, float64, []float64, []float64) {
		var buf []float64
		return func(t int, lr, _ float64, th, g []float64) {
			if buf == nil {
				buf = vec(len(th))
			}
			for i := range th {
				gi := g[i] + p["weight_decay"]*th[i]
				if t == 1 {
					buf[i] = gi
				} else {
					buf[i] = p["momentum"]*buf[i] + (1-p["dampening"])*gi
				}
				th[i] -= lr * buf[i]
			}
		}
	},
	"nesterov": func(p map[string]float64) func(int, float64, float64, []float64, []float64) {
		var buf []float64
		return func(t int, lr, _ float64, th, g []float64) {
			if buf == nil {
				buf = vec(len(th))
			}
			for i := range th {
				gi := g[i] + p["weight_decay"]*th[i]
				if t == 1 {
					buf[i] = gi
				} else {
					buf[i] = p["momentum"]*buf[i] + gi
				}
				th[i] -= lr * (gi + p["momentum"]*buf[i])
			}
		}
	},
	"adagrad": func(p map[string]float64) func(int, float64, float64, []float64, []float64) {
		var sum []float64
		return func(t int, lr, _ float64, th, g []float64) {
			if sum == nil {
				sum = vec(len(th))
				for i := range sum {
					sum[i] = p["initial_accumulator_value"]
				}
			}
			clr := lr / (1 + float64(t-1)*p["lr_decay"])
			for i := range th {
				gi := g[i] + p["weight_decay"]*th[i]
				sum[i] += gi * gi
				th[i] -= clr * gi / (math.Sqrt(sum[i]) + p["eps"])
			}
		}
	},
	"rmsprop": func(p map[string]float64) func(int, float64, float64, []float64, []float64) {
		var v, gavg, buf []float64
		return func(t int, lr, _ float64, th, g []float64) {
			if v == nil {
				v, gavg, buf = vec(len(th)), vec(len(th)), vec(len(th))
			}
			a := p["alpha"]
			for i := range th {
				gi := g[i] + p["weight_decay"]*th[i]
				v[i] = a*v[i] + (1-a)*gi*gi
				vt := v[i]
				if p["centered"] == 1 {
					gavg[i] = a*gavg[i] + (1-a)*gi
					vt -= gavg[i] * gavg[i]
				}
				if p["momentum"] > 0 {
					buf[i] = p["momentum"]*buf[i] + gi/(math.Sqrt(vt)+p["eps"])
					th[i] -= lr * buf[i]
				} else {
					th[i] -= lr * gi / (math.Sqrt(vt) + p["eps"])
				}
			}
		}
	},
	"adadelta": func(p map[string]float64) func(int, float64, float64, []float64, []float64) {
		var v, u []float64
		return func(t int, lr, _ float64, th, g []float64) {
			if v == nil {
				v, u = vec(len(th)), vec(len(th))
			}
			rho, eps := p["rho"], p["eps"]
			for i := range th {
				gi := g[i] + p["weight_decay"]*th[i]
				v[i] = rho*v[i] + (1-rho)*gi*gi
				dx := math.Sqrt(u[i]+eps) / math.Sqrt(v[i]+eps) * gi
				u[i] = rho*u[i] + (1-rho)*dx*dx
				th[i] -= lr * dx
			}
		}
	},
	"adam":    adamRef(false, false),
	"adamw":   adamRef(true, false),
	"amsgrad": adamRef(false, true),
	"nadam": func(p map[string]float64) func(int, float64, float64, []float64, []float64) {
		var m, v []float64
		muProduct := 1.0
		return func(t int, lr, _ float64, th, g []float64) {
			if m == nil {
				m, v = vec(len(th)), vec(len(th))
			}
			b1, b2, psi := p["beta1"], p["beta2"], p["momentum_decay"]
			mu := b1 * (1 - 0.5*math.Pow(0.96, float64(t)*psi))
			muNext := b1 * (1 - 0.5*math.Pow(0.96, float64(t+1)*psi))
			muProduct *= mu
			bc2 := 1 - math.Pow(b2, float64(t))
			for i := range th {
				gi := g[i] + p["weight_decay"]*th[i]
				if p["decoupled_weight_decay"] == 1 { // torch ≥ 2.1: param.mul_(1 − lr·wd)
					gi = g[i]
					th[i] *= 1 - lr*p["weight_decay"]
				}
				m[i] = b1*m[i] + (1-b1)*gi
				v[i] = b2*v[i] + (1-b2)*gi*gi
				denom := math.Sqrt(v[i]/bc2) + p["eps"]
				th[i] -= lr * (1 - mu) / (1 - muProduct) * gi / denom
				th[i] -= lr * muNext / (1 - muProduct*muNext) * m[i] / denom
			}
		}
	},
	"adamax": func(p map[string]float64) func(int, float64, float64, []float64, []float64) {
		var m, u []float64
		return func(t int, lr, _ float64, th, g []float64) {
			if m == nil {
				m, u = vec(len(th)), vec(len(th))
			}
			b1, b2 := p["beta1"], p["beta2"]
			for i := range th {
				gi := g[i] + p["weight_decay"]*th[i]
				m[i] = b1*m[i] + (1-b1)*gi
				u[i] = math.Max(b2*u[i], math.Abs(gi)+p["eps"])
				th[i] -= lr / (1 - math.Pow(b1, float64(t))) * m[i] / u[i]
			}
		}
	},
	"lion": func(p map[string]float64) func(int, float64, float64, []float64, []float64) {
		var m []float64
		return func(t int, lr, _ float64, th, g []float64) {
			if m == nil {
				m = vec(len(th))
			}
			b1, b2 := p["beta1"], p["beta2"]
			for i := range th {
				c := b1*m[i] + (1-b1)*g[i]
				sign := 0.0
				if c > 0 {
					sign = 1
				} else if c < 0 {
					sign = -1
				}
				th[i] -= lr * (sign + p["weight_decay"]*th[i])
				m[i] = b2*m[i] + (1-b2)*g[i]
			}
		}
	},
	"polyak": func(p map[string]float64) func(int, float64, float64, []float64, []float64) {
		return func(t int, factor, loss float64, th, g []float64) {
			var n2 float64
			for _, gi := range g {
				n2 += gi * gi
			}
			gamma := math.Min(p["max_lr"], math.Max(loss-p["f_star"], 0)/(n2+p["eps"])) * factor
			for i := range th {
				th[i] -= gamma * g[i]
			}
		}
	},
}

func adamRef(decoupled, ams bool) reference {
	return func(p map[string]float64) func(int, float64, float64, []float64, []float64) {
		var m, v, vmax []float64
		return func(t int, lr, _ float64, th, g []float64) {
			if m == nil {
				m, v, vmax = vec(len(th)), vec(len(th)), vec(len(th))
			}
			b1, b2 := p["beta1"], p["beta2"]
			for i := range th {
				gi := g[i]
				if decoupled {
					th[i] *= 1 - lr*p["weight_decay"]
				} else {
					gi += p["weight_decay"] * th[i]
				}
				m[i] = b1*m[i] + (1-b1)*gi
				v[i] = b2*v[i] + (1-b2)*gi*gi
				mhat := m[i] / (1 - math.Pow(b1, float64(t)))
				vh := v[i]
				if ams {
					vmax[i] = math.Max(vmax[i], v[i])
					vh = vmax[i]
				}
				vhat := vh / (1 - math.Pow(b2, float64(t)))
				th[i] -= lr * mhat / (math.Sqrt(vhat) + p["eps"])
			}
		}
	}
}

// referenceRun runs the float64 reference for opt, with the same schedule and
// clipping rules (clipping written here from torch's clip_grad_norm_).
func referenceRun(opt *optim.Optimizer, r regression, theta0 []float64, steps int) [][]float64 {
	p := opt.Params()
	step := references[opt.Method()](p)
	th := append([]float64(nil), theta0...)
	var out [][]float64
	for k := 0; k < steps; k++ {
		loss, g := r.lossGrad(th)
		if cv := p["clip_value"]; cv > 0 {
			for i := range g {
				g[i] = math.Max(-cv, math.Min(cv, g[i]))
			}
		}
		if cn := p["clip_norm"]; cn > 0 {
			var n2 float64
			for _, gi := range g {
				n2 += gi * gi
			}
			coef := math.Min(1, cn/(math.Sqrt(n2)+1e-6))
			for i := range g {
				g[i] *= coef
			}
		}
		lr := opt.LRAt(k)
		if opt.Method() == "polyak" {
			lr = opt.Schedule().Factor(k)
		}
		step(k+1, lr, loss, th, g)
		out = append(out, append([]float64(nil), th...))
	}
	return out
}

var specs = []string{
	"gd:lr=0.02", "gd:lr=0.02,weight_decay=0.1",
	"momentum:lr=0.01", "momentum:lr=0.01,momentum=0.8,dampening=0.3,weight_decay=0.05",
	"nesterov:lr=0.01", "nesterov:lr=0.01,momentum=0.7,weight_decay=0.05",
	"adagrad:lr=0.5", "adagrad:lr=0.5,lr_decay=0.1,initial_accumulator_value=0.2,weight_decay=0.01",
	"rmsprop:lr=0.01", "rmsprop:lr=0.01,centered=true,momentum=0.5,weight_decay=0.01",
	"adadelta", "adadelta:lr=0.5,rho=0.8,weight_decay=0.01",
	"adam:lr=0.05", "adam:lr=0.05,beta1=0.8,beta2=0.99,weight_decay=0.01",
	"adamw:lr=0.05", "amsgrad:lr=0.05", "nadam:lr=0.05", "nadam:lr=0.05,momentum_decay=0.01,weight_decay=0.01",
	"nadam:lr=0.05,weight_decay=0.2,decoupled_weight_decay=true",
	"adamax:lr=0.05", "lion:lr=0.01", "lion:lr=0.01,weight_decay=0.1",
	"polyak:f_star=FSTAR", "polyak:f_star=1,max_lr=0.01",
	"gd:lr=0.02,clip_norm=1", "gd:lr=0.02,clip_value=0.5", "adam:lr=0.05,clip_norm=0.5",
	"gd-gradsq:lr=0.02,beta=0.0001", "gd-gradsq:lr=0.02,beta=0.05,clip_norm=1",
}

var schedules = []string{"step:every=5,gamma=0.5", "exp:gamma=0.9", "inverse:decay=0.3", "cosine:steps=12,min=0.1,warmup=4"}

func TestTrajectoriesMatchReference(t *testing.T) {
	b, info, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	r := newRegression(1, 24, 4)
	theta0 := []float64{0.5, -1, 2, 0.1}
	type variant struct {
		spec, schedule string
	}
	var vs []variant
	for _, s := range specs {
		vs = append(vs, variant{s, ""})
	}
	for _, sc := range schedules {
		vs = append(vs, variant{"momentum:lr=0.01", sc}, variant{"adam:lr=0.05", sc})
	}
	for _, v := range vs {
		for _, dt := range []dtypes.DType{dtypes.Float64, dtypes.Float32} {
			name := fmt.Sprintf("%s/%s/%s", v.spec, v.schedule, dt)
			t.Run(name, func(t *testing.T) {
				opt := mustSpec(strings.ReplaceAll(v.spec, "FSTAR", fmt.Sprint(r.minLoss())))
				if v.schedule != "" {
					s, err := optim.ParseSchedule(v.schedule)
					if err != nil {
						t.Fatal(err)
					}
					opt = opt.WithSchedule(s)
				}
				const steps = 20
				got := run(t, b, opt, r, theta0, steps, dt)
				want := referenceRun(opt, r, theta0, steps)
				tol := 1e-9
				if dt == dtypes.Float32 {
					tol = 1e-5
				}
				for k := range want {
					if dt == dtypes.Float32 && opt.Method() == "polyak" && k >= 5 {
						// Polyak's step (f − f*)/‖g‖² cancels catastrophically
						// in float32 near the optimum: compare the early steps.
						break
					}
					for i := range want[k] {
						if d := math.Abs(got[k][i] - want[k][i]); d > tol*math.Max(1, math.Abs(want[k][i])) {
							t.Fatalf("%s on %s: step %d θ[%d] = %.12g, reference %.12g (|Δ|=%.3g)", v.spec, info.Config, k+1, i, got[k][i], want[k][i], d)
						}
					}
				}
			})
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"sgdd", `unknown optimizer "sgdd": valid optimizers are adadelta, adagrad`},
		{"adam:lr=-1", "lr=-1 is outside its valid range (0, ∞)"},
		{"adam:lr=0", "lr=0 is outside its valid range (0, ∞)"},
		{"adam:beta1=1", "beta1=1 is outside its valid range [0, 1)"},
		{"adam:beta2=-0.1", "beta2=-0.1 is outside its valid range [0, 1)"},
		{"adam:gamma=3", `unknown parameter "gamma" (valid: lr, beta1`},
		{"adam:lr=abc", `lr="abc" is not a finite number`},
		{"adam:lr=NaN", `is not a finite number`},
		{"momentum:momentum=1.5", "momentum=1.5 is outside its valid range [0, 1)"},
		{"rmsprop:centered=maybe", `centered="maybe" is not a boolean`},
		{"rmsprop:centered=2", "centered=\"2\" is not a boolean"},
		{"nesterov:momentum=0", "nesterov: momentum=0"},
		{"gd:weight_decay=-1", "weight_decay=-1 is outside"},
		{"adam:lr", `"lr" is not key=value`},
		{":lr=1", "missing name"},
		{"gd:lr=1,lr=2", `key "lr" given twice`},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := specOptimizer(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse(%q) error = %v, want it to contain %q", tc.spec, err, tc.want)
			}
		})
	}
	for _, s := range []string{"cosine", "cosine:steps=0", "step:every=0", "exp:gamma=2", "warm", "cosine:steps=10,foo=1", "cosine:steps=10,min=2", "constant:warmup=-1"} {
		if _, err := optim.ParseSchedule(s); err == nil {
			t.Errorf("ParseSchedule(%q) accepted nonsense", s)
		}
	}
}

func TestDefaultsMatchTorch(t *testing.T) {
	// torch.optim defaults (momentum/nesterov default to 0.9 here: see package doc).
	want := map[string]map[string]float64{
		"adam":     {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0},
		"adamw":    {"lr": 1e-3, "weight_decay": 0.01},
		"adagrad":  {"lr": 0.01, "eps": 1e-10, "initial_accumulator_value": 0, "lr_decay": 0},
		"rmsprop":  {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "momentum": 0, "centered": 0},
		"adadelta": {"lr": 1, "rho": 0.9, "eps": 1e-6},
		"nadam":    {"lr": 2e-3, "momentum_decay": 4e-3},
		"adamax":   {"lr": 2e-3, "beta2": 0.999},
		"lion":     {"lr": 1e-4, "beta1": 0.9, "beta2": 0.99},
	}
	for m, ps := range want {
		info, err := optim.Lookup(m)
		if err != nil {
			t.Fatal(err)
		}
		o, err := optim.New(info.New())
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range ps {
			if got := o.Param(k); got != v {
				t.Errorf("%s %s default = %v, torch uses %v", m, k, got, v)
			}
		}
	}
}

// specOptimizer builds the optimizer a spec names, as the CLI does.
func specOptimizer(s string) (*optim.Optimizer, error) {
	c, err := optim.Parse(s)
	if err != nil {
		return nil, err
	}
	return optim.New(c)
}

// mustSpec is specOptimizer for test tables written as specs.
func mustSpec(s string) *optim.Optimizer {
	o, err := specOptimizer(s)
	if err != nil {
		panic(err)
	}
	return o
}
