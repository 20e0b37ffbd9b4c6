package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/models"
)

// peerScript times the same computations in PyTorch: identical models,
// float32, the same first n training images, a plain SGD step.
const peerScript = peerPrelude + `
import torch
torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))
torch.manual_seed(0)
X = torch.from_numpy(idx("train-images-idx3-ubyte").astype(np.float32) / 255.0)
Y = torch.from_numpy(idx("train-labels-idx1-ubyte").astype(np.int64))
def model(name, c):
    if name == "deep":
        layers, k = [], c["features"]
        for _ in range(c["depth"]):
            lin = torch.nn.Linear(k, c["width"]); torch.nn.init.normal_(lin.weight, std=c["std"])
            layers += [lin, torch.nn.Sigmoid()]; k = c["width"]
        return torch.nn.Sequential(*layers, torch.nn.Linear(k, c["classes"]))
    if name == "softmax":
        return torch.nn.Linear(784, 10)
    if name == "mlp":
        return torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    return torch.nn.Sequential(torch.nn.Unflatten(1, (1, 28, 28)),
        torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.ReLU(),
        torch.nn.Conv2d(6, 16, 5, stride=2, padding=2), torch.nn.ReLU(),
        torch.nn.Conv2d(16, 32, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(7*7*32, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
out = []
for c in cases:
    n = c["n"]
    if "x" in c:
        x = torch.from_numpy(np.fromfile(c["x"], dtype=np.float32).reshape(n, c["features"]))
        y = torch.from_numpy(np.fromfile(c["y"], dtype=np.int64))
    else:
        x = X[:n].reshape(n, 784).contiguous(); y = Y[:n]
    m = model(c["name"], c); opt = torch.optim.SGD(m.parameters(), lr=0.01)
    lossf = torch.nn.CrossEntropyLoss()
    def step(xb=x, yb=y):
        opt.zero_grad(set_to_none=True)
        l = lossf(m(xb), yb); l.backward(); opt.step()
    med, mn = timeit(step, repeats)
    out.append({"case": c["name"], "kind": "full-step", "n": n, "median_s": med, "min_s": mn})
    perm = [(s*128 + i*7919) % n for s in range(n // 128) for i in range(128)]
    idxs = torch.tensor(perm).reshape(n // 128, 128)
    def epoch():
        for s in range(idxs.shape[0]):
            step(x[idxs[s]], y[idxs[s]])
    med, mn = timeit(epoch, max(1, repeats // 3))
    out.append({"case": c["name"], "kind": "epoch-128", "n": n, "median_s": med, "min_s": mn})
a = torch.randn(2048, 2048); b = torch.randn(2048, 2048)
c = torch.mm(a, b)
ref = a[:64].double() @ b.double()
err = ((c[:64].double() - ref).abs().max() / ref.abs().max()).item()
if not err < 1e-4:
    raise SystemExit("peer GEMM disagrees with float64: relative error %g" % err)
gmed, gmin = timeit(lambda: torch.mm(a, b, out=c), repeats)
info = {"torch": torch.__version__, "threads": torch.get_num_threads(),
        "gemm_gflops": 2 * 2048**3 / gmin / 1e9, "gemm_rel_error_vs_float64": err,
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", ""),
        "glibc_tunables": os.environ.get("GLIBC_TUNABLES", "")}
try:
    import threadpoolctl
    info["blas"] = [{k: v for k, v in p.items() if k in ("internal_api", "version", "architecture", "num_threads")} for p in threadpoolctl.threadpool_info()]
except Exception as e:
    info["blas"] = str(e)
print(json.dumps({"results": out, "info": info}))
`

// peerPrelude is what both peer scripts share: the arguments (data folder,
// cases as JSON, repeats), the IDX reader and the timer.
const peerPrelude = `
import gzip, json, os, sys, time, statistics
import numpy as np
d = sys.argv[1]; cases = json.loads(sys.argv[2]); repeats = int(sys.argv[3])
def idx(name):
    for ext in (".gz", ""):
        p = os.path.join(d, name + ext)
        if os.path.exists(p):
            raw = gzip.open(p).read() if ext else open(p, "rb").read()
            nd = raw[3]
            dims = [int.from_bytes(raw[4+4*i:8+4*i], "big") for i in range(nd)]
            return np.frombuffer(raw, dtype=np.uint8, offset=4+4*nd).reshape(dims)
    raise SystemExit("missing " + name)
def timeit(fn, reps):
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts)
`

// PeerResult is one peer timing.
type PeerResult struct {
	Case   string  `json:"case"`
	Kind   string  `json:"kind"`
	N      int     `json:"n"`
	Median float64 `json:"median_s"`
	Min    float64 `json:"min_s"`
}

// Peer is one peer library's timings and configuration.
type Peer struct {
	Name    string         `json:"name"`
	Results []PeerResult   `json:"results"`
	Info    map[string]any `json:"info"`
}

// PeerKind is a library bench compares against: its name, the module its
// interpreter must import, and the timing script.
type PeerKind struct {
	Name, Module, script string
}

// PyTorch (Debian's 1.13 with OpenBLAS) and JAX on CPU (jax.jit of the
// loss-and-gradient step; the XLA compiler bgdlab's xla:cpu uses).
var (
	PyTorch = PeerKind{Name: "pytorch", Module: "torch", script: peerScript}
	JAX     = PeerKind{Name: "jax", Module: "jax", script: jaxScript}
)

// Min returns the peer's best time for a case and kind, NaN when it has none.
func (p *Peer) Min(cs, kind string) float64 {
	if p != nil {
		for _, r := range p.Results {
			if r.Case == cs && r.Kind == kind {
				return r.Min
			}
		}
	}
	return math.NaN()
}

// GEMM returns the peer's own 2048³ float32 GEMM rate in GFLOP/s; false
// when p is nil or has none.
func (p *Peer) GEMM() (float64, bool) {
	if p == nil {
		return 0, false
	}
	g, ok := p.Info["gemm_gflops"].(float64)
	return g, ok
}

// Available reports whether python can import the peer's module.
func (k PeerKind) Available(python string) bool {
	return exec.Command(python, "-c", "import "+k.Module).Run() == nil
}

// RunPeer times cases in the peer on 2 threads, and its own 2048³ GEMM
// (checked against float64). For the peer process only it sets
// OPENBLAS_CORETYPE to OpenBLASCoreType's kernel, unsets OPENBLAS_L2_SIZE (a
// workplace guard that halves GEMM speed) and sets OMP_WAIT_POLICY=PASSIVE
// (OpenMP spinning threads oversubscribe 2 cores), so the peer is measured
// at its best.
func RunPeer(ctx context.Context, kind PeerKind, python, dataDir string, cases []Case, repeats int) (*Peer, error) {
	dir, err := os.MkdirTemp("", "bgdlab-peer")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "peer.py")
	if err := os.WriteFile(script, []byte(kind.script), 0o644); err != nil {
		return nil, err
	}
	cs, err := peerCases(dir, cases)
	if err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(cs)
	cmd := exec.CommandContext(ctx, python, script, dataDir, string(raw), fmt.Sprint(repeats))
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") || strings.HasPrefix(kv, "OPENBLAS_L2_SIZE=") || strings.HasPrefix(kv, "OMP_WAIT_POLICY=") {
			continue
		}
		env = append(env, kv)
	}
	// GLIBC_TUNABLES passes through: the peer's malloc runs with the
	// huge-page setting bgdlab's own processes get (backend.HugePageMalloc),
	// which takes as much off PyTorch's and JAX's large steps as off XLA's;
	// the peer's info records it.
	env = append(env, "OMP_WAIT_POLICY=PASSIVE", "BENCH_THREADS=2")
	if core := OpenBLASCoreType(backend.DetectCPU()); core != "" {
		env = append(env, "OPENBLAS_CORETYPE="+core)
	}
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("peer %s failed after %s: %v\n%s", kind.Name, time.Since(t0).Round(time.Second), err, errb.String())
	}
	p := &Peer{Name: kind.Name}
	if err := json.Unmarshal(out.Bytes(), p); err != nil {
		return nil, fmt.Errorf("peer %s output: %w\n%s", kind.Name, err, out.String())
	}
	return p, nil
}

// OpenBLASCoreType names the OpenBLAS kernel for the CPU's vector flags:
// SkylakeX with AVX-512, Haswell with AVX2 and FMA, "" (OpenBLAS's own
// detection) otherwise. OpenBLAS detects by CPU model, and on virtual CPUs
// that report a generic name ("Intel(R) Xeon(R) Processor") it falls back to
// its Prescott kernels: 38 GFLOP/s at 2048³ on a 2-core Intel Xeon with
// AVX-512, against 196 with SkylakeX. Only the peer's process gets it — never
// tests or CI.
func OpenBLASCoreType(c backend.CPU) string {
	switch {
	case c.AVX512F:
		return "SkylakeX"
	case c.AVX2 && c.FMA:
		return "Haswell"
	}
	return ""
}

// peerCases describes cases for the peer scripts as JSON-ready maps; a case
// with its own data set gets it written to dir as raw float32 features and
// int64 labels.
func peerCases(dir string, cases []Case) ([]map[string]any, error) {
	var cs []map[string]any
	for _, c := range cases {
		m := map[string]any{"name": c.Name, "n": c.N}
		if c.Data != nil {
			d, err := CaseData(c, nil)
			if err != nil {
				return nil, err
			}
			xs, ys := filepath.Join(dir, c.Name+".x"), filepath.Join(dir, c.Name+".y")
			if err := os.WriteFile(xs, rawFloat32(d.X), 0o644); err != nil {
				return nil, err
			}
			if err := os.WriteFile(ys, rawInt64(d.Labels), 0o644); err != nil {
				return nil, err
			}
			m["x"], m["y"], m["features"], m["classes"] = xs, ys, d.D, d.Classes
		}
		if dm, ok := c.Model.(models.DeepMLP); ok {
			m["depth"], m["width"], m["std"] = dm.Depth, dm.Width, dm.Std
		}
		cs = append(cs, m)
	}
	return cs, nil
}

func rawFloat32(xs []float64) []byte {
	out := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(float32(x)))
	}
	return out
}

func rawInt64(ys []int) []byte {
	out := make([]byte, 8*len(ys))
	for i, y := range ys {
		binary.LittleEndian.PutUint64(out[8*i:], uint64(int64(y)))
	}
	return out
}
